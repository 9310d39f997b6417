#include "libstac/ingest/geojson.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/ingest/dom_parser.hpp"
#include "simdjson.h"

namespace stacfed::ingest {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr uint32_t kSridFlag = 0x20000000;
constexpr uint32_t kSrid = 4326;

enum WkbType : uint32_t {
  kPoint = 1,
  kLineString = 2,
  kPolygon = 3,
  kMultiPoint = 4,
  kMultiLineString = 5,
  kMultiPolygon = 6,
  kGeometryCollection = 7,
};

// Appends little-endian WKB to the output string. (Binary COPY takes EWKB as it is; a hex
// form, written a nibble at a time and decoded again for COPY, was 5% of the loader's CPU.)
class WkbWriter {
 public:
  explicit WkbWriter(std::string& out) : out_(out) {}
  void Byte(uint8_t b) { out_.push_back(char(b)); }
  void U32(uint32_t v) { AppendLittleEndian(v); }
  // -0 is written as 0: PostGIS compares positions byte by byte, so a ring that starts at
  // [0, 0] and ends at [-0.0, 0] is "not closed" to it, while GeoJSON means one point.
  void F64(double d) { AppendLittleEndian(std::bit_cast<uint64_t>(d + 0.0)); }
  void Header(uint32_t type, bool with_srid) {
    Byte(1);  // little endian
    U32(with_srid ? (type | kSridFlag) : type);
    if (with_srid) U32(kSrid);
  }

 private:
  template <typename Unsigned>
  void AppendLittleEndian(Unsigned v) {
    char bytes[sizeof v];
    for (size_t i = 0; i < sizeof v; ++i) bytes[i] = char(v >> (8 * i));
    out_.append(bytes, sizeof bytes);
  }

  std::string& out_;
};

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid geometry: ", why));
}

absl::StatusOr<double> Coordinate(element e) {
  double d;
  if (e.is_double()) {
    d = e.get_double().value_unsafe();
  } else if (e.is_int64()) {
    d = double(e.get_int64().value_unsafe());
  } else if (e.is_uint64()) {
    d = double(e.get_uint64().value_unsafe());
  } else {
    return Invalid("a coordinate is not a number");
  }
  if (!std::isfinite(d)) return Invalid("a coordinate is not finite");
  return d;
}

class Converter {
 public:
  Converter(std::string& ewkb, Bounds& bounds) : writer_(ewkb), bounds_(bounds) {}

  absl::Status Geometry(element geometry, bool top_level, int depth) {
    if (depth > 8) return Invalid("GeometryCollections nested too deeply");
    object obj;
    if (geometry.get_object().get(obj)) return Invalid("a geometry must be an object");
    std::string_view type;
    if (obj["type"].get_string().get(type)) return Invalid("a geometry needs a string \"type\"");
    if (type == "GeometryCollection") {
      array members;
      if (obj["geometries"].get_array().get(members)) {
        return Invalid("a GeometryCollection needs a \"geometries\" array");
      }
      writer_.Header(kGeometryCollection, top_level);
      writer_.U32(uint32_t(members.size()));
      for (element member : members) STACFED_RETURN_IF_ERROR(Geometry(member, false, depth + 1));
      return absl::OkStatus();
    }
    element coordinates;
    if (obj["coordinates"].get(coordinates)) return Invalid(StrCat(type, " needs \"coordinates\""));
    if (type == "Point") {
      writer_.Header(kPoint, top_level);
      return Position(coordinates);
    }
    if (type == "LineString") {
      writer_.Header(kLineString, top_level);
      return Line(coordinates, 2, "LineString");
    }
    if (type == "Polygon") {
      writer_.Header(kPolygon, top_level);
      return Polygon(coordinates);
    }
    array parts;
    if (coordinates.get_array().get(parts)) return Invalid(StrCat(type, " coordinates must be an array"));
    if (type == "MultiPoint") {
      writer_.Header(kMultiPoint, top_level);
      writer_.U32(uint32_t(parts.size()));
      for (element p : parts) {
        writer_.Header(kPoint, false);
        STACFED_RETURN_IF_ERROR(Position(p));
      }
      return absl::OkStatus();
    }
    if (type == "MultiLineString") {
      writer_.Header(kMultiLineString, top_level);
      writer_.U32(uint32_t(parts.size()));
      for (element p : parts) {
        writer_.Header(kLineString, false);
        STACFED_RETURN_IF_ERROR(Line(p, 2, "LineString"));
      }
      return absl::OkStatus();
    }
    if (type == "MultiPolygon") {
      writer_.Header(kMultiPolygon, top_level);
      writer_.U32(uint32_t(parts.size()));
      for (element p : parts) {
        writer_.Header(kPolygon, false);
        STACFED_RETURN_IF_ERROR(Polygon(p));
      }
      return absl::OkStatus();
    }
    return Invalid(StrCat("unknown geometry type \"", type, "\""));
  }

 private:
  // A position is [x, y] or [x, y, z, ...]; only x and y are kept (the column is 2D).
  absl::Status Position(element e) {
    array position;
    if (e.get_array().get(position) || position.size() < 2) {
      return Invalid("a position must be an array of at least two numbers");
    }
    STACFED_ASSIGN_OR_RETURN(double x, Coordinate(position.at(0).value_unsafe()));
    STACFED_ASSIGN_OR_RETURN(double y, Coordinate(position.at(1).value_unsafe()));
    writer_.F64(x);
    writer_.F64(y);
    bounds_.min_x = std::min(bounds_.min_x, x);
    bounds_.max_x = std::max(bounds_.max_x, x);
    bounds_.min_y = std::min(bounds_.min_y, y);
    bounds_.max_y = std::max(bounds_.max_y, y);
    return absl::OkStatus();
  }

  absl::Status Line(element e, size_t min_positions, std::string_view what) {
    array positions;
    if (e.get_array().get(positions)) return Invalid(StrCat(what, " coordinates must be an array"));
    if (positions.size() < min_positions) {
      return Invalid(StrCat(what, " needs at least ", min_positions, " positions"));
    }
    writer_.U32(uint32_t(positions.size()));
    for (element p : positions) STACFED_RETURN_IF_ERROR(Position(p));
    return absl::OkStatus();
  }

  absl::Status Polygon(element e) {
    array rings;
    if (e.get_array().get(rings)) return Invalid("Polygon coordinates must be an array of rings");
    writer_.U32(uint32_t(rings.size()));
    size_t index = 0;
    for (element ring : rings) {
      STACFED_RETURN_IF_ERROR(Line(ring, 4, "a Polygon ring"));
      array positions = ring.get_array().value_unsafe();
      if (!SamePosition(positions.at(0).value_unsafe(),
                        positions.at(positions.size() - 1).value_unsafe())) {
        return Invalid(StrCat("Polygon ring ", index, " is not closed (first and last positions differ)"));
      }
      ++index;
    }
    return absl::OkStatus();
  }

  static bool SamePosition(element a, element b) {
    auto ax = Coordinate(a.at(0).value_unsafe()), ay = Coordinate(a.at(1).value_unsafe());
    auto bx = Coordinate(b.at(0).value_unsafe()), by = Coordinate(b.at(1).value_unsafe());
    return ax.ok() && ay.ok() && bx.ok() && by.ok() && *ax == *bx && *ay == *by;
  }

  WkbWriter writer_;
  Bounds& bounds_;
};

}  // namespace

absl::Status GeometryToEwkb(std::string_view json, std::string& ewkb, Bounds& bounds) {
  thread_local simdjson::dom::parser parser = NewDomParser();
  element root;
  if (parser.parse(json.data(), json.size(), true).get(root)) {
    return Invalid("not valid JSON");
  }
  return GeometryToEwkb(root, ewkb, bounds);
}

absl::Status GeometryToEwkb(const element& root, std::string& ewkb, Bounds& bounds) {
  const size_t start = ewkb.size();
  Converter converter(ewkb, bounds);
  absl::Status status = converter.Geometry(root, true, 0);
  if (!status.ok()) ewkb.resize(start);
  return status;
}

}  // namespace stacfed::ingest
