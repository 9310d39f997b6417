#pragma once
// What annotation reads from one copy (an asset, or a value of its `alternate` map): its
// href cut into pieces, what its media type and roles say, and the members the rules look at.
// Everything here is a view into the document; it stays valid until the copy is written to.

#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace stacfed::crawler::annotate {

// An href as annotation looks at it.
struct Href {
  std::string_view scheme;  // "https", "s3", "file", "slk", ...; empty for a path or a relative href
  std::string_view host;    // without user info and port; for s3:// (gs, az) the bucket
  std::string_view path;    // without query and fragment
  bool bare_path = false;   // "/pool/data/...": a POSIX path, no URL
  bool reference = false;   // "reference::<target>" (kerchunk references, as DKRZ's intake writes them)

  bool Is(std::string_view name) const;  // the scheme, any case
  bool IsHttp() const { return Is("https") || Is("http"); }
  bool IsObjectStore() const { return Is("s3") || Is("gs") || Is("gcs") || Is("az") || Is("abfs"); }
  // file://, slk:// and bare paths: hrefs that name no host to locate them by.
  bool IsPath() const { return bare_path || Is("file") || Is("slk"); }
};

// Cuts an href: a bare path ("/pool/...", possibly after "reference::") as it is; anything
// else as an RFC 3986 reference whose scheme and authority Boost.URL parses, its path being
// what follows up to '?' or '#'. An href whose scheme or authority Boost.URL rejects has no
// scheme, host or path: nothing is claimed about it.
Href ParseHref(std::string_view text);

// The last non-empty segment of a path ("kerchunk" of "/datasets/x/kerchunk/").
std::string_view LastSegment(std::string_view path);

// What a media type says about the bytes.
enum class Media {
  kOther,
  kNetcdf,
  kZarr,
  kKerchunk,  // application/vnd.zarr+kerchunk, application/kerchunk
  kIcechunk,
  kGrib,
  kJson,      // exactly application/json (parameters aside): xpystac's reference files, reports, ...
  kZstd,      // application/zstd: CEDA's compressed kerchunk references, or any compressed file
  kParquet,   // parquet: kerchunk's parquet references, or a table
};
Media ClassifyMediaType(std::string_view type);
// JSON, zstd and parquet: the containers kerchunk references come in (and much else).
inline bool IsReferenceContainer(Media media) {
  return media == Media::kJson || media == Media::kZstd || media == Media::kParquet;
}

struct Roles {
  bool data = false;
  bool reference = false;   // ESGF: the publisher's copy; CEDA: a kerchunk reference file
  bool references = false;  // xpystac: kerchunk references
  bool index = false;       // xpystac: kerchunk references
  bool replica = false;     // ESGF: a replica at another data node
  bool auxiliary = false;   // thumbnail, overview, metadata: not a copy of the data
};
// `roles` as a list, or CEDA's single `role` string; any case.
Roles ReadRoles(const boost::json::value* value);

// The members of one copy that annotation reads, found in one pass over it (an asset has a
// dozen members or more; a lookup per field would scan them a dozen times).
struct CopyFields {
  std::string_view href, type, protocol, node, alternate_name;
  std::string_view site_ref, site_tier, access_protocol, access_status;
  const boost::json::value* roles = nullptr;
  const boost::json::value* open_kwargs = nullptr;      // xarray:open_kwargs
  const boost::json::value* storage_options = nullptr;  // xarray:storage_options
  const boost::json::value* storage_refs = nullptr;     // storage:refs (STAC storage v2)
  const boost::json::value* replica = nullptr;
  bool open_zarr_kwargs = false;  // CEDA's hint that the file opens as Zarr (a kerchunk reference)
};
CopyFields ReadCopyFields(const boost::json::object& copy);

// One copy with everything the rules need.
struct Copy {
  std::string_view key;    // its key in `assets`, or in its asset's `alternate`
  bool alternate = false;  // a value of an asset's `alternate` map
  CopyFields fields;
  Href href;
  Media media = Media::kOther;  // of its own type, else (alternates) of its asset's
  Roles roles;
};
// `parent_type`: the media type of the asset an alternate belongs to (an alternate naming
// none shares it); empty for an asset.
Copy ReadCopy(const boost::json::object& copy, std::string_view key, bool alternate,
              std::string_view parent_type);

std::string_view View(boost::json::string_view s);
boost::json::string_view Key(std::string_view s);
// object[key] when it is a string, else empty.
std::string_view StringOf(const boost::json::object& object, std::string_view key);

}  // namespace stacfed::crawler::annotate
