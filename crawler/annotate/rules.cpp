#include "crawler/annotate/rules.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libstac/base/strings.hpp"
#include "libstac/federation/federation.hpp"

namespace stacfed::crawler::annotate {
namespace json = boost::json;
namespace {

// ---- rule names ---------------------------------------------------------------------------

// site:ref
constexpr std::string_view kEsgfDataNode = "esgf-data-node";
constexpr std::string_view kDestineEodata = "destine-eodata";
constexpr std::string_view kStorageScheme = "storage-scheme";
constexpr std::string_view kHost = "host";
constexpr std::string_view kSitePath = "site-path";
constexpr std::string_view kSiteKey = "site-key";
constexpr std::string_view kDestineOrigin = "destine-origin";
// site:locations
constexpr std::string_view kDestineBackend = "destine-backend";
// site:tier
constexpr std::string_view kTape = "tape";
constexpr std::string_view kGateway = "gateway";
constexpr std::string_view kObjectStore = "object-store";
constexpr std::string_view kPosixPath = "posix-path";
constexpr std::string_view kSiteHost = "site-host";
// kerchunk
constexpr std::string_view kReferenceHref = "reference-href";
constexpr std::string_view kKerchunkMediaType = "kerchunk-media-type";
constexpr std::string_view kEsgfKerchunkProtocol = "esgf-kerchunk-protocol";
constexpr std::string_view kKerchunkEndpoint = "kerchunk-endpoint";
constexpr std::string_view kXpystacReferences = "xpystac-references";
constexpr std::string_view kNamedReferenceFile = "named-reference-file";

constexpr RuleInfo kRules[] = {
    {kEsgfDataNode, "site:ref", "ESGF-NG East and West, CEDA",
     "the copy's `node`, else its `alternate:name` when it is a host name, is a host or gateway of a site"},
    {kDestineEodata, "site:ref", "DestinE HDA v2",
     "an `s3://eodata/` href is CDSE's EODATA bucket: the site serving eodata.dataspace.copernicus.eu"},
    {kStorageScheme, "site:ref", "STAC storage v2 (CDSE)",
     "an object-store href whose `storage:refs` name `storage:schemes` with a `platform` host some site "
     "serves (all such sites agree)"},
    {kHost, "site:ref", "every provider",
     "the href's host is a host or gateway of a site (not for s3://, gs://, az://, whose host is a bucket)"},
    {kSitePath, "site:ref", "every provider",
     "a file://, slk://, bare or `reference::` path under a site's path prefix"},
    {kSiteKey, "site:ref", "DKRZ (EERIE, eerie.cloud)",
     "an asset or alternate key naming a site (`dkrz-disk`, `dkrz-tape`), for hrefs that are paths"},
    {kDestineOrigin, "site:ref", "DestinE HDA v2",
     "the `origin` alternate of an item naming exactly one backend is at that backend's site"},
    {kDestineBackend, "site:locations", "DestinE HDA v2",
     "the sites of the backends in `federation:backends` hold the item's data (orderable items included)"},
    {kTape, "site:tier", "DKRZ",
     "tape: slk:// hrefs, access protocol slk, `tape`/`*-tape` keys, kerchunk references read through slk"},
    {kGateway, "site:tier", "every provider (CDSE)", "the href's host is a site's gateway: the tier behind it"},
    {kObjectStore, "site:tier", "every provider",
     "object: s3://, gs://, az:// hrefs; `*-s3`, `*-swift`, `*-object`, `<site>-cloud` keys; hosts s3.*, "
     "swift.*, objectstore.*"},
    {kPosixPath, "site:tier", "every provider", "disk: a POSIX path (file://, a site path, a `reference::` path)"},
    {kSiteHost, "site:tier", "every provider",
     "disk: the copy was located by a host its site serves data from itself (listed in hosts, not gateways)"},
    {kReferenceHref, "kerchunk", "DKRZ intake", "a `reference::` href"},
    {kKerchunkMediaType, "kerchunk", "ESGF playground, Zarr best practice",
     "a media type naming kerchunk (application/kerchunk, application/vnd.zarr+kerchunk)"},
    {kEsgfKerchunkProtocol, "kerchunk", "ESGF-NG", "ESGF's asset `protocol` is kerchunk"},
    {kKerchunkEndpoint, "kerchunk", "DKRZ eerie.cloud",
     "the URL's last segment is `kerchunk` (/datasets/<id>/kerchunk)"},
    {kXpystacReferences, "kerchunk", "xpystac convention", "type application/json with role `index` or `references`"},
    {kNamedReferenceFile, "kerchunk", "CEDA",
     "a JSON, zstd or parquet file with role reference, references or index whose path names kerchunk, or "
     "that carries `open_zarr_kwargs`"},
};

// CDSE's S3 endpoint for the EODATA bucket (documentation.dataspace.copernicus.eu, APIs/S3).
constexpr std::string_view kCdseEodataBucket = "eodata";
constexpr std::string_view kCdseEodataEndpoint = "eodata.dataspace.copernicus.eu";
// DestinE HDA v2's key for the copy at the backend's own service.
constexpr std::string_view kDestineOriginKey = "origin";

// ---- small helpers ------------------------------------------------------------------------

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(ToAbsl(a), ToAbsl(b));
}
bool EndsWithIgnoreCase(std::string_view text, std::string_view suffix) {
  return absl::EndsWithIgnoreCase(ToAbsl(text), ToAbsl(suffix));
}
bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char x, char y) {
           return absl::ascii_tolower(static_cast<unsigned char>(x)) ==
                  absl::ascii_tolower(static_cast<unsigned char>(y));
         }) != haystack.end();
}

const json::object* ObjectMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(Key(key));
  return value ? value->if_object() : nullptr;
}

// A data-node name, not a label such as CDSE's "HTTPS" or "S3".
bool IsHostName(std::string_view name) { return name.find('.') != std::string_view::npos; }

// ---- site:ref rules -----------------------------------------------------------------------

// What the site rules read: the copy, its document's hints, the registry, and the site
// serving the href's host (looked up once; not for object-store hrefs, whose host is a bucket).
struct Evidence {
  const Copy& copy;
  const DocumentHints& hints;
  const SiteRegistry& sites;
  std::optional<HostMatch> href_host;
};

std::optional<Location> AtSite(const std::string* site) {
  if (site == nullptr) return std::nullopt;
  return Location{site, {}, false, std::nullopt};
}

std::optional<Location> AtHost(const std::optional<HostMatch>& match) {
  if (!match) return std::nullopt;
  return Location{match->site, {}, !match->gateway_tier.has_value(), std::nullopt};
}

std::optional<Location> ByDataNode(const Evidence& e) {
  for (std::string_view name : {e.copy.fields.node, e.copy.fields.alternate_name}) {
    if (!IsHostName(name)) continue;
    if (auto location = AtHost(e.sites.LocateHost(name))) return location;
  }
  return std::nullopt;
}

std::optional<Location> ByDestineEodata(const Evidence& e) {
  if (!e.hints.destine || !e.copy.href.Is("s3") || !EqualsIgnoreCase(e.copy.href.host, kCdseEodataBucket)) {
    return std::nullopt;
  }
  return AtSite(e.sites.SiteOfHost(kCdseEodataEndpoint));
}

std::optional<Location> ByStorageScheme(const Evidence& e) {
  const json::value* refs_value = e.copy.fields.storage_refs;
  const json::array* refs = refs_value ? refs_value->if_array() : nullptr;
  if (!e.copy.href.IsObjectStore() || refs == nullptr || e.hints.scheme_sites.empty()) return std::nullopt;
  const std::string* found = nullptr;
  for (const json::value& ref : *refs) {
    const json::string* name = ref.if_string();
    if (name == nullptr) continue;
    for (const auto& [scheme, site] : e.hints.scheme_sites) {
      if (scheme != View(*name) || site == nullptr) continue;
      if (found != nullptr && *found != *site) return std::nullopt;  // two sites: not one place
      found = site;
    }
  }
  return AtSite(found);
}

std::optional<Location> ByHost(const Evidence& e) { return AtHost(e.href_host); }

std::optional<Location> BySitePath(const Evidence& e) {
  if (!e.copy.href.IsPath()) return std::nullopt;
  return AtSite(e.sites.SiteOfPath(e.copy.href.path));
}

std::optional<Location> BySiteKey(const Evidence& e) {
  if (!e.copy.href.IsPath()) return std::nullopt;
  return AtSite(e.sites.SiteOfKey(e.copy.key));
}

std::optional<Location> ByDestineOrigin(const Evidence& e) {
  if (e.hints.single_backend_site == nullptr || !e.copy.alternate || e.copy.key != kDestineOriginKey) {
    return std::nullopt;
  }
  return AtSite(e.hints.single_backend_site);
}

struct SiteRule {
  std::string_view name;
  std::optional<Location> (*locate)(const Evidence&);
};
constexpr std::array<SiteRule, 7> kSiteRules = {{{kEsgfDataNode, ByDataNode},
                                                 {kDestineEodata, ByDestineEodata},
                                                 {kStorageScheme, ByStorageScheme},
                                                 {kHost, ByHost},
                                                 {kSitePath, BySitePath},
                                                 {kSiteKey, BySiteKey},
                                                 {kDestineOrigin, ByDestineOrigin}}};

// ---- document hints -----------------------------------------------------------------------

void ReadBackends(const json::object& properties, const SiteRegistry& sites, DocumentHints& hints) {
  const json::value* backends = properties.if_contains("federation:backends");
  if (backends == nullptr) return;
  hints.destine = true;
  const json::array* names = backends->if_array();
  if (names == nullptr) return;
  for (const json::value& name : *names) {
    const json::string* text = name.if_string();
    const std::string* site = text ? sites.SiteOfBackend(View(*text)) : nullptr;
    if (site != nullptr) hints.backend_sites.push_back(site);
  }
  if (names->size() == 1 && hints.backend_sites.size() == 1) hints.single_backend_site = hints.backend_sites[0];
  auto by_id = [](const std::string* a, const std::string* b) { return *a < *b; };
  std::sort(hints.backend_sites.begin(), hints.backend_sites.end(), by_id);
  hints.backend_sites.erase(std::unique(hints.backend_sites.begin(), hints.backend_sites.end()),
                            hints.backend_sites.end());
}

void ReadStorageSchemes(const json::object& holder, const SiteRegistry& sites, DocumentHints& hints) {
  const json::object* schemes = ObjectMember(holder, "storage:schemes");
  if (schemes == nullptr) return;
  for (const auto& scheme : *schemes) {
    const json::object* object = scheme.value().if_object();
    if (object == nullptr) continue;
    const Href platform = ParseHref(StringOf(*object, "platform"));
    const std::string* site = platform.IsHttp() ? sites.SiteOfHost(platform.host) : nullptr;
    hints.scheme_sites.emplace_back(View(scheme.key()), site);
  }
}

// ---- tier evidence ------------------------------------------------------------------------

// DKRZ's tape entries read kerchunk references whose chunks come through slkspec.
bool ReadsFromTape(const json::value* storage_options) {
  const json::object* options = storage_options ? storage_options->if_object() : nullptr;
  return options && EqualsIgnoreCase(StringOf(*options, "remote_protocol"), "slk");
}

bool IsTape(const Copy& copy) {
  return ReadsThroughSlk(copy) || EqualsIgnoreCase(copy.key, "tape") ||
         EndsWithIgnoreCase(copy.key, "-tape");
}

// s3.eu-central-1.amazonaws.com, bucket.s3.amazonaws.com, s3-eu-west-1.amazonaws.com,
// swift.dkrz.de, objectstore.example.org.
bool LooksLikeObjectStoreHost(std::string_view host) {
  while (!host.empty()) {
    const size_t dot = host.find('.');
    const std::string_view label = host.substr(0, dot);
    if (EqualsIgnoreCase(label, "s3") || EqualsIgnoreCase(label, "swift") || EqualsIgnoreCase(label, "objectstore") ||
        EqualsIgnoreCase(label, "object-store") ||
        (label.size() > 3 && absl::StartsWithIgnoreCase(ToAbsl(label), "s3-"))) {
      return true;
    }
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return false;
}

bool IsObjectStore(const Copy& copy, const SiteRegistry& sites) {
  const std::string_view key = copy.key;
  return copy.href.IsObjectStore() || EndsWithIgnoreCase(key, "-s3") || EndsWithIgnoreCase(key, "-swift") ||
         EndsWithIgnoreCase(key, "-object") || (EndsWithIgnoreCase(key, "-cloud") && sites.SiteOfKey(key)) ||
         LooksLikeObjectStoreHost(copy.href.host);
}

// ---- protocol and engine ------------------------------------------------------------------

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

bool IsZarrStore(const Copy& copy) {
  const std::string_view last = LastSegment(copy.href.path);
  return copy.media == Media::kZarr || EqualsIgnoreCase(last, "zarr") || EndsWithIgnoreCase(last, ".zarr");
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

}  // namespace

std::span<const RuleInfo> Rules() { return kRules; }

DocumentHints ReadDocumentHints(const json::object& document, const SiteRegistry& sites) {
  DocumentHints hints;
  const json::object* properties = ObjectMember(document, "properties");
  if (properties != nullptr) ReadBackends(*properties, sites, hints);
  if (sites.empty()) return hints;
  if (properties != nullptr) ReadStorageSchemes(*properties, sites, hints);
  ReadStorageSchemes(document, sites, hints);
  return hints;
}

Location LocateCopy(const Copy& copy, const DocumentHints& hints, const SiteRegistry& sites) {
  if (sites.empty()) return {};
  const Href& href = copy.href;
  const Evidence evidence{copy, hints, sites,
                          href.IsObjectStore() || href.host.empty() ? std::nullopt : sites.LocateHost(href.host)};
  Location location;
  for (const SiteRule& rule : kSiteRules) {
    if (std::optional<Location> located = rule.locate(evidence)) {
      location = *located;
      location.rule = rule.name;
      break;
    }
  }
  if (evidence.href_host) location.gateway_tier = evidence.href_host->gateway_tier;
  return location;
}

std::string_view KerchunkEvidence(const Copy& copy) {
  const Href& href = copy.href;
  const Roles& roles = copy.roles;
  if (href.reference) return kReferenceHref;
  if (copy.media == Media::kKerchunk) return kKerchunkMediaType;
  if (EqualsIgnoreCase(copy.fields.protocol, "kerchunk")) return kEsgfKerchunkProtocol;
  if (EqualsIgnoreCase(LastSegment(href.path), "kerchunk")) return kKerchunkEndpoint;
  if (copy.media == Media::kJson && (roles.index || roles.references)) return kXpystacReferences;
  if (IsReferenceContainer(copy.media) && (roles.reference || roles.references || roles.index) &&
      (ContainsIgnoreCase(href.path, "kerchunk") || copy.fields.open_zarr_kwargs)) {
    return kNamedReferenceFile;
  }
  return {};
}

bool IsPosixPath(const Copy& copy, const SiteRegistry& sites) {
  const Href& href = copy.href;
  return href.Is("file") || (href.bare_path && (href.reference || sites.SiteOfPath(href.path)));
}

bool ReadsThroughSlk(const Copy& copy) {
  return copy.href.Is("slk") || copy.fields.access_protocol == "slk" ||
         ReadsFromTape(copy.fields.storage_options);
}

Decision DecideTier(const Copy& copy, const Location& location, const SiteRegistry& sites) {
  if (IsTape(copy)) return {"tape", kTape};
  if (location.gateway_tier) return {federation::StorageTierName(*location.gateway_tier), kGateway};
  if (IsObjectStore(copy, sites)) return {"object", kObjectStore};
  if (IsPosixPath(copy, sites)) return {"disk", kPosixPath};
  if (location.plain_host) return {"disk", kSiteHost};
  return {};
}

std::string_view DecideProtocol(const Copy& copy, bool kerchunk, bool posix) {
  const Href& href = copy.href;
  // Where the href says it unambiguously, then ESGF's own field, then what the media type and
  // the URL tell.
  if (href.Is("slk")) return "slk";
  if (href.reference) return "kerchunk";
  if (posix) return "posix";
  if (std::string_view esgf = FromEsgfProtocol(copy.fields.protocol); !esgf.empty()) return esgf;
  const bool network = href.IsHttp() || href.IsObjectStore();
  if (network && kerchunk) return "kerchunk";
  if (network && copy.media == Media::kIcechunk) return "icechunk";
  if (network && IsZarrStore(copy)) return "zarr";
  if (href.Is("s3")) return "s3";
  if (href.Is("globus") || EqualsIgnoreCase(href.host, "app.globus.org")) return "globus";
  if (href.IsHttp()) return href.path.find("/dodsC/") != std::string_view::npos ? "opendap" : "https";
  return {};
}

std::string_view DecideEngine(const Copy& copy, std::string_view protocol, bool kerchunk) {
  if (std::string_view engine = EngineFromOpenKwargs(copy.fields.open_kwargs); !engine.empty()) return engine;
  if (kerchunk || protocol == "kerchunk") return "kerchunk";
  if (copy.media == Media::kZarr || copy.media == Media::kIcechunk || protocol == "zarr" || protocol == "icechunk") {
    return "zarr";
  }
  // netCDF-C opens local files and OPeNDAP URLs; remote bytes (https, s3) go through h5netcdf
  // on an fsspec file object.
  if (copy.media == Media::kNetcdf) return protocol == "posix" || protocol == "opendap" ? "netcdf4" : "h5netcdf";
  if (copy.media == Media::kGrib) return "cfgrib";
  return {};
}

int DecideReplica(const Copy& copy, bool kerchunk) {
  if (copy.roles.replica) return 1;
  // ESGF's "reference" role: the publisher's copy; on a kerchunk file it means something else.
  if (copy.roles.reference && !kerchunk) return 0;
  if (copy.fields.replica && copy.fields.replica->is_bool()) return copy.fields.replica->get_bool() ? 1 : 0;
  return -1;
}

}  // namespace stacfed::crawler::annotate
