#include "crawler/annotate/annotate.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace stacfed::crawler {
namespace json = boost::json;
namespace {

// ---- reading the document ----------------------------------------------------------------

std::string_view View(json::string_view s) { return {s.data(), s.size()}; }
json::string_view Key(std::string_view s) { return {s.data(), s.size()}; }

std::string_view StringOf(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(Key(key));
  const json::string* text = value ? value->if_string() : nullptr;
  return text ? View(*text) : std::string_view();
}

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return LowerAscii(x) == LowerAscii(y); });
}

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char x, char y) { return LowerAscii(x) == LowerAscii(y); }) != haystack.end();
}

// An href cut into the pieces annotation looks at; views into the href.
struct Href {
  std::string_view scheme;  // "https", "s3", "file", "slk", ...; empty for a bare path
  std::string_view host;    // without user info and port; for s3:// the bucket
  std::string_view path;    // without query and fragment
  bool bare_path = false;   // "/pool/data/...": an absolute path without a scheme
  bool reference = false;   // "reference::<target>" (kerchunk references, as DKRZ writes them)

  bool Is(std::string_view name) const { return EqualsIgnoreCase(scheme, name); }
  bool IsHttp() const { return Is("https") || Is("http"); }
  bool IsObjectStore() const { return Is("s3") || Is("gs") || Is("gcs") || Is("az") || Is("abfs"); }
};

bool IsSchemeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

// The prefix of `text` before the first `a`, `b` or `c` (memchr per character, where
// find_first_of would search the set once per character of the text).
std::string_view Until(std::string_view text, char a, char b, char c = '\0') {
  size_t end = std::min(text.find(a), text.find(b));
  if (c != '\0') end = std::min(end, text.substr(0, end).find(c));
  return text.substr(0, end);
}

Href ParseHref(std::string_view text) {
  Href href;
  if (text.starts_with("reference::")) {
    href.reference = true;
    text.remove_prefix(11);
  }
  const size_t colon = text.find(':');
  const bool has_scheme = colon != std::string_view::npos && colon > 1 &&
                          std::all_of(text.begin(), text.begin() + colon, IsSchemeChar);
  if (!has_scheme) {
    if (text.starts_with('/')) {
      href.bare_path = true;
      href.path = Until(text, '?', '#');
    }
    return href;
  }
  href.scheme = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    std::string_view authority = Until(rest, '/', '?', '#');
    rest.remove_prefix(authority.size());
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    if (!authority.starts_with('[')) authority = authority.substr(0, authority.find(':'));
    href.host = authority;
  }
  href.path = Until(rest, '?', '#');
  return href;
}

std::string_view LastSegment(std::string_view path) {
  while (path.ends_with('/')) path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// What a media type says about how to open the data.
enum class Media { kOther, kNetcdf, kZarr, kKerchunk, kIcechunk, kGrib, kReferenceFile };

Media ClassifyMediaType(std::string_view type) {
  if (type.empty()) return Media::kOther;
  // The types met most (ESGF's NetCDF files) without the case-insensitive searches below.
  if (type == "application/netcdf" || type == "application/x-netcdf") return Media::kNetcdf;
  // application/vnd.zarr+kerchunk, application/kerchunk; then +icechunk; then every Zarr
  // spelling (application/vnd.zarr; version=3, the deprecated vnd+zarr and x-zarr).
  if (ContainsIgnoreCase(type, "kerchunk")) return Media::kKerchunk;
  if (ContainsIgnoreCase(type, "icechunk")) return Media::kIcechunk;
  if (ContainsIgnoreCase(type, "zarr")) return Media::kZarr;
  if (ContainsIgnoreCase(type, "netcdf")) return Media::kNetcdf;
  if (ContainsIgnoreCase(type, "grib")) return Media::kGrib;
  // Kerchunk reference files as CEDA (application/zstd) and xpystac (application/json)
  // publish them; only with a reference/index role do they mean that.
  if (ContainsIgnoreCase(type, "application/json") || ContainsIgnoreCase(type, "zstd") ||
      ContainsIgnoreCase(type, "parquet")) {
    return Media::kReferenceFile;
  }
  return Media::kOther;
}

struct Roles {
  bool data = false;
  bool reference = false;  // ESGF: the publisher's copy; CEDA/xpystac: a kerchunk reference file
  bool replica = false;
  bool index = false;      // "index" / "references": kerchunk references (xpystac)
  bool auxiliary = false;  // thumbnail, overview, metadata: not a copy of the data
};

Roles ReadRoles(const json::value* value) {
  Roles roles;
  if (value == nullptr) return roles;
  auto read = [&](const json::value& role) {
    const json::string* text = role.if_string();
    if (text == nullptr) return;
    const std::string_view name = View(*text);
    if (name == "data") roles.data = true;
    else if (name == "reference") roles.reference = true;
    else if (name == "replica") roles.replica = true;
    else if (name == "index" || name == "references") roles.index = true;
    else if (name == "thumbnail" || name == "overview" || name == "metadata") roles.auxiliary = true;
  };
  if (const json::array* list = value->if_array()) {
    for (const json::value& role : *list) read(role);
  } else {
    read(*value);
  }
  return roles;
}

// ESGF's asset `protocol` (http, https, globus, gridftp, kerchunk, netcdfsubset, opendap, wms,
// wps, s3) in the site-access vocabulary; empty when unknown.
std::string_view FromEsgfProtocol(std::string_view protocol) {
  struct Entry {
    std::string_view esgf, ours;
  };
  static constexpr std::array<Entry, 14> kTable = {{{"https", "https"},
                                                    {"http", "https"},
                                                    {"httpserver", "https"},
                                                    {"netcdfsubset", "https"},
                                                    {"wms", "https"},
                                                    {"globus", "globus"},
                                                    {"gridftp", "globus"},
                                                    {"opendap", "opendap"},
                                                    {"kerchunk", "kerchunk"},
                                                    {"s3", "s3"},
                                                    {"wps", "wps"},
                                                    {"zarr", "zarr"},
                                                    {"icechunk", "icechunk"},
                                                    {"posix", "posix"}}};
  for (const Entry& entry : kTable) {
    if (EqualsIgnoreCase(protocol, entry.esgf)) return entry.ours;
  }
  return {};
}

// s3.eu-central-1.amazonaws.com, bucket.s3.amazonaws.com, s3-eu-west-1.amazonaws.com,
// swift.dkrz.de, objectstore.example.org.
bool LooksLikeObjectStoreHost(std::string_view host) {
  while (!host.empty()) {
    const size_t dot = host.find('.');
    const std::string_view label = host.substr(0, dot);
    if (EqualsIgnoreCase(label, "s3") || EqualsIgnoreCase(label, "swift") ||
        EqualsIgnoreCase(label, "objectstore") || EqualsIgnoreCase(label, "object-store") ||
        (label.size() > 3 && EqualsIgnoreCase(label.substr(0, 3), "s3-"))) {
      return true;
    }
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return false;
}

// DKRZ's tape entries read kerchunk references whose chunks come through slkspec.
bool ReadsFromTape(const json::value* storage_options) {
  const json::object* options = storage_options ? storage_options->if_object() : nullptr;
  return options && EqualsIgnoreCase(StringOf(*options, "remote_protocol"), "slk");
}

// An engine the upstream already names in xarray:open_kwargs, when it is one of ours.
std::string_view EngineFromOpenKwargs(const json::value* open_kwargs) {
  const json::object* kwargs = open_kwargs ? open_kwargs->if_object() : nullptr;
  if (kwargs == nullptr) return {};
  const std::string_view engine = StringOf(*kwargs, "engine");
  for (std::string_view known : {"netcdf4", "h5netcdf", "zarr", "kerchunk", "cfgrib"}) {
    if (engine == known) return known;
  }
  return {};
}

// The members of one copy that annotation reads, found in one pass over it (an asset has a
// dozen members or more; a lookup per field would scan them a dozen times).
struct CopyFields {
  std::string_view href, type, protocol, node, alternate_name;
  std::string_view site_ref, site_tier, access_protocol, access_status;
  const json::value* roles = nullptr;
  const json::value* open_kwargs = nullptr;
  const json::value* storage_options = nullptr;
  const json::value* replica = nullptr;
};

CopyFields ReadCopy(const json::object& copy) {
  CopyFields fields;
  for (const auto& member : copy) {
    const std::string_view key = View(member.key());
    const json::value& value = member.value();
    const json::string* text = value.if_string();
    auto take = [&](std::string_view name, std::string_view& out) {
      if (key == name && text) out = View(*text);
    };
    // Dispatch on the key's length first: most members are compared with nothing.
    using std::literals::operator""sv;
    switch (key.size()) {
      case "href"sv.size():  // also "type", "node"
        take("href", fields.href);
        take("type", fields.type);
        take("node", fields.node);
        break;
      case "roles"sv.size():
        if (key == "roles") fields.roles = &value;
        break;
      case "replica"sv.size():
        if (key == "replica") fields.replica = &value;
        break;
      case "protocol"sv.size():  // also "site:ref"
        take("protocol", fields.protocol);
        take("site:ref", fields.site_ref);
        break;
      case "site:tier"sv.size():
        take("site:tier", fields.site_tier);
        break;
      case "access:status"sv.size():
        take("access:status", fields.access_status);
        break;
      case "alternate:name"sv.size():
        take("alternate:name", fields.alternate_name);
        break;
      case "access:protocol"sv.size():
        take("access:protocol", fields.access_protocol);
        break;
      case "xarray:open_kwargs"sv.size():
        if (key == "xarray:open_kwargs") fields.open_kwargs = &value;
        break;
      case "xarray:storage_options"sv.size():
        if (key == "xarray:storage_options") fields.storage_options = &value;
        break;
      default:
        break;
    }
  }
  return fields;
}

// ---- annotating ----------------------------------------------------------------------------

// What one copy ended up with, for the item's summary.
struct CopyResult {
  std::string site;    // site:ref, empty when unknown
  bool has_status = false;
  bool online = false;
};

class Annotator {
 public:
  explicit Annotator(const SiteRegistry& sites) : sites_(sites) {}

  bool added() const { return added_; }
  void NoteAdded(bool inserted) { added_ = added_ || inserted; }

  // Annotates one asset or alternate value. `key` is its key in `assets` or `alternate`;
  // `parent_type` is the media type of the asset an alternate belongs to (an alternate
  // naming none shares it), empty for an asset.
  CopyResult AnnotateCopy(json::object& copy, std::string_view key, std::string_view parent_type);

 private:
  // The decisions are taken first, while views into `copy` are valid, and written after:
  // adding members may move `copy`'s short strings.
  struct Decisions {
    std::string_view site, tier, protocol, scope, status, engine;
    int replica = -1;  // -1: unknown, else 0/1
  };

  const SiteRegistry& sites_;
  bool added_ = false;
};

CopyResult Annotator::AnnotateCopy(json::object& copy, std::string_view key, std::string_view parent_type) {
  CopyResult result;
  const CopyFields fields = ReadCopy(copy);
  if (fields.href.empty()) return result;
  const Href href = ParseHref(fields.href);
  const Media media = ClassifyMediaType(fields.type.empty() ? parent_type : fields.type);
  const Roles roles = ReadRoles(fields.roles);
  const std::string_view upstream_protocol = fields.access_protocol;
  const std::string_view upstream_tier = fields.site_tier;
  const std::string_view upstream_status = fields.access_status;
  const std::string_view upstream_site = fields.site_ref;

  // A POSIX path: file://, a bare path under a site's path prefix, or what a reference::
  // points at on a file system.
  const bool file_path = href.Is("file") || (href.bare_path && (href.reference || sites_.SiteOfPath(href.path)));
  const bool tape = href.Is("slk") || upstream_protocol == "slk" || key == "tape" || key.ends_with("-tape") ||
                    ReadsFromTape(fields.storage_options);
  const std::string_view last_segment = LastSegment(href.path);
  const bool kerchunk_reference = href.reference || media == Media::kKerchunk ||
                                  (media == Media::kReferenceFile && (roles.reference || roles.index)) ||
                                  EqualsIgnoreCase(last_segment, "kerchunk");
  const bool network = href.IsHttp() || href.IsObjectStore();

  Decisions d;
  // access:protocol: where the href says it unambiguously, then ESGF's own field, then what
  // the media type and the URL tell.
  if (href.Is("slk")) {
    d.protocol = "slk";
  } else if (href.reference) {
    d.protocol = "kerchunk";
  } else if (file_path) {
    d.protocol = "posix";
  } else if (std::string_view esgf = FromEsgfProtocol(fields.protocol); !esgf.empty()) {
    d.protocol = esgf;
  } else if (network && kerchunk_reference) {
    d.protocol = "kerchunk";
  } else if (network && media == Media::kIcechunk) {
    d.protocol = "icechunk";
  } else if (network && (media == Media::kZarr || EqualsIgnoreCase(last_segment, "zarr") ||
                         last_segment.ends_with(".zarr"))) {
    d.protocol = "zarr";
  } else if (href.Is("s3")) {
    d.protocol = "s3";
  } else if (href.Is("globus") || EqualsIgnoreCase(href.host, "app.globus.org")) {
    d.protocol = "globus";
  } else if (href.IsHttp()) {
    d.protocol = href.path.find("/dodsC/") != std::string_view::npos ? "opendap" : "https";
  }
  const std::string_view protocol = upstream_protocol.empty() ? d.protocol : upstream_protocol;
  const bool known = !protocol.empty() || tape || href.IsObjectStore();

  // site:tier: tape first (slk://, `<site>-tape` keys, slk remote reads), then object
  // stores (s3://..., `<site>-cloud` keys, object-store hosts), else disk behind a POSIX path
  // or a plain data server.
  if (tape) {
    d.tier = "tape";
  } else if (href.IsObjectStore() || key.ends_with("-s3") || key.ends_with("-swift") ||
             key.ends_with("-object") || (key.ends_with("-cloud") && sites_.SiteOfKey(key)) ||
             LooksLikeObjectStoreHost(href.host)) {
    d.tier = "object";
  } else if (known) {
    d.tier = "disk";
  }
  const std::string_view tier = upstream_tier.empty() ? d.tier : upstream_tier;

  if (known) d.scope = file_path || protocol == "posix" ? "site-internal" : "public";
  if (known) d.status = tier == "tape" ? "nearline" : "online";

  // access:engine: the upstream's own xarray engine, else what the media type says.
  d.engine = EngineFromOpenKwargs(fields.open_kwargs);
  if (d.engine.empty()) {
    if (protocol == "kerchunk" || media == Media::kKerchunk) {
      d.engine = "kerchunk";
    } else if (media == Media::kZarr || media == Media::kIcechunk || protocol == "zarr" || protocol == "icechunk") {
      d.engine = "zarr";
    } else if (media == Media::kNetcdf) {
      // netCDF-C opens local files and OPeNDAP URLs; remote bytes (https, s3) go through
      // h5netcdf on an fsspec file object.
      d.engine = protocol == "posix" || protocol == "opendap" ? "netcdf4" : "h5netcdf";
    } else if (media == Media::kGrib) {
      d.engine = "cfgrib";
    }
  }

  // site:ref: ESGF's data node, the href's host, a site path, a key naming a site, else the
  // catalog's only site -- unless the copy names a data node that is no known site.
  const std::string* site = nullptr;
  if (upstream_site.empty()) {
    bool named_elsewhere = false;
    for (std::string_view name : {fields.node, fields.alternate_name}) {
      if (name.find('.') == std::string_view::npos) continue;  // "HTTPS", "S3": not a host
      if ((site = sites_.SiteOfHost(name))) break;
      named_elsewhere = true;
    }
    if (!site && !href.IsObjectStore()) site = sites_.SiteOfHost(href.host);  // s3:// names a bucket
    if (!site && (file_path || href.Is("slk") || href.bare_path)) site = sites_.SiteOfPath(href.path);
    if (!site) site = sites_.SiteOfKey(key);
    if (!site && !named_elsewhere) site = sites_.default_site();
    if (site) d.site = *site;
  }

  // site:replica from ESGF's roles; a kerchunk file's "reference" role says something else.
  if (roles.replica) {
    d.replica = 1;
  } else if (roles.reference && !kerchunk_reference && media != Media::kReferenceFile) {
    d.replica = 0;
  } else if (fields.replica && fields.replica->is_bool()) {
    d.replica = fields.replica->get_bool() ? 1 : 0;
  }

  result.site = std::string(upstream_site.empty() ? d.site : upstream_site);
  const std::string_view status = upstream_status.empty() ? d.status : upstream_status;
  result.has_status = !status.empty();
  result.online = status == "online";

  // Writing: emplace never replaces what the upstream set. Room for every field at once:
  // growing the object one member at a time would reallocate and rehash it several times.
  size_t adding = d.replica >= 0 ? 1 : 0;
  for (std::string_view value : {d.site, d.tier, d.protocol, d.scope, d.status, d.engine}) {
    adding += value.empty() ? 0 : 1;
  }
  if (adding > 0) copy.reserve(copy.size() + adding);
  auto put = [&](std::string_view field, std::string_view value) {
    if (!value.empty()) NoteAdded(copy.emplace(Key(field), Key(value)).second);
  };
  put("site:ref", d.site);
  put("site:tier", d.tier);
  if (d.replica >= 0) NoteAdded(copy.emplace("site:replica", d.replica == 1).second);
  put("access:protocol", d.protocol);
  put("access:scope", d.scope);
  put("access:status", d.status);
  put("access:engine", d.engine);
  return result;
}

// An item offering an order (DestinE's "orderable" virtual items) has nothing online yet.
bool AwaitsOrder(const json::object& properties) {
  const std::string_view order = StringOf(properties, "order:status");
  return order == "orderable" || order == "ordered" || order == "pending" || order == "shipping" ||
         StringOf(properties, "storage:tier") == "offline";
}

void DeclareExtension(json::object& document) {
  json::value& list = document["stac_extensions"];
  if (list.is_null()) list = json::array{};
  json::array* uris = list.if_array();
  if (uris == nullptr) return;
  for (const json::value& uri : *uris) {
    if (const json::string* text = uri.if_string(); text && View(*text) == kSiteAccessExtension) return;
  }
  uris->emplace_back(Key(kSiteAccessExtension));
}

// Annotates every asset of `assets` and its alternates.
template <typename PerAsset>
void AnnotateAssets(json::object& assets, Annotator& annotator, PerAsset&& per_asset) {
  auto roles_of = [](const json::object& asset) { return ReadRoles(asset.if_contains("roles")); };
  bool any_data_role = false;
  for (const auto& member : assets) {
    const json::object* asset = member.value().if_object();
    if (asset && roles_of(*asset).data) {
      any_data_role = true;
      break;
    }
  }
  std::vector<CopyResult> copies;  // reused: one allocation per item, not per asset
  for (auto& member : assets) {
    json::object* asset = member.value().if_object();
    if (asset == nullptr) continue;
    // Data assets: those with the role "data"; where no asset has roles saying so, every
    // asset but thumbnails, overviews and metadata.
    const Roles roles = roles_of(*asset);
    const bool data = any_data_role ? roles.data : !roles.auxiliary;
    copies.clear();
    copies.push_back(annotator.AnnotateCopy(*asset, View(member.key()), {}));
    if (json::value* alternates = asset->if_contains("alternate")) {
      if (json::object* map = alternates->if_object()) {
        // Alternates without a media type share the asset's (read after the asset's own
        // annotation, which may have moved its short strings).
        const std::string_view type = StringOf(*asset, "type");
        for (auto& alternate : *map) {
          if (json::object* copy = alternate.value().if_object()) {
            copies.push_back(annotator.AnnotateCopy(*copy, View(alternate.key()), type));
          }
        }
      }
    }
    per_asset(data, copies);
  }
}

}  // namespace

bool AnnotateItem(json::object& item, const SiteRegistry& sites) {
  Annotator annotator(sites);
  std::vector<std::string> locations;
  int data_assets = 0;    // data assets with at least one copy of known status
  int online_assets = 0;  // ... of which one copy is online
  if (json::value* assets = item.if_contains("assets"); assets && assets->is_object()) {
    AnnotateAssets(assets->get_object(), annotator, [&](bool data, const std::vector<CopyResult>& copies) {
      if (!data) return;
      bool any_status = false, any_online = false;
      for (const CopyResult& copy : copies) {
        if (!copy.site.empty()) locations.push_back(copy.site);
        any_status = any_status || copy.has_status;
        any_online = any_online || copy.online;
      }
      if (any_status) {
        ++data_assets;
        if (any_online) ++online_assets;
      }
    });
  }
  json::value* properties_value = item.if_contains("properties");
  if (json::object* properties = properties_value ? properties_value->if_object() : nullptr) {
    properties->reserve(properties->size() + 2);
    if (!locations.empty()) {
      std::sort(locations.begin(), locations.end());
      locations.erase(std::unique(locations.begin(), locations.end()), locations.end());
      json::array ids;
      ids.reserve(locations.size());
      for (const std::string& id : locations) ids.emplace_back(Key(id));
      annotator.NoteAdded(properties->emplace("site:locations", std::move(ids)).second);
    }
    std::string_view online_status;
    if (data_assets > 0) {
      online_status = online_assets == data_assets ? "online" : online_assets == 0 ? "offline" : "partial";
    } else if (AwaitsOrder(*properties)) {
      online_status = "offline";
    }
    if (!online_status.empty()) {
      annotator.NoteAdded(properties->emplace("access:online_status", Key(online_status)).second);
    }
  }
  if (annotator.added()) DeclareExtension(item);
  return annotator.added();
}

bool AnnotateCollection(json::object& collection, const SiteRegistry& sites) {
  Annotator annotator(sites);
  if (!sites.catalog_sites().empty()) {
    annotator.NoteAdded(collection.emplace("site:sites", sites.catalog_sites()).second);
  }
  if (json::value* assets = collection.if_contains("assets"); assets && assets->is_object()) {
    AnnotateAssets(assets->get_object(), annotator, [](bool, const std::vector<CopyResult>&) {});
  }
  if (annotator.added()) DeclareExtension(collection);
  return annotator.added();
}

}  // namespace stacfed::crawler
