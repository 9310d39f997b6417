#include "crawler/annotate/annotate.hpp"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "crawler/annotate/copy.hpp"
#include "crawler/annotate/rules.hpp"
#include "libstac/base/env.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/base/url.hpp"
#include "libstac/federation/federation.hpp"

namespace stacfed::crawler {
namespace json = boost::json;
using annotate::Copy;
using annotate::DocumentHints;
using annotate::Key;
using annotate::Roles;
using annotate::StringOf;
using annotate::View;

namespace {

// The fields one copy gets, decided while views into it are valid and written after: adding
// members may move its short strings. Values are literals or registry strings.
struct Decisions {
  std::string_view site, tier, protocol, scope, status, engine;
  int replica = -1;  // -1: unknown, else 0/1
};

// What one copy ended up with, for the item's summary.
struct CopyResult {
  std::string site;  // site:ref when it names a site; empty when unknown
  bool has_status = false;
  bool online = false;
};

// site:ref: the rule's site, "unknown" when none located the copy (unless site locality is
// off: no sites in the registry).
std::string_view SiteRefOf(const annotate::Location& location, const SiteRegistry& sites) {
  if (location.site != nullptr) return *location.site;
  return sites.empty() ? std::string_view() : federation::kUnknownSiteId;
}

Decisions DecideCopy(const Copy& copy, const DocumentHints& hints, const SiteRegistry& sites) {
  const annotate::CopyFields& upstream = copy.fields;
  const bool kerchunk = !annotate::KerchunkEvidence(copy).empty();
  const bool posix = annotate::IsPosixPath(copy, sites);
  const annotate::Location location = annotate::LocateCopy(copy, hints, sites);
  Decisions d;
  d.protocol = annotate::DecideProtocol(copy, kerchunk, posix);
  const std::string_view protocol = upstream.access_protocol.empty() ? d.protocol : upstream.access_protocol;
  d.tier = annotate::DecideTier(copy, location, sites).value;
  const std::string_view tier = upstream.site_tier.empty() ? d.tier : upstream.site_tier;
  // Scope and status only for copies whose kind of access is known.
  if (!protocol.empty() || tier == "tape" || copy.href.IsObjectStore()) {
    // A POSIX path and DKRZ's tape archive are read by the site's own users only.
    const bool internal = posix || protocol == "posix" || annotate::ReadsThroughSlk(copy);
    d.scope = internal ? "site-internal" : "public";
    d.status = tier == "tape" ? "nearline" : "online";
  }
  d.engine = annotate::DecideEngine(copy, protocol, kerchunk);
  if (upstream.site_ref.empty()) d.site = SiteRefOf(location, sites);
  d.replica = annotate::DecideReplica(copy, kerchunk);
  return d;
}

CopyResult Summarise(const Copy& copy, const Decisions& d) {
  CopyResult result;
  const std::string_view site = copy.fields.site_ref.empty() ? d.site : copy.fields.site_ref;
  if (site != federation::kUnknownSiteId) result.site = std::string(site);
  const std::string_view status = copy.fields.access_status.empty() ? d.status : copy.fields.access_status;
  result.has_status = !status.empty();
  result.online = status == "online";
  return result;
}

// Writes the decisions; emplace never replaces what the upstream set. Returns true when a
// field was added.
bool WriteDecisions(json::object& copy, const Decisions& d) {
  // Room for every field at once: growing the object one member at a time would reallocate
  // and rehash it several times.
  size_t adding = d.replica >= 0 ? 1 : 0;
  for (std::string_view value : {d.site, d.tier, d.protocol, d.scope, d.status, d.engine}) {
    adding += value.empty() ? 0 : 1;
  }
  if (adding == 0) return false;
  copy.reserve(copy.size() + adding);
  bool added = false;
  auto put = [&](std::string_view field, std::string_view value) {
    if (!value.empty()) added = copy.emplace(Key(field), Key(value)).second || added;
  };
  put("site:ref", d.site);
  put("site:tier", d.tier);
  if (d.replica >= 0) added = copy.emplace("site:replica", d.replica == 1).second || added;
  put("access:protocol", d.protocol);
  put("access:scope", d.scope);
  put("access:status", d.status);
  put("access:engine", d.engine);
  return added;
}

class Annotator {
 public:
  Annotator(const SiteRegistry& sites, DocumentHints hints) : sites_(sites), hints_(std::move(hints)) {}

  bool added() const { return added_; }
  void NoteAdded(bool inserted) { added_ = added_ || inserted; }
  const DocumentHints& hints() const { return hints_; }

  // Annotates one asset or alternate value. `key` is its key in `assets` or `alternate`;
  // `parent_type` is the media type of the asset an alternate belongs to, empty for an asset.
  CopyResult AnnotateCopy(json::object& object, std::string_view key, bool alternate, std::string_view parent_type) {
    const Copy copy = annotate::ReadCopy(object, key, alternate, parent_type);
    if (copy.fields.href.empty()) return {};
    const Decisions decisions = DecideCopy(copy, hints_, sites_);
    CopyResult result = Summarise(copy, decisions);
    NoteAdded(WriteDecisions(object, decisions));
    return result;
  }

 private:
  const SiteRegistry& sites_;
  DocumentHints hints_;
  bool added_ = false;
};

// An item offering an order (DestinE's "orderable" virtual items) has nothing online yet.
bool AwaitsOrder(const json::object& properties) {
  const std::string_view order = StringOf(properties, "order:status");
  return order == "orderable" || order == "ordered" || order == "pending" || order == "shipping" ||
         StringOf(properties, "storage:tier") == "offline";
}

void DeclareExtension(json::object& document, std::string_view extension_uri) {
  json::value& list = document["stac_extensions"];
  if (list.is_null()) list = json::array{};
  json::array* uris = list.if_array();
  if (uris == nullptr) return;
  for (const json::value& uri : *uris) {
    if (const json::string* text = uri.if_string(); text && View(*text) == extension_uri) return;
  }
  uris->emplace_back(Key(extension_uri));
}

// Annotates every asset of `assets` and its alternates.
template <typename PerAsset>
void AnnotateAssets(json::object& assets, Annotator& annotator, PerAsset&& per_asset) {
  auto roles_of = [](const json::object& asset) {
    const json::value* roles = asset.if_contains("roles");
    return annotate::ReadRoles(roles ? roles : asset.if_contains("role"));
  };
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
    copies.push_back(annotator.AnnotateCopy(*asset, View(member.key()), false, {}));
    if (json::value* alternates = asset->if_contains("alternate")) {
      if (json::object* map = alternates->if_object()) {
        // Alternates without a media type share the asset's (read after the asset's own
        // annotation, which may have moved its short strings).
        const std::string_view type = StringOf(*asset, "type");
        for (auto& alternate : *map) {
          if (json::object* copy = alternate.value().if_object()) {
            copies.push_back(annotator.AnnotateCopy(*copy, View(alternate.key()), true, type));
          }
        }
      }
    }
    per_asset(data, copies);
  }
}

// The item-level summary of its data assets' copies.
class ItemSummary {
 public:
  // One data asset: its copies (the asset and its alternates).
  void AddDataAsset(const std::vector<CopyResult>& copies) {
    bool any_status = false, any_online = false;
    for (const CopyResult& copy : copies) {
      if (!copy.site.empty()) locations_.push_back(copy.site);
      any_status = any_status || copy.has_status;
      any_online = any_online || copy.online;
    }
    if (any_status) {
      ++data_assets_;
      if (any_online) ++online_assets_;
    }
  }
  // destine-backend: the sites of the backends the item names hold its data.
  void AddBackendSites(const std::vector<const std::string*>& sites) {
    for (const std::string* site : sites) locations_.push_back(*site);
  }

  // site:locations, sorted and unique; empty when no copy is at a known site.
  json::array Locations() {
    std::sort(locations_.begin(), locations_.end());
    locations_.erase(std::unique(locations_.begin(), locations_.end()), locations_.end());
    json::array ids;
    ids.reserve(locations_.size());
    for (const std::string& id : locations_) ids.emplace_back(Key(id));
    return ids;
  }

  // access:online_status by the DMT rule (an asset is online when any of its copies is);
  // offline for an item awaiting an order; empty when nothing is known.
  std::string_view OnlineStatus(const json::object& properties) const {
    if (data_assets_ > 0) {
      return online_assets_ == data_assets_ ? "online" : online_assets_ == 0 ? "offline" : "partial";
    }
    return AwaitsOrder(properties) ? "offline" : "";
  }

 private:
  std::vector<std::string> locations_;
  int data_assets_ = 0;    // data assets with at least one copy of known status
  int online_assets_ = 0;  // ... of which one copy is online
};

void WriteItemSummary(json::object& properties, ItemSummary& summary, Annotator& annotator) {
  properties.reserve(properties.size() + 2);
  if (json::array locations = summary.Locations(); !locations.empty()) {
    annotator.NoteAdded(properties.emplace("site:locations", std::move(locations)).second);
  }
  if (const std::string_view status = summary.OnlineStatus(properties); !status.empty()) {
    annotator.NoteAdded(properties.emplace("access:online_status", Key(status)).second);
  }
}

json::object* ObjectMember(json::object& object, std::string_view key) {
  json::value* value = object.if_contains(Key(key));
  return value ? value->if_object() : nullptr;
}

}  // namespace

absl::StatusOr<std::string> SiteAccessExtensionUri(std::optional<std::string_view> public_url) {
  std::string_view base = public_url.value_or(site_access::kDefaultPublicBase);
  if (base.empty()) base = site_access::kDefaultPublicBase;
  while (base.ends_with('/')) base.remove_suffix(1);
  const absl::StatusOr<Url> url = Url::Parse(base);
  if (!url.ok() || !url->IsHttp() || url->Host().empty() || url->HasQuery() ||
      base.find('#') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat("STACFED_PUBLIC_URL is '", Excerpt(public_url.value_or(""), 200),
               "': expected the server's public base URL, http(s)://host[:port][/path] without "
               "query or fragment (it names the site-access extension schema in harvested "
               "documents)"));
  }
  return StrCat(base, site_access::kSchemaPath);
}

absl::StatusOr<std::string> SiteAccessExtensionUriFromEnv() {
  const std::optional<std::string> value = GetEnv("STACFED_PUBLIC_URL");
  return SiteAccessExtensionUri(value ? std::optional<std::string_view>(*value) : std::nullopt);
}

bool AnnotateItem(json::object& item, const SiteRegistry& sites, std::string_view extension_uri) {
  Annotator annotator(sites, annotate::ReadDocumentHints(item, sites));
  ItemSummary summary;
  if (json::object* assets = ObjectMember(item, "assets")) {
    AnnotateAssets(*assets, annotator, [&](bool data, const std::vector<CopyResult>& copies) {
      if (data) summary.AddDataAsset(copies);
    });
  }
  summary.AddBackendSites(annotator.hints().backend_sites);
  if (json::object* properties = ObjectMember(item, "properties")) WriteItemSummary(*properties, summary, annotator);
  if (annotator.added()) DeclareExtension(item, extension_uri);
  return annotator.added();
}

bool AnnotateCollection(json::object& collection, const SiteRegistry& sites,
                        std::string_view extension_uri) {
  Annotator annotator(sites, annotate::ReadDocumentHints(collection, sites));
  if (!sites.catalog_sites().empty()) {
    annotator.NoteAdded(collection.emplace("site:sites", sites.catalog_sites()).second);
  }
  if (json::object* assets = ObjectMember(collection, "assets")) {
    AnnotateAssets(*assets, annotator, [](bool, const std::vector<CopyResult>&) {});
  }
  if (annotator.added()) DeclareExtension(collection, extension_uri);
  return annotator.added();
}

}  // namespace stacfed::crawler
