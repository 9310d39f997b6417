#pragma once
// Item search parameters. GET query parameters and POST JSON bodies are both parsed into one
// SearchRequest, so the two methods cannot drift apart; everything after parsing (SQL,
// rendering, paging) only sees this struct. Parsing is strict: every malformed value is an
// InvalidArgument whose message names the parameter and says what is expected (the server
// answers 400 with it).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/model/datetime.hpp"
#include "server/api/page_token.hpp"

namespace stacfed::api {

inline constexpr int kDefaultLimit = 10;
inline constexpr int kMaxLimit = 10000;  // larger values are clamped, never an error

struct Bbox {
  double west = 0, south = 0, east = 0, north = 0;
  // West greater than east: the box crosses the antimeridian.
  bool CrossesAntimeridian() const { return west > east; }
  bool operator==(const Bbox&) const = default;
};

// A time interval with at most one open end; an instant has start == end.
struct DatetimeInterval {
  std::optional<Micros> start;
  std::optional<Micros> end;
  bool operator==(const DatetimeInterval&) const = default;
};

struct SearchRequest {
  std::vector<std::string> ids;          // empty: any id
  std::vector<std::string> collections;  // empty: any collection
  std::optional<Bbox> bbox;
  // A GeoJSON geometry object as compact JSON text, structurally validated; PostGIS reads it.
  std::optional<std::string> intersects;
  std::optional<DatetimeInterval> datetime;
  int limit = kDefaultLimit;
  // The token as sent; ResolveToken checks it and sets `token`.
  std::optional<std::string> token_text;
  std::optional<PageToken> token;

  bool operator==(const SearchRequest&) const = default;
};

// What a search's tokens are bound to: a digest of its filters (not its limit) and of
// `scope`, the path it was sent to ("/search", "/collections/C/items", ...).
std::string SearchFingerprint(const SearchRequest& request, std::string_view scope);

// Checks request.token_text, when there is one, and moves it into request.token: a token
// this installation signed for the search with this `fingerprint` (InvalidArgument
// otherwise). Once resolved, token_text is empty and a second call changes nothing.
absl::Status ResolveToken(SearchRequest& request, std::string_view fingerprint,
                          const TokenSigner& signer);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Where a search comes from; /collections/{id}/items fixes the collection from its path.
struct SearchScope {
  std::string path_collection;  // "" for /search
};

// GET /search and GET /collections/{id}/items. Unknown or repeated parameters are errors.
// On /items the path collection replaces any `collections` parameter (pystac-client sends
// `?collections=<id>`; naming other collections there cannot widen the search).
absl::StatusOr<SearchRequest> ParseSearchQuery(const QueryParams& params,
                                               const SearchScope& scope = {});

// POST /search. Also returns, in `body_without_token`, the body as compact JSON with any
// "token" member removed: the POST next link repeats it with the new token.
struct ParsedSearchBody {
  SearchRequest request;
  std::string body_without_token;
};
absl::StatusOr<ParsedSearchBody> ParseSearchBody(std::string_view body);

// The single-value parsers, shared with collection listings and exposed for tests.
absl::StatusOr<Bbox> ParseBboxText(std::string_view text);
absl::StatusOr<DatetimeInterval> ParseDatetimeText(std::string_view text);
absl::StatusOr<int> ParseLimitText(std::string_view text);
// Validates a GeoJSON geometry (any type, GeometryCollection included: positions of 2 to 4
// finite numbers with longitude and latitude in range, closed rings of at least 4 positions)
// and returns it as compact JSON text.
absl::StatusOr<std::string> ParseIntersectsText(std::string_view text);

// The polygon (or, across the antimeridian, the multipolygon of both halves) of a bbox as
// GeoJSON text, so bbox and intersects share one SQL filter.
std::string BboxGeoJson(const Bbox& bbox);

}  // namespace stacfed::api
