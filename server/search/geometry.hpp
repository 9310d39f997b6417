#pragma once
// Geometries that clients send (the `intersects` parameter, CQL2 spatial literals, bboxes),
// checked before any SQL sees them: PostGIS would take an unclosed ring or a longitude of 200
// and fail or match nonsense. Socket-free.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace stacfed::search {

// Checks a GeoJSON geometry object (any type, GeometryCollection included: positions of 2 to
// 4 finite numbers, longitudes in -180..180 and latitudes in -90..90, lines of 2 positions
// or more, rings of 4 or more and closed) and returns it as compact GeoJSON text with only
// "type" and "coordinates"/"geometries" (a "crs" member would make PostGIS change the
// SRID). Errors say what is wrong, without naming the parameter.
absl::StatusOr<std::string> NormalizeGeometry(const boost::json::value& geometry);

// The polygon of a bbox of 4 numbers (west, south, east, north) or 6 (with elevations, which
// do not filter) as a GeoJSON value; across the antimeridian (west > east) the multipolygon of
// both halves. Coordinates must be finite; south may not exceed north.
absl::StatusOr<boost::json::value> BboxGeometry(const std::vector<double>& numbers);

}  // namespace stacfed::search
