#include "server/search/geometry.hpp"

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

absl::Status Invalid(std::string_view why) { return absl::InvalidArgumentError(std::string(why)); }

// A GeoJSON position: 2 to 4 finite numbers, the first two a longitude and a latitude of
// CRS84 (which PostGIS would take as any plane coordinates, and ST_Intersects would then
// compare with the items' true longitudes and latitudes).
absl::Status CheckPosition(const json::value& v) {
  const json::array* a = v.if_array();
  if (a == nullptr || a->size() < 2 || a->size() > 4) {
    return Invalid("a position must be an array of 2 to 4 numbers");
  }
  for (const json::value& n : *a) {
    if (!n.is_number() || !std::isfinite(n.to_number<double>())) {
      return Invalid("a position must be an array of 2 to 4 finite numbers");
    }
  }
  const double lon = (*a)[0].to_number<double>(), lat = (*a)[1].to_number<double>();
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    return Invalid("longitudes must lie within -180..180 and latitudes within -90..90 "
                   "(WGS 84, RFC 7946)");
  }
  return absl::OkStatus();
}

bool SamePosition(const json::value& a, const json::value& b) {
  const json::array &pa = a.get_array(), &pb = b.get_array();
  return pa[0].to_number<double>() == pb[0].to_number<double>() &&
         pa[1].to_number<double>() == pb[1].to_number<double>();
}

// Checks coordinates nested `depth` arrays deep above positions (0: a position). The
// innermost lists need `min_positions` positions; with `rings` they must also be closed.
absl::Status CheckCoordinates(const json::value& v, int depth, size_t min_positions, bool rings,
                              std::string_view type) {
  if (depth == 0) return CheckPosition(v);
  const json::array* a = v.if_array();
  if (a == nullptr) {
    return Invalid(StrCat("the 'coordinates' of a ", type,
                          " are not nested arrays of positions as GeoJSON (RFC 7946) requires"));
  }
  if (depth == 1 && a->size() < min_positions) {
    return Invalid(StrCat(rings ? "a ring of a " : "a ", type, " needs at least ", min_positions,
                          " positions"));
  }
  for (const json::value& item : *a) {
    STACFED_RETURN_IF_ERROR(CheckCoordinates(item, depth - 1, min_positions, rings, type));
  }
  if (depth == 1 && rings && !SamePosition(a->front(), a->back())) {
    return Invalid(
        StrCat("a ring of a ", type, " is not closed: its first and last positions differ"));
  }
  return absl::OkStatus();
}

struct GeometryShape {
  std::string_view type;
  int depth;             // arrays above positions
  size_t min_positions;  // in the innermost list
  bool rings;            // the innermost lists are closed rings
  bool non_empty;        // the outermost list must have an element
};
constexpr std::array<GeometryShape, 6> kShapes = {{
    {"Point", 0, 0, false, false},
    {"MultiPoint", 1, 0, false, false},
    {"LineString", 1, 2, false, false},
    {"MultiLineString", 2, 2, false, false},
    {"Polygon", 2, 4, true, true},
    {"MultiPolygon", 3, 4, true, false},
}};

// Coordinates with every number as a double, written as an integer when it is one: equal
// geometries then print alike however they were written (1, 1.0, 1e0; WKT or GeoJSON).
json::value CanonicalCoordinates(const json::value& v) {
  if (const json::array* array = v.if_array()) {
    json::array out;
    out.reserve(array->size());
    for (const json::value& element : *array) out.push_back(CanonicalCoordinates(element));
    return out;
  }
  const double d = v.to_number<double>();  // checked to be a finite number before
  if (d == std::trunc(d) && std::abs(d) < 1e15) return json::value(static_cast<int64_t>(d));
  return json::value(d);
}

// Rebuilds the geometry with only type and coordinates/geometries.
absl::StatusOr<json::value> CleanGeometry(const json::value& v, int nesting) {
  if (nesting > 8) return Invalid("geometry collections nest too deeply");
  const json::object* object = v.if_object();
  if (object == nullptr) return Invalid("expected a GeoJSON geometry object");
  const json::value* type = object->if_contains("type");
  if (type == nullptr || !type->is_string()) return Invalid("a GeoJSON geometry needs a string 'type'");
  const std::string_view type_name(type->get_string().data(), type->get_string().size());
  json::object clean;
  clean["type"] = type_name;
  if (type_name == "GeometryCollection") {
    const json::value* geometries = object->if_contains("geometries");
    if (geometries == nullptr || !geometries->is_array()) {
      return Invalid("a GeometryCollection needs a 'geometries' array");
    }
    json::array members;
    for (const json::value& member : geometries->get_array()) {
      STACFED_ASSIGN_OR_RETURN(json::value m, CleanGeometry(member, nesting + 1));
      members.push_back(std::move(m));
    }
    clean["geometries"] = std::move(members);
    return json::value(std::move(clean));
  }
  for (const GeometryShape& shape : kShapes) {
    if (shape.type != type_name) continue;
    const json::value* coordinates = object->if_contains("coordinates");
    if (coordinates == nullptr) return Invalid(StrCat("a ", type_name, " needs 'coordinates'"));
    STACFED_RETURN_IF_ERROR(CheckCoordinates(*coordinates, shape.depth, shape.min_positions,
                                             shape.rings, type_name));
    if (shape.non_empty && coordinates->get_array().empty()) {
      return Invalid(StrCat("a ", type_name, " needs at least one ring"));
    }
    if (shape.depth == 3) {  // a MultiPolygon's polygons each need an outer ring
      for (const json::value& polygon : coordinates->get_array()) {
        if (polygon.get_array().empty()) {
          return Invalid("each polygon of a MultiPolygon needs at least one ring");
        }
      }
    }
    clean["coordinates"] = CanonicalCoordinates(*coordinates);
    return json::value(std::move(clean));
  }
  return Invalid(StrCat("'", type_name, "' is not a GeoJSON geometry type"));
}

json::array Ring(double w, double s, double e, double n) {
  return json::array{json::array{w, s}, json::array{e, s}, json::array{e, n}, json::array{w, n},
                     json::array{w, s}};
}

}  // namespace

absl::StatusOr<std::string> NormalizeGeometry(const json::value& geometry) {
  STACFED_ASSIGN_OR_RETURN(json::value clean, CleanGeometry(geometry, 0));
  return json::serialize(clean);
}

absl::StatusOr<json::value> BboxGeometry(const std::vector<double>& n) {
  if (n.size() != 4 && n.size() != 6) {
    return Invalid(StrCat("a bbox has 4 numbers (west, south, east, north) or 6 (with minimum "
                          "and maximum elevation), not ",
                          n.size()));
  }
  for (double value : n) {
    if (!std::isfinite(value)) return Invalid("a bbox's numbers must be finite");
  }
  const bool three_d = n.size() == 6;
  const double w = n[0], s = n[1], e = n[three_d ? 3 : 2], north = n[three_d ? 4 : 3];
  if (s > north) return Invalid("a bbox's south is greater than its north");
  json::object geometry;
  if (w <= e) {
    geometry["type"] = "Polygon";
    geometry["coordinates"] = json::array{Ring(w, s, e, north)};
  } else {  // across the antimeridian
    geometry["type"] = "MultiPolygon";
    geometry["coordinates"] =
        json::array{json::array{Ring(w, s, 180, north)}, json::array{Ring(-180, s, e, north)}};
  }
  return json::value(std::move(geometry));
}

}  // namespace stacfed::search
