#include "crawler/normalise/normalise.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <tuple>

#include "libstac/base/strings.hpp"
#include "libstac/model/datetime.hpp"

namespace stacfed::crawler {
namespace json = boost::json;
namespace {

absl::Status Unrepairable(std::string_view why) { return absl::InvalidArgumentError(std::string(why)); }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string Shown(const json::value& value) {
  std::string text = json::serialize(value);
  if (text.size() > 80) text = StrCat(text.substr(0, 77), "...");
  return text;
}

// ---- date-times --------------------------------------------------------------------------

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

bool Digits(std::string_view s, size_t from, size_t count) {
  if (s.size() < from + count) return false;
  for (size_t i = from; i < from + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

int Number(std::string_view s, size_t from, size_t count) {
  int value = 0;
  for (size_t i = from; i < from + count; ++i) value = value * 10 + (s[i] - '0');
  return value;
}

bool HasZone(std::string_view time_part) {
  // After "HH:MM:SS[.fff]": Z, z or a numeric offset.
  return time_part.find_first_of("Zz+-", 8) != std::string_view::npos;
}

// Repairs the date-time properties an item or a collection's interval may carry; the
// change list gets one entry per repaired value.
absl::Status RepairTimeField(json::object& owner, std::string_view key, std::string_view path,
                             std::vector<std::string>& changes) {
  json::value* field = owner.if_contains(json::string_view(key.data(), key.size()));
  if (field == nullptr || !field->is_string()) return absl::OkStatus();
  const std::string before(field->get_string().c_str());
  std::string why;
  if (auto repaired = RepairDateTime(before, &why)) {
    *field = *repaired;
    changes.push_back(StrCat(path, ": '", before, "' -> '", *repaired, "' (", why, ")"));
  }
  return absl::OkStatus();
}

// ---- geometry ----------------------------------------------------------------------------

bool AllNull(const json::value& value) {
  if (value.is_null()) return true;
  if (!value.is_array()) return false;
  const auto& array = value.get_array();
  return std::all_of(array.begin(), array.end(), [](const json::value& v) { return AllNull(v); });
}

bool AnyNull(const json::value& value) {
  if (value.is_null()) return true;
  if (!value.is_array()) return false;
  const auto& array = value.get_array();
  return std::any_of(array.begin(), array.end(), [](const json::value& v) { return AnyNull(v); });
}

double AsDouble(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::numeric_limits<double>::quiet_NaN();
}

// Visits every position [lon, lat, ...] of a coordinates array.
template <typename F>
void ForEachPosition(json::value& coordinates, F&& visit) {
  if (!coordinates.is_array()) return;
  auto& array = coordinates.get_array();
  if (!array.empty() && !array[0].is_array()) {
    visit(array);
    return;
  }
  for (auto& child : array) ForEachPosition(child, visit);
}

void LongitudeRange(json::value& coordinates, double& min_lon, double& max_lon) {
  ForEachPosition(coordinates, [&](json::array& position) {
    if (position.empty()) return;
    const double lon = AsDouble(position[0]);
    min_lon = std::min(min_lon, lon);
    max_lon = std::max(max_lon, lon);
  });
}

json::array Ring(double w, double s, double e, double n) {
  return json::array{json::array{w, s}, json::array{e, s}, json::array{e, n},
                     json::array{w, n}, json::array{w, s}};
}

// bbox [w,s,e,n] or [w,s,z,e,n,z] from a possibly nested or padded array; false when absent
// or not numeric.
bool ReadBbox(const json::value& value, double& w, double& s, double& e, double& n) {
  const json::value* box = &value;
  if (box->is_array() && box->get_array().size() == 1 && box->get_array()[0].is_array()) {
    box = &box->get_array()[0];  // [[w,s,e,n]]
  }
  if (!box->is_array()) return false;
  const auto& a = box->get_array();
  if (a.size() != 4 && a.size() != 6) return false;
  if (std::any_of(a.begin(), a.end(), [](const json::value& v) { return !v.is_number(); })) {
    return false;
  }
  const bool three_d = a.size() == 6;
  w = AsDouble(a[0]);
  s = AsDouble(a[1]);
  e = AsDouble(a[three_d ? 3 : 2]);
  n = AsDouble(a[three_d ? 4 : 3]);
  return true;
}

// Longitudes east of 180 (0..360 grids of climate models) mapped to -180..180. A footprint
// spanning half the globe or more becomes the full longitude band: shifting its points would
// turn it inside out.
absl::Status RepairLongitudes(json::object& item, std::vector<std::string>& changes) {
  double w = 0, s = 0, e = 0, n = 0;
  const bool has_bbox = item.contains("bbox") && ReadBbox(item["bbox"], w, s, e, n);
  double min_lon = has_bbox ? w : std::numeric_limits<double>::infinity();
  double max_lon = has_bbox ? e : -std::numeric_limits<double>::infinity();
  json::value* geometry = item.if_contains("geometry");
  json::value* coordinates = nullptr;
  if (geometry && geometry->is_object()) coordinates = geometry->get_object().if_contains("coordinates");
  if (coordinates) LongitudeRange(*coordinates, min_lon, max_lon);
  if (!(max_lon > 180.0)) return absl::OkStatus();
  if (max_lon > 360.0 || min_lon < -180.0) {
    return Unrepairable(StrCat("longitudes outside -180..360 (", min_lon, "..", max_lon, ")"));
  }
  if (!has_bbox) {
    s = -90;
    n = 90;
  }
  if (max_lon - min_lon >= 180.0) {
    // Global (or nearly): the band -180..180 is what the data covers.
    if (coordinates) *geometry = json::object{{"type", "Polygon"}, {"coordinates", json::array{Ring(-180, s, 180, n)}}};
    item["bbox"] = json::array{-180.0, s, 180.0, n};
    changes.push_back(StrCat("geometry, bbox: longitudes ", min_lon, "..", max_lon,
                             " (0..360) -> -180..180 band"));
    return absl::OkStatus();
  }
  auto shift = [](double lon) { return lon > 180.0 ? lon - 360.0 : lon; };
  if (min_lon > 180.0) {
    if (coordinates) {
      ForEachPosition(*coordinates, [&](json::array& p) {
        if (!p.empty()) p[0] = shift(AsDouble(p[0]));
      });
    }
    if (has_bbox) item["bbox"] = json::array{shift(w), s, shift(e), n};
  } else {
    // Crosses 180: the footprint becomes the two halves of its box (bbox w > e is how STAC
    // writes an antimeridian-crossing box).
    if (coordinates) {
      *geometry = json::object{{"type", "MultiPolygon"},
                               {"coordinates", json::array{json::array{Ring(min_lon, s, 180, n)},
                                                           json::array{Ring(-180, s, shift(max_lon), n)}}}};
    }
    item["bbox"] = json::array{min_lon, s, shift(max_lon), n};
  }
  changes.push_back(StrCat("geometry, bbox: longitudes ", min_lon, "..", max_lon,
                           " (0..360) shifted to -180..180"));
  return absl::OkStatus();
}

absl::Status RepairGeometry(json::object& item, std::vector<std::string>& changes) {
  json::value* geometry = item.if_contains("geometry");
  if (geometry == nullptr) {
    item["geometry"] = nullptr;
    changes.push_back("geometry: missing -> null");
  } else if (geometry->is_object()) {
    auto& object = geometry->get_object();
    if (object.erase("crs")) changes.push_back("geometry.crs: removed (GeoJSON has WGS 84 only)");
    const json::value* coordinates = object.if_contains("coordinates");
    if (coordinates && AllNull(*coordinates)) {
      *geometry = nullptr;
      changes.push_back("geometry: coordinates all null -> null");
    } else if (coordinates && AnyNull(*coordinates)) {
      return Unrepairable("geometry has null coordinates among numbers");
    }
  }
  // item.at, not item[]: operator[] may rehash the object even for a key it has, and `bbox`
  // would then point into freed memory.
  if (json::value* bbox = item.if_contains("bbox")) {
    double w, s, e, n;
    if (AllNull(*bbox) || (item.at("geometry").is_null() && !ReadBbox(*bbox, w, s, e, n))) {
      changes.push_back(StrCat("bbox: ", Shown(*bbox), " -> removed"));
      item.erase("bbox");
    } else if (bbox->is_array() && bbox->get_array().size() == 1 && ReadBbox(*bbox, w, s, e, n)) {
      changes.push_back("bbox: nested [[...]] -> flat");
      *bbox = json::array{w, s, e, n};
    }
  }
  if (item.at("geometry").is_null() && item.contains("bbox")) {
    // STAC: an item without geometry has no bbox either.
    changes.push_back("bbox: removed (geometry is null)");
    item.erase("bbox");
  }
  return RepairLongitudes(item, changes);
}

// ---- assets ------------------------------------------------------------------------------

void RepairAsset(json::object& asset, std::string_view path, std::vector<std::string>& changes) {
  if (json::value* role = asset.if_contains("role"); role && !asset.contains("roles")) {
    json::value roles = role->is_array() ? *role : json::value(json::array{*role});
    asset["roles"] = std::move(roles);
    asset.erase("role");
    changes.push_back(StrCat(path, ".role -> roles"));
  }
  if (json::value* type = asset.if_contains("type");
      type && type->is_string() && type->get_string() == "Link") {
    if (json::value* media = asset.if_contains("mediaType"); media && media->is_string()) {
      json::value media_type = *media;
      asset["type"] = std::move(media_type);
      asset.erase("mediaType");
      changes.push_back(StrCat(path, ".type: 'Link' -> mediaType"));
    } else {
      asset.erase("type");
      changes.push_back(StrCat(path, ".type: 'Link' removed (no media type given)"));
    }
  }
  if (json::value* alternates = asset.if_contains("alternate"); alternates && alternates->is_object()) {
    for (auto& [key, alternate] : alternates->get_object()) {
      if (alternate.is_object()) {
        RepairAsset(alternate.get_object(), StrCat(path, ".alternate.", std::string_view(key.data(), key.size())), changes);
      }
    }
  }
}

void RepairLegacyExtensions(json::object& document, std::vector<std::string>& changes) {
  if (const json::value* legacy = document.if_contains("extensions");
      legacy == nullptr || !legacy->is_array()) {
    return;
  }
  // Inserting "stac_extensions" may rehash the document: "extensions" is looked up after it.
  json::value& current = document["stac_extensions"];
  if (!current.is_array()) current = json::array{};
  for (const auto& uri : document.at("extensions").get_array()) {
    auto& list = current.get_array();
    if (std::find(list.begin(), list.end(), uri) == list.end()) list.push_back(uri);
  }
  document.erase("extensions");
  changes.push_back("extensions -> stac_extensions (STAC 0.x key)");
}

void RepairStacVersion(json::object& document, std::vector<std::string>& changes) {
  const json::value* version = document.if_contains("stac_version");
  if (version && version->is_string()) return;
  document["stac_version"] = "1.0.0";
  changes.push_back("stac_version: missing -> '1.0.0'");
}

}  // namespace

std::optional<std::string> RepairDateTime(std::string_view text, std::string* why) {
  if (ParseRfc3339(text).ok()) return std::nullopt;
  // YYYY-MM-DD, optionally followed by [T ]HH:MM[:SS[.fff]][zone].
  if (!Digits(text, 0, 4) || text.size() < 10 || text[4] != '-' || !Digits(text, 5, 2) ||
      text[7] != '-' || !Digits(text, 8, 2)) {
    return std::nullopt;
  }
  std::vector<std::string> reasons;
  std::string date(text.substr(0, 10));
  const int year = Number(text, 0, 4), month = Number(text, 5, 2), day = Number(text, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  if (day > DaysInMonth(year, month)) {
    // 360-day and no-leap model calendars: 30 February is the month's last day.
    date = StrCat(text.substr(0, 8), DaysInMonth(year, month));
    reasons.push_back("model-calendar day clamped to the month's end");
  }
  std::string time = "T00:00:00";
  std::string_view rest = text.substr(10);
  if (rest.empty()) {
    reasons.push_back("date only, midnight assumed");
  } else {
    if (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ') return std::nullopt;
    if (rest[0] == ' ') reasons.push_back("space separator");
    std::string_view clock = rest.substr(1);
    if (clock.size() == 5 && Digits(clock, 0, 2) && clock[2] == ':' && Digits(clock, 3, 2)) {
      time = StrCat("T", clock, ":00");
      reasons.push_back("seconds added");
    } else {
      time = StrCat("T", clock);
    }
  }
  std::string candidate = StrCat(date, time);
  if (!ParseRfc3339(candidate).ok() && !HasZone(std::string_view(candidate).substr(11))) {
    candidate += 'Z';
    reasons.push_back("no time zone, UTC assumed");
  }
  if (!ParseRfc3339(candidate).ok()) return std::nullopt;
  if (why) {
    why->clear();
    for (const auto& reason : reasons) StrAppend(why, why->empty() ? "" : "; ", reason);
  }
  return candidate;
}

std::optional<int64_t> MatchedCount(const json::object& page) {
  auto number = [](const json::value* v) -> std::optional<int64_t> {
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
    if (v->is_double()) return static_cast<int64_t>(v->get_double());
    return std::nullopt;
  };
  if (auto n = number(page.if_contains("numberMatched"))) return n;
  if (auto n = number(page.if_contains("numMatched"))) return n;
  if (const json::value* context = page.if_contains("context"); context && context->is_object()) {
    return number(context->get_object().if_contains("matched"));
  }
  return std::nullopt;
}

absl::StatusOr<NormalisedItem> NormaliseItem(json::object& item, const ItemContext& context) {
  NormalisedItem result;
  auto& changes = result.changes;
  const json::value* type = item.if_contains("type");
  if (type == nullptr) {
    item["type"] = "Feature";
    changes.push_back("type: missing -> 'Feature'");
  } else if (!type->is_string() || type->get_string() != "Feature") {
    return Unrepairable(StrCat("\"type\" is ", Shown(*type), ", not an Item"));
  }
  const json::value* id = item.if_contains("id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    return Unrepairable("\"id\" is missing or not a string");
  }
  RepairStacVersion(item, changes);
  RepairLegacyExtensions(item, changes);

  // Collection: the walked one wins when the item only spells it in another case.
  json::value* collection = item.if_contains("collection");
  if (!context.collection_id.empty()) {
    if (collection == nullptr || collection->is_null()) {
      item["collection"] = context.collection_id;
      changes.push_back(StrCat("collection: missing -> '", context.collection_id, "'"));
    } else if (!collection->is_string()) {
      return Unrepairable("\"collection\" is not a string");
    } else if (std::string_view(collection->get_string()) != context.collection_id) {
      const std::string before(collection->get_string().c_str());
      if (Lower(before) != Lower(context.collection_id)) {
        return Unrepairable(StrCat("item of collection '", before, "' met while walking '",
                                   context.collection_id, "'"));
      }
      *collection = context.collection_id;
      changes.push_back(StrCat("collection: '", before, "' -> '", context.collection_id,
                               "' (the id the source advertises)"));
    }
    if (!context.local_collection_id.empty() &&
        context.local_collection_id != context.collection_id) {
      item["collection"] = context.local_collection_id;
      changes.push_back(StrCat("collection: '", context.collection_id, "' -> '",
                               context.local_collection_id,
                               "' (the local id the federation file gives this source's collection)"));
    }
  }

  if (absl::Status status = RepairGeometry(item, changes); !status.ok()) return status;

  json::value* properties = item.if_contains("properties");
  if (properties == nullptr || !properties->is_object()) {
    return Unrepairable("\"properties\" is missing or not an object");
  }
  auto& props = properties->get_object();
  for (std::string_view key : {"datetime", "start_datetime", "end_datetime", "created", "updated"}) {
    if (auto status = RepairTimeField(props, key, StrCat("properties.", key), changes); !status.ok()) {
      return status;
    }
  }
  if (!props.contains("datetime") && props.contains("start_datetime") && props.contains("end_datetime")) {
    props["datetime"] = nullptr;
    changes.push_back("properties.datetime: missing -> null (start/end given)");
  }

  // ESGF versioning: a retracted dataset or one superseded by a newer version stays
  // searchable but is marked withdrawn. Read before "assets" and "links" are inserted: an
  // insertion may rehash the item, which moves `props`.
  if (const json::value* retracted = props.if_contains("retracted");
      retracted && retracted->is_bool() && retracted->get_bool()) {
    result.withdrawn_reason = "retracted";
  } else if (const json::value* latest = props.if_contains("latest");
             latest && latest->is_bool() && !latest->get_bool()) {
    result.withdrawn_reason = "superseded";
  }

  if (json::value* assets = item.if_contains("assets")) {
    if (assets->is_null()) {
      *assets = json::object{};
      changes.push_back("assets: null -> {}");
    } else if (assets->is_object()) {
      for (auto& [key, asset] : assets->get_object()) {
        if (asset.is_object()) RepairAsset(asset.get_object(), StrCat("assets.", std::string_view(key.data(), key.size())), changes);
      }
    }
  } else {
    item["assets"] = json::object{};
    changes.push_back("assets: missing -> {}");
  }
  if (json::value* links = item.if_contains("links"); links == nullptr || !links->is_array()) {
    item["links"] = json::array{};
  }
  return result;
}

namespace {

bool IsLatitude(double value) { return value >= -90.0 && value <= 90.0; }
// -180..360: boxes on 0..360 grids are shifted afterwards.
bool IsLongitude(double value) { return value >= -180.0 && value <= 360.0; }
bool IsBox(double w, double s, double e, double n) {
  return IsLongitude(w) && IsLongitude(e) && IsLatitude(s) && IsLatitude(n) && s <= n;
}

// A collection extent box [w,s,e,n] with a latitude outside -90..90. Written in another axis
// order, it is put right when exactly one known order reads as a valid box: latitude first
// ([s,w,n,e]) or [w,e,s,n] (left, right, bottom, top). Otherwise a box that still overlaps
// the globe is clipped to it: the data it promises lies between the poles anyway. A box
// wholly beyond a pole, or upside down, is unrepairable. 3D boxes are only clipped.
absl::Status RepairExtentLatitudes(json::value& box, double& w, double& s, double& e, double& n,
                                   std::vector<std::string>& changes) {
  if (IsLatitude(s) && IsLatitude(n)) return absl::OkStatus();
  const json::value before = box;
  const bool flat = box.is_array() && box.get_array().size() == 4;
  const bool latitude_first = flat && IsBox(s, w, n, e);
  const bool left_right_first = flat && IsBox(w, e, s, n);
  std::string why;
  if (latitude_first != left_right_first) {
    std::tie(w, s, e, n) = latitude_first ? std::tuple(s, w, n, e) : std::tuple(w, e, s, n);
    why = latitude_first ? "latitude and longitude swapped" : "read as west, east, south, north";
  } else if (s <= n && s <= 90.0 && n >= -90.0) {
    s = std::max(s, -90.0);
    n = std::min(n, 90.0);
    why = "latitudes clipped to -90..90";
  } else {
    return Unrepairable(StrCat("extent.spatial.bbox ", Shown(before), ": latitudes outside -90..90"));
  }
  if (before.is_array() && before.get_array().size() == 6) {
    const json::array& old = before.get_array();
    box = json::array{w, s, old[2], e, n, old[5]};
  } else {
    box = json::array{w, s, e, n};
  }
  changes.push_back(StrCat("extent.spatial.bbox: ", Shown(before), " -> ", Shown(box), " (", why, ")"));
  return absl::OkStatus();
}

// One box of a collection's spatial extent: latitudes first (a box in another axis order
// may carry its longitudes there), then 0..360 longitudes.
absl::Status RepairExtentBox(json::value& box, std::vector<std::string>& changes) {
  double w, s, e, n;
  if (!ReadBbox(box, w, s, e, n)) return absl::OkStatus();
  if (absl::Status status = RepairExtentLatitudes(box, w, s, e, n, changes); !status.ok()) {
    return status;
  }
  if (e <= 180.0) return absl::OkStatus();
  const json::value before = box;
  box = e - w >= 180.0 ? json::array{-180.0, s, 180.0, n}
                       : json::array{w > 180 ? w - 360 : w, s, e - 360, n};
  changes.push_back(StrCat("extent.spatial.bbox: ", Shown(before), " -> ", Shown(box),
                           " (0..360 longitudes)"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> NormaliseCollection(json::object& collection) {
  std::vector<std::string> changes;
  const json::value* type = collection.if_contains("type");
  if (type == nullptr) {
    collection["type"] = "Collection";
    changes.push_back("type: missing -> 'Collection'");
  } else if (!type->is_string() || type->get_string() != "Collection") {
    return Unrepairable(StrCat("\"type\" is ", Shown(*type), ", not a Collection"));
  }
  const json::value* id = collection.if_contains("id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    return Unrepairable("\"id\" is missing or not a string");
  }
  RepairStacVersion(collection, changes);
  RepairLegacyExtensions(collection, changes);
  if (!collection.contains("description")) {
    collection["description"] = "";
    changes.push_back("description: missing -> ''");
  }
  if (!collection.contains("license")) {
    collection["license"] = "other";
    changes.push_back("license: missing -> 'other'");
  }
  json::value* extent = collection.if_contains("extent");
  if (extent && extent->is_object()) {
    if (json::value* temporal = extent->get_object().if_contains("temporal"); temporal && temporal->is_object()) {
      if (json::value* intervals = temporal->get_object().if_contains("interval");
          intervals && intervals->is_array()) {
        for (auto& interval : intervals->get_array()) {
          if (!interval.is_array()) continue;
          for (auto& bound : interval.get_array()) {
            if (!bound.is_string()) continue;
            std::string why;
            const std::string before(bound.get_string().c_str());
            if (auto repaired = RepairDateTime(before, &why)) {
              bound = *repaired;
              changes.push_back(StrCat("extent.temporal.interval: '", before, "' -> '", *repaired,
                                       "' (", why, ")"));
            }
          }
        }
      }
    }
    if (json::value* spatial = extent->get_object().if_contains("spatial"); spatial && spatial->is_object()) {
      if (json::value* boxes = spatial->get_object().if_contains("bbox"); boxes && boxes->is_array()) {
        for (auto& box : boxes->get_array()) {
          if (absl::Status repaired = RepairExtentBox(box, changes); !repaired.ok()) return repaired;
        }
      }
    }
  } else {
    collection["extent"] = json::object{
        {"spatial", json::object{{"bbox", json::array{json::array{-180.0, -90.0, 180.0, 90.0}}}}},
        {"temporal", json::object{{"interval", json::array{json::array{nullptr, nullptr}}}}}};
    changes.push_back("extent: missing -> whole globe, open interval");
  }
  return changes;
}

}  // namespace stacfed::crawler
