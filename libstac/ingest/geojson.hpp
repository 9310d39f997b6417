#pragma once
// GeoJSON geometry validation and conversion to EWKB (2D, SRID 4326), the form PostGIS
// reads fastest from a binary COPY. Done in C++ so that a malformed geometry rejects one record with a
// reason instead of failing a whole set-based INSERT in the database.

#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace stacfed::ingest {

struct Bounds {
  double min_x = std::numeric_limits<double>::infinity();
  double min_y = std::numeric_limits<double>::infinity();
  double max_x = -std::numeric_limits<double>::infinity();
  double max_y = -std::numeric_limits<double>::infinity();
  bool empty() const { return min_x > max_x; }
};

// Validates the GeoJSON geometry text `json` (an object, not null) and appends its EWKB
// (little-endian) to `ewkb`; `bounds` is extended by every position. Errors are InvalidArgument with a
// reason such as "Polygon ring 0 is not closed".
absl::Status GeometryToEwkb(std::string_view json, std::string& ewkb, Bounds& bounds);

}  // namespace stacfed::ingest

namespace simdjson::dom {
class element;
}

namespace stacfed::ingest {

// The same for a geometry already parsed by simdjson's DOM parser.
absl::Status GeometryToEwkb(const simdjson::dom::element& geometry, std::string& ewkb,
                            Bounds& bounds);

}  // namespace stacfed::ingest
