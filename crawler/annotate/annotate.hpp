#pragma once
// Site locality and access hints (stacfed's "site-access" extension, schemas/site-access/
// v1.0.0: its JSON Schema and a README of every field) added to harvested documents between normalise/ and the write.
//
// Per copy (every asset and every value of its `alternate` map):
//   site:ref         the site holding it, by the first site rule with evidence (ESGF's data
//                    node, a provider hint, the href's host or gateway, a site path, a key
//                    naming a site); "unknown" when none has any. The catalog's own sites
//                    locate nothing.
//   site:tier        disk | object | tape | cache, only on evidence (a gateway's declared tier,
//                    slk, object stores, POSIX paths, a site's own data host)
//   site:replica     from ESGF's roles `replica` / `reference` (or a `replica` flag)
//   access:protocol  posix | https | s3 | opendap | zarr | kerchunk | icechunk | globus |
//                    slk | wps
//   access:scope     site-internal (POSIX paths, file://, DKRZ's tape archive: slk) | public
//   access:status    online | nearline (tape)
//   access:engine    netcdf4 | h5netcdf | zarr | kerchunk | cfgrib
// Per item (properties): site:locations (sorted site ids holding a data asset, and the sites
// of the backends a DestinE item names) and access:online_status (online | partial | offline,
// the DMT rule: an asset is online when any of its copies is). Per collection: site:sites,
// the catalog's site objects. The rules, named and with the providers they apply to, are in
// rules.hpp.
//
// A field the upstream already set is never overwritten; what cannot be told is left out
// rather than guessed. The result depends only on the document and the registry, so an
// unchanged upstream document keeps its content hash from one harvest to the next.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "absl/status/statusor.h"
#include "crawler/annotate/site_registry.hpp"
#include "libstac/model/site_access.hpp"

namespace stacfed::crawler {

// The extension URI a harvest names in `stac_extensions`: the schema as stacfed serves it
// (schemas/site-access/v1.0.0/schema.json at /extensions/site-access/v1.0.0/schema.json)
// under the public base URL. This default is that of a server on its default address; a
// harvest takes its URI from STACFED_PUBLIC_URL (SiteAccessExtensionUriFromEnv).
inline constexpr std::string_view kSiteAccessExtension = site_access::kDefaultSchemaUri;

// `<public_url>/extensions/site-access/v1.0.0/schema.json`; `public_url` is an absolute
// http(s) URL with a host and no query or fragment (trailing slashes are dropped), as
// STACFED_PUBLIC_URL; nullopt or empty: the default base. InvalidArgument naming the variable
// otherwise.
absl::StatusOr<std::string> SiteAccessExtensionUri(std::optional<std::string_view> public_url);
// The same from STACFED_PUBLIC_URL (read when called: once per harvest run).
absl::StatusOr<std::string> SiteAccessExtensionUriFromEnv();

// Annotates a normalised Item in place; true when a field was added (`extension_uri` is
// then in stac_extensions).
bool AnnotateItem(boost::json::object& item, const SiteRegistry& sites,
                  std::string_view extension_uri = kSiteAccessExtension);

// Adds `site:sites` (the catalog's sites) to a normalised Collection and annotates the
// copies of its own assets; true when a field was added.
bool AnnotateCollection(boost::json::object& collection, const SiteRegistry& sites,
                        std::string_view extension_uri = kSiteAccessExtension);

}  // namespace stacfed::crawler
