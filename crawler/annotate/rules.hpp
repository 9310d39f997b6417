#pragma once
// The annotation rules, one named function each, with the providers they apply to. Each field
// is decided by the first rule in its list that has evidence; with none, the field is left out
// (or, for `site:ref`, set to "unknown"): a guess is never written as fact. crawler/README.md
// ("Annotation") lists the same rules; annotate_rules_test checks the two agree and tests each
// rule on a document in its provider's shape.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "crawler/annotate/copy.hpp"
#include "crawler/annotate/site_registry.hpp"

namespace stacfed::crawler::annotate {

// A named rule: the field it decides, the providers whose documents it reads, what it says.
struct RuleInfo {
  std::string_view name;
  std::string_view field;      // "site:ref", "site:locations", "site:tier", "kerchunk"
  std::string_view providers;  // "every provider", "DestinE HDA v2", ...
  std::string_view says;
};
// Every rule, per field in the order tried.
std::span<const RuleInfo> Rules();

// What a document (item or collection) says about all its copies, read once before them.
struct DocumentHints {
  // DestinE HDA v2 (stac-fastapi-eodag): the item names the backends serving it in
  // `federation:backends`.
  bool destine = false;
  // Sites of those backends (a site's `backends` in the federation file), sorted, unique.
  std::vector<const std::string*> backend_sites;
  // The backend's site when the item names exactly one backend and a site declares it.
  const std::string* single_backend_site = nullptr;
  // STAC storage v2 (CDSE): every `storage:schemes` key with the site serving its `platform`
  // host (nullptr when no site does).
  std::vector<std::pair<std::string_view, const std::string*>> scheme_sites;
};
// `document`: an Item (hints in `properties`, storage:schemes also at the top) or a
// Collection (storage:schemes at the top). Views into `document`'s properties: valid while
// they are not written to.
DocumentHints ReadDocumentHints(const boost::json::object& document, const SiteRegistry& sites);

// Where a copy is, and which rule said so.
struct Location {
  const std::string* site = nullptr;  // nullptr: no rule located it ("unknown")
  std::string_view rule;
  bool plain_host = false;  // located by a host a site serves its data from itself
  // The tier behind the href's host when that host is a site's gateway (whichever rule
  // located the copy).
  std::optional<federation::StorageTier> gateway_tier;
};
Location LocateCopy(const Copy& copy, const DocumentHints& hints, const SiteRegistry& sites);

// A decided value and the rule that decided it (both empty when none did).
struct Decision {
  std::string_view value;
  std::string_view rule;
};

// The rule that shows `copy` is a kerchunk reference; empty when nothing does. A JSON file
// with the role `reference` alone is no evidence: in ESGF's items that role marks the
// publisher's copy of any file, a report as much as a reference file.
std::string_view KerchunkEvidence(const Copy& copy);

// site:tier: disk, object, tape or cache.
Decision DecideTier(const Copy& copy, const Location& location, const SiteRegistry& sites);

// A POSIX path: file://, a bare path under a site's path prefix, or what a reference::
// points at on a file system.
bool IsPosixPath(const Copy& copy, const SiteRegistry& sites);

// A copy read through DKRZ's tape archive (StrongLink, `slk`): an slk:// href, the slk access
// protocol, or a kerchunk reference whose chunks come through slkspec. Only users logged in
// at the site can recall it.
bool ReadsThroughSlk(const Copy& copy);

// access:protocol from the href, ESGF's `protocol`, the media type and the URL.
std::string_view DecideProtocol(const Copy& copy, bool kerchunk, bool posix);

// access:engine: the upstream's own xarray engine, else what media type and protocol say.
std::string_view DecideEngine(const Copy& copy, std::string_view protocol, bool kerchunk);

// site:replica from ESGF's roles or a `replica` flag: 1 true, 0 false, -1 unknown.
int DecideReplica(const Copy& copy, bool kerchunk);

}  // namespace stacfed::crawler::annotate
