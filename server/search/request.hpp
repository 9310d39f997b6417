#pragma once
// A search as the search layer sees it: one typed request, whichever method and route it came
// by. GET query strings and POST bodies are parsed into it through one table of parameters
// (params.hpp), each parameter owned by a module (modules.hpp), so the two methods cannot
// drift apart; everything after parsing (SQL, paging, rendering) only sees this struct.
// Parsing is strict: every malformed value is an InvalidArgument whose message names the
// parameter and says what is expected (the server answers 400 with it).

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/model/datetime.hpp"
#include "server/search/cql2/ast.hpp"
#include "server/search/fields.hpp"
#include "server/search/page_token.hpp"

namespace stacfed::search {

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

// One key of a requested order (the Sort extension's sortby): a field as the client named it,
// without "properties.".
struct SortField {
  std::string field;
  bool descending = false;
  bool operator==(const SortField&) const = default;
};

// The Aggregation extension's parameters (aggregate.hpp reads and checks them): the
// aggregations asked for, in order, and their options; unset options take their defaults.
struct AggregationParams {
  std::vector<std::string> names;
  std::optional<std::string> datetime_interval;  // datetime_frequency_interval
  std::optional<int> geohash_precision;          // centroid_geohash_grid_frequency_precision
  std::optional<int> geotile_precision;          // centroid_geotile_grid_frequency_precision
  std::optional<int> buckets;                    // aggregation_buckets: the top N kept
  bool operator==(const AggregationParams&) const = default;
};

struct SearchRequest {
  // Item search (core module).
  std::vector<std::string> ids;          // empty: any id
  std::vector<std::string> collections;  // empty: any collection
  std::optional<Bbox> bbox;
  // A GeoJSON geometry as compact JSON text, validated (geometry.hpp); PostGIS reads it.
  std::optional<std::string> intersects;
  std::optional<DatetimeInterval> datetime;
  int limit = kDefaultLimit;
  // The token as sent; ResolveToken checks it and sets `token`.
  std::optional<std::string> token_text;
  std::optional<PageToken> token;

  // Fields module: which members of each item to return (fields.hpp); absent: all of them,
  // written from the stored text without parsing it.
  std::optional<FieldsSpec> fields;

  // Client-site module: the site the client runs at (client_site.hpp); each asset's copies
  // are then ranked for it. Absent: items are written as stored.
  std::optional<std::string> client_site;

  // Filter module (CQL2): the parameters as sent, then the tree (modules' Finish step).
  std::optional<std::string> filter_text;        // GET filter=..., or a POST string
  std::optional<boost::json::value> filter_json;  // a POST filter object
  std::optional<std::string> filter_lang;
  std::optional<std::string> filter_crs;
  std::optional<cql2::Node> filter;

  // Query module: the query object as sent (its Finish step ANDs it into `filter`).
  std::optional<boost::json::value> query;

  // Sort module: the requested order; empty for the default (datetime DESC, collection, id).
  std::vector<SortField> sortby;

  // Free-text module: `q` as a PostgreSQL tsquery (free_text.hpp); its terms also rank the
  // matches when no sortby is given.
  std::optional<std::string> q;
  // Aggregation module (/aggregate only).
  AggregationParams aggregation;

  bool operator==(const SearchRequest&) const = default;
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The single-value parsers, shared by the parameter table, collection listings and tests.
absl::StatusOr<Bbox> ParseBboxText(std::string_view text);
absl::StatusOr<Bbox> BboxFromNumbers(const std::vector<double>& numbers);
absl::StatusOr<DatetimeInterval> ParseDatetimeText(std::string_view text);
absl::StatusOr<int> ParseLimitText(std::string_view text);
absl::StatusOr<int> LimitFromJson(const boost::json::value& value);
// The intersects parameter: a GeoJSON geometry (as text or parsed), checked and compacted.
absl::StatusOr<std::string> ParseIntersectsText(std::string_view text);
absl::StatusOr<std::string> IntersectsFromJson(const boost::json::value& value);
// An unencoded '+' in a query string arrives as a space ("...T00:00:00+01:00" typed into a
// URL); after the date a space cannot mean anything else.
std::string RestorePlusSigns(std::string_view datetime);
// A comma-separated list; empty parts are dropped.
std::vector<std::string> SplitList(std::string_view text);

// The polygon (or, across the antimeridian, the multipolygon of both halves) of a bbox as
// GeoJSON text, so bbox and intersects share one SQL filter.
std::string BboxGeoJson(const Bbox& bbox);

// What a search's tokens are bound to: a digest of its filters (not its limit) and of
// `scope`, the path it was sent to ("/search", "/collections/C/items", ...). Not its
// `fields` nor its `client_site`: they choose what is shown of each item, not which items
// match or in what order, so a token stays right for the same search with other fields (a
// client may page on with fewer fields than its first page had) or another site.
std::string SearchFingerprint(const SearchRequest& request, std::string_view scope);

// Checks request.token_text, when there is one, and moves it into request.token: a token
// this installation signed for the search with this `fingerprint` (InvalidArgument
// otherwise). Once resolved, token_text is empty and a second call changes nothing.
absl::Status ResolveToken(SearchRequest& request, std::string_view fingerprint,
                          const TokenSigner& signer);

}  // namespace stacfed::search
