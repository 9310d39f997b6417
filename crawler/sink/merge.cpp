#include "crawler/sink/merge.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <vector>

#include <boost/json.hpp>

#include "crawler/walk/exact_json.hpp"
#include "libstac/base/strings.hpp"

namespace stacfed::crawler {
namespace {

namespace json = boost::json;

constexpr std::string_view kAlternateAssetsExtension =
    "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json";

std::string_view ToStd(json::string_view s) { return {s.data(), s.size()}; }
json::string_view ToJson(std::string_view s) { return {s.data(), s.size()}; }

json::object* ObjectMember(json::object& object, std::string_view key) {
  json::value* value = object.if_contains(ToJson(key));
  return value ? value->if_object() : nullptr;
}
const json::object* ObjectMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(ToJson(key));
  return value ? value->if_object() : nullptr;
}

std::string_view StringMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(ToJson(key));
  const json::string* text = value ? value->if_string() : nullptr;
  return text ? ToStd(*text) : std::string_view{};
}

// A boolean member; nullopt when absent or not a boolean.
std::optional<bool> BoolMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(ToJson(key));
  if (value == nullptr || !value->is_bool()) return std::nullopt;
  return value->get_bool();
}

struct Parsed {
  std::string_view source_id;
  std::string_view text;
  json::object document;
};

absl::StatusOr<std::vector<Parsed>> ParseAll(std::span<const SourceVersion> versions) {
  if (versions.empty()) return absl::InvalidArgumentError("nothing to merge");
  std::vector<Parsed> parsed;
  parsed.reserve(versions.size());
  for (const SourceVersion& version : versions) {
    boost::system::error_code error;
    json::value value = json::parse(ToJson(version.text), error);
    if (error || !value.is_object()) {
      return absl::InvalidArgumentError(
          StrCat("the version of source '", version.source_id, "' is not a JSON object"));
    }
    parsed.push_back(Parsed{version.source_id, version.text, std::move(value.get_object())});
  }
  return parsed;
}

const json::object& PropertiesOf(const json::object& item) {
  static const json::object kEmpty;
  const json::object* properties = ObjectMember(item, "properties");
  return properties ? *properties : kEmpty;
}

bool SaysRetracted(const json::object& item) {
  return BoolMember(PropertiesOf(item), "retracted").value_or(false);
}

// The version whose document is served: the first retracting one, else the first.
size_t DocumentVersion(const std::vector<Parsed>& versions) {
  for (size_t i = 0; i < versions.size(); ++i) {
    if (SaysRetracted(versions[i].document)) return i;
  }
  return 0;
}

void DeclareExtension(json::object& document, std::string_view uri) {
  json::value& list = document["stac_extensions"];
  if (list.is_null()) list = json::array{};
  json::array* uris = list.if_array();
  if (uris == nullptr) return;
  for (const json::value& known : *uris) {
    if (const json::string* text = known.if_string(); text && ToStd(*text) == uri) return;
  }
  uris->emplace_back(ToJson(uri));
}

void TagSource(json::object& copy, std::string_view source_id) {
  copy.insert_or_assign("stacfed:source", ToJson(source_id));
}

// Tags an asset and each of its alternates with the source that listed them.
void TagAsset(json::object& asset, std::string_view source_id) {
  TagSource(asset, source_id);
  if (json::object* alternates = ObjectMember(asset, "alternate")) {
    for (auto& alternate : *alternates) {
      if (json::object* copy = alternate.value().if_object()) TagSource(*copy, source_id);
    }
  }
}

// The hrefs an asset already offers: its own and its alternates'.
std::set<std::string, std::less<>> HrefsOf(const json::object& asset) {
  std::set<std::string, std::less<>> hrefs;
  hrefs.emplace(StringMember(asset, "href"));
  if (const json::object* alternates = ObjectMember(asset, "alternate")) {
    for (const auto& alternate : *alternates) {
      if (const json::object* copy = alternate.value().if_object()) {
        hrefs.emplace(StringMember(*copy, "href"));
      }
    }
  }
  return hrefs;
}

// A key for a new alternate: `preferred` (the copy's site, or its source) when free, else
// `<source>:<preferred>`, else numbered.
std::string FreeKey(const json::object& alternates, std::string_view preferred,
                    std::string_view source_id) {
  if (!preferred.empty() && !alternates.contains(ToJson(preferred))) return std::string(preferred);
  std::string key = preferred == source_id ? std::string(source_id)
                                           : StrCat(source_id, ":", preferred);
  if (!alternates.contains(key)) return key;
  for (int n = 2;; ++n) {
    std::string numbered = StrCat(key, "-", n);
    if (!alternates.contains(numbered)) return numbered;
  }
}

// Adds `copy` (an asset of another source, or one of its alternates) to `target`'s
// alternates unless its href is offered already. True when added.
bool AddAlternate(json::object& target, const json::object& copy, std::string_view key_hint,
                  std::string_view source_id, std::set<std::string, std::less<>>& hrefs) {
  const std::string_view href = StringMember(copy, "href");
  if (href.empty() || hrefs.contains(href)) return false;
  hrefs.emplace(href);
  json::value& list = target["alternate"];
  if (!list.is_object()) list = json::object{};
  json::object& alternates = list.get_object();
  json::object added = copy;
  added.erase("alternate");
  TagSource(added, source_id);
  const std::string_view site = StringMember(copy, "site:ref");
  const std::string_view preferred =
      !key_hint.empty() ? key_hint : (!site.empty() && site != "unknown") ? site : source_id;
  alternates.insert_or_assign(FreeKey(alternates, preferred, source_id), std::move(added));
  return true;
}

// Adds another source's asset to the merged one of the same key. True when an alternate was
// added.
bool MergeAsset(json::object& target, const json::object& asset, std::string_view source_id) {
  std::set<std::string, std::less<>> hrefs = HrefsOf(target);
  bool added = AddAlternate(target, asset, {}, source_id, hrefs);
  if (const json::object* alternates = ObjectMember(asset, "alternate")) {
    for (const auto& alternate : *alternates) {
      if (const json::object* copy = alternate.value().if_object()) {
        added = AddAlternate(target, *copy, ToStd(alternate.key()), source_id, hrefs) || added;
      }
    }
  }
  return added;
}

// Every other version's assets into `assets`. True when an alternate was added.
bool MergeAssets(json::object& assets, const std::vector<Parsed>& versions, size_t first) {
  bool alternates_added = false;
  for (auto& member : assets) {
    if (json::object* asset = member.value().if_object()) TagAsset(*asset, versions[first].source_id);
  }
  for (size_t i = 0; i < versions.size(); ++i) {
    if (i == first) continue;
    const json::object* other = ObjectMember(versions[i].document, "assets");
    if (other == nullptr) continue;
    for (const auto& member : *other) {
      const json::object* asset = member.value().if_object();
      if (asset == nullptr) continue;
      json::value* existing = assets.if_contains(member.key());
      if (existing && existing->is_object()) {
        alternates_added = MergeAsset(existing->get_object(), *asset, versions[i].source_id) ||
                           alternates_added;
      } else if (existing == nullptr) {
        json::object copy = *asset;
        TagAsset(copy, versions[i].source_id);
        assets.emplace(member.key(), std::move(copy));
      }
    }
  }
  return alternates_added;
}

json::array SourceIds(const std::vector<Parsed>& versions, size_t first) {
  json::array ids;
  ids.emplace_back(ToJson(versions[first].source_id));
  for (size_t i = 0; i < versions.size(); ++i) {
    if (i != first) ids.emplace_back(ToJson(versions[i].source_id));
  }
  return ids;
}

// site:locations of every version, sorted and unique.
json::array UnionOfLocations(const std::vector<Parsed>& versions) {
  std::set<std::string, std::less<>> sites;
  for (const Parsed& version : versions) {
    const json::value* locations = PropertiesOf(version.document).if_contains("site:locations");
    if (locations == nullptr || !locations->is_array()) continue;
    for (const json::value& site : locations->get_array()) {
      if (const json::string* id = site.if_string()) sites.emplace(ToStd(*id));
    }
  }
  json::array ids;
  for (const std::string& site : sites) ids.emplace_back(ToJson(site));
  return ids;
}

bool HasDataRole(const json::object& asset) {
  const json::value* roles = asset.if_contains("roles");
  if (roles == nullptr || !roles->is_array()) return false;
  return std::any_of(roles->get_array().begin(), roles->get_array().end(), [](const json::value& role) {
    return role.is_string() && role.get_string() == "data";
  });
}

// access:online_status over the merged copies (the DMT rule of annotate/: a data asset is
// online when any of its copies is); "" when no copy of a data asset has a known status.
std::string_view OnlineStatus(const json::object& assets) {
  int known = 0, online = 0;
  for (const auto& member : assets) {
    const json::object* asset = member.value().if_object();
    if (asset == nullptr || !HasDataRole(*asset)) continue;
    bool any_status = false, any_online = false;
    auto note = [&](const json::object& copy) {
      const std::string_view status = StringMember(copy, "access:status");
      any_status = any_status || !status.empty();
      any_online = any_online || status == "online";
    };
    note(*asset);
    if (const json::object* alternates = ObjectMember(*asset, "alternate")) {
      for (const auto& alternate : *alternates) {
        if (const json::object* copy = alternate.value().if_object()) note(*copy);
      }
    }
    if (any_status) {
      ++known;
      if (any_online) ++online;
    }
  }
  if (known == 0) return "";
  return online == known ? "online" : online == 0 ? "offline" : "partial";
}

// ESGF flags across sources: a retraction, or `latest: false`, from any source wins.
void MergeVersionFlags(json::object& properties, const std::vector<Parsed>& versions,
                       bool retracted) {
  bool superseded = retracted;
  for (const Parsed& version : versions) {
    superseded = superseded || BoolMember(PropertiesOf(version.document), "latest") == false;
  }
  if (superseded && properties.contains("latest")) properties.insert_or_assign("latest", false);
  if (retracted && !properties.contains("latest")) properties.emplace("latest", false);
}

void MergeItemSummary(json::object& properties, const json::object* assets,
                      const std::vector<Parsed>& versions) {
  if (json::array locations = UnionOfLocations(versions); !locations.empty()) {
    properties.insert_or_assign("site:locations", std::move(locations));
  }
  if (assets == nullptr) return;
  if (const std::string_view status = OnlineStatus(*assets); !status.empty()) {
    properties.insert_or_assign("access:online_status", ToJson(status));
  }
}

std::string WithdrawnReason(const json::object& item) {
  const json::object& properties = PropertiesOf(item);
  if (BoolMember(properties, "retracted").value_or(false)) return "retracted";
  if (BoolMember(properties, "latest") == false) return "superseded";
  return "";
}

// [w, s, e, n] of a 2D or 3D box, as the values it was written with; nullopt when it is not
// one.
std::optional<std::array<json::value, 4>> Box(const json::value& value) {
  const json::array* box = value.if_array();
  if (box == nullptr || (box->size() != 4 && box->size() != 6)) return std::nullopt;
  for (const json::value& number : *box) {
    if (!number.is_number()) return std::nullopt;
  }
  const size_t half = box->size() / 2;
  return std::array<json::value, 4>{(*box)[0], (*box)[1], (*box)[half], (*box)[half + 1]};
}

double Number(const json::value& value) { return value.to_number<double>(); }

const json::value* FirstBox(const json::object& collection) {
  const json::object* extent = ObjectMember(collection, "extent");
  const json::object* spatial = extent ? ObjectMember(*extent, "spatial") : nullptr;
  const json::value* boxes = spatial ? spatial->if_contains("bbox") : nullptr;
  if (boxes == nullptr || !boxes->is_array() || boxes->get_array().empty()) return nullptr;
  return &boxes->get_array()[0];
}

const json::value* FirstInterval(const json::object& collection) {
  const json::object* extent = ObjectMember(collection, "extent");
  const json::object* temporal = extent ? ObjectMember(*extent, "temporal") : nullptr;
  const json::value* intervals = temporal ? temporal->if_contains("interval") : nullptr;
  if (intervals == nullptr || !intervals->is_array() || intervals->get_array().empty()) {
    return nullptr;
  }
  return &intervals->get_array()[0];
}

// The union of every version's first box, each bound written as the box that has it wrote
// it; boxes crossing the antimeridian widen it to all longitudes.
std::optional<json::array> UnionBox(const std::vector<Parsed>& versions) {
  std::optional<std::array<json::value, 4>> all;
  for (const Parsed& version : versions) {
    const json::value* first = FirstBox(version.document);
    std::optional<std::array<json::value, 4>> box = first ? Box(*first) : std::nullopt;
    if (!box) continue;
    if (Number((*box)[0]) > Number((*box)[2])) (*box)[0] = -180, (*box)[2] = 180;
    if (!all) {
      all = std::move(box);
      continue;
    }
    for (int i = 0; i < 4; ++i) {
      const bool lower = i < 2;  // west and south grow down, east and north up
      if (lower ? Number((*box)[i]) < Number((*all)[i]) : Number((*box)[i]) > Number((*all)[i])) {
        (*all)[i] = (*box)[i];
      }
    }
  }
  if (!all) return std::nullopt;
  return json::array{(*all)[0], (*all)[1], (*all)[2], (*all)[3]};
}

// The union of every version's first interval (RFC 3339 strings in UTC compare in time
// order when they are written alike; null is open).
std::optional<json::array> UnionInterval(const std::vector<Parsed>& versions) {
  std::optional<json::array> all;
  for (const Parsed& version : versions) {
    const json::value* first = FirstInterval(version.document);
    if (first == nullptr || !first->is_array() || first->get_array().size() != 2) continue;
    const json::array& interval = first->get_array();
    if (!all) {
      all = interval;
      continue;
    }
    json::value& start = (*all)[0];
    json::value& end = (*all)[1];
    if (!start.is_null() && (interval[0].is_null() ||
                             (interval[0].is_string() && start.is_string() &&
                              interval[0].get_string() < start.get_string()))) {
      start = interval[0];
    }
    if (!end.is_null() && (interval[1].is_null() ||
                           (interval[1].is_string() && end.is_string() &&
                            interval[1].get_string() > end.get_string()))) {
      end = interval[1];
    }
  }
  return all;
}

}  // namespace

absl::StatusOr<MergedItem> MergeItem(std::span<const SourceVersion> versions) {
  absl::StatusOr<std::vector<Parsed>> parsed = ParseAll(versions);
  if (!parsed.ok()) return parsed.status();
  const size_t first = DocumentVersion(*parsed);
  const Parsed& served = (*parsed)[first];
  json::object merged = served.document;
  const bool retracted = SaysRetracted(merged);
  json::object* assets = ObjectMember(merged, "assets");
  if (retracted) {
    merged.insert_or_assign("assets", json::object{});
    assets = nullptr;
  } else if (assets != nullptr && MergeAssets(*assets, *parsed, first)) {
    DeclareExtension(merged, kAlternateAssetsExtension);
    // Adding stac_extensions may have moved the members of `merged`.
    assets = ObjectMember(merged, "assets");
  }
  if (json::object* properties = ObjectMember(merged, "properties")) {
    MergeVersionFlags(*properties, *parsed, retracted);
    // A retracted dataset offers no copy: no other source's locations are added to it.
    if (!retracted) MergeItemSummary(*properties, assets, *parsed);
    properties->insert_or_assign("stacfed:sources", SourceIds(*parsed, first));
  }
  MergedItem result;
  result.withdrawn_reason = WithdrawnReason(merged);
  result.text = SerializeKeepingText(merged, served.document, SourceText(served.text));
  return result;
}

absl::StatusOr<std::string> MergeCollection(std::span<const SourceVersion> versions) {
  absl::StatusOr<std::vector<Parsed>> parsed = ParseAll(versions);
  if (!parsed.ok()) return parsed.status();
  const Parsed& served = parsed->front();
  json::object merged = served.document;
  if (json::object* extent = ObjectMember(merged, "extent")) {
    json::object* spatial = ObjectMember(*extent, "spatial");
    json::value* boxes = spatial ? spatial->if_contains("bbox") : nullptr;
    std::optional<json::array> box = UnionBox(*parsed);
    if (box && boxes && boxes->is_array() && !boxes->get_array().empty() &&
        Box(boxes->get_array()[0]) != Box(json::value(*box))) {
      boxes->get_array()[0] = std::move(*box);
    }
    json::object* temporal = ObjectMember(*extent, "temporal");
    json::value* intervals = temporal ? temporal->if_contains("interval") : nullptr;
    std::optional<json::array> interval = UnionInterval(*parsed);
    if (interval && intervals && intervals->is_array() && !intervals->get_array().empty()) {
      intervals->get_array()[0] = std::move(*interval);
    }
  }
  json::array sources;
  for (const Parsed& version : *parsed) sources.emplace_back(ToJson(version.source_id));
  merged.insert_or_assign("stacfed:sources", std::move(sources));
  return SerializeKeepingText(merged, served.document, SourceText(served.text));
}

}  // namespace stacfed::crawler

namespace stacfed::crawler {

std::string VersionMark(std::string_view item_text) {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(ToJson(item_text), error);
  if (error || !value.is_object()) return "";
  return WithdrawnReason(value.get_object());
}

}  // namespace stacfed::crawler
