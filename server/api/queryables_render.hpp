#pragma once
// Queryables as JSON Schema 2019-09 (OGC API Features Part 3): one property per queryable with
// its type and description, `enum` where the values are a small known set, `format:
// date-time` for times, a GeoJSON geometry reference for geometry; `$id` is the URL it was
// requested at. The list is closed (additionalProperties false): it holds every property the
// items in scope carry (sql/0012), and a filter naming another gets a 400 that lists them,
// rather than an empty result for a misspelt name.

#include <string>
#include <string_view>

#include "server/search/queryables.hpp"

namespace stacfed::api {

inline constexpr std::string_view kSchemaJson = "application/schema+json";
inline constexpr std::string_view kQueryablesRel = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

inline constexpr std::string_view kSortablesRel =
    "http://www.opengis.net/def/rel/ogc/1.0/sortables";

std::string RenderQueryables(const search::Queryables& queryables, std::string_view self_href,
                             std::string_view title);

// Sortables (the Sort extension v1.1.0, OGC API Features Part 5) as JSON Schema 2020-12: the
// queryables one may sort by (search::IsSortable), closed as well: sortby naming another
// field gets a 400.
std::string RenderSortables(const search::Queryables& queryables, std::string_view self_href,
                            std::string_view title);

// Which of the two schemas of an endpoint's properties a request asks for.
enum class PropertySchema { kQueryables, kSortables };

// The one asked for, titled "Queryables of <subject>" or "Sortables of <subject>".
std::string RenderPropertySchema(PropertySchema schema, const search::Queryables& queryables,
                                 std::string_view self_href, std::string_view subject);

}  // namespace stacfed::api
