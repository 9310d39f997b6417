#pragma once
// The Aggregation extension (STAC API aggregation v0.3.0): /aggregate answers, instead of a
// page of items, aggregations over every item a search matches (counts, the time range,
// frequency distributions of facet values, collections, time intervals and map cells), and
// /aggregations lists the aggregations a scope offers.
//
// An aggregation request is a search request: it is parsed through the same parameter
// table (Family::kAggregate takes every item search parameter that selects items, and the
// aggregation module's own), and its items are selected by the same modules' conditions
// (BuildConditions), so every search parameter (filter, query, bbox, intersects, datetime,
// ids, collections, a catalog's scope, and whatever a module adds later) selects alike in
// both. Counts are exact: plain SQL counts over the matches, in one statement that reads
// them once (GROUPING SETS), or for the items of whole collections the counts the write path
// keeps (sql/0014). Every output is bounded: at most kMaxAggregations aggregations, each with
// at most `aggregation_buckets` buckets (the most frequent first; the rest is `overflow`).
//
//   auto body = co_await Aggregate(service, db, std::move(request), scope, links_json);

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/pg/connection.hpp"
#include "server/search/query.hpp"
#include "server/search/queryables.hpp"
#include "server/search/request.hpp"
#include "server/search/service.hpp"

namespace stacfed::search {

inline constexpr std::string_view kAggregationConformance =
    "https://api.stacspec.org/v0.3.0/aggregation";

inline constexpr int kDefaultBuckets = 100;
inline constexpr int kMaxBuckets = 10000;
inline constexpr size_t kMaxAggregations = 32;
inline constexpr int kMaxGeohashPrecision = 12;
inline constexpr int kMaxGeotilePrecision = 29;

enum class AggregationKind {
  kTotalCount,           // total_count: how many items match
  kDatetimeMin,          // datetime_min: the earliest datetime (a range's start)
  kDatetimeMax,          // datetime_max: the latest end_datetime (a range's end)
  kDatetimeFrequency,    // datetime_frequency: items per year, month, week, day or hour
  kCollectionFrequency,  // collection_frequency: items per collection
  kTermFrequency,        // <property>_frequency: items per value of a facet
  kGeohashGrid,          // centroid_geohash_grid_frequency: items per geohash cell
  kGeotileGrid,          // centroid_geotile_grid_frequency: items per z/x/y map tile
};

struct AggregationDef {
  std::string name;
  AggregationKind kind = AggregationKind::kTotalCount;
  std::string property;  // kTermFrequency: the facet, as clients name it
  bool array = false;    // kTermFrequency: its values are arrays, each element counts
  // What a bucket's key is ("string", "numeric", "datetime"); empty for single values.
  std::string bucket_type;
  // The data_type of a single value ("integer", "datetime"); "frequency_distribution"
  // for bucketed ones.
  std::string data_type;
};

// The aggregations over items whose properties are `queryables`: the builtin ones, then
// "<name>_frequency" for each facet (cmip6:variable_id_frequency, platform_frequency, ...).
std::vector<AggregationDef> AvailableAggregations(const Queryables& queryables);

// The requested aggregations, in the order asked, from those available; InvalidArgument
// naming the parameter and what is available otherwise.
absl::StatusOr<std::vector<AggregationDef>> ResolveAggregations(
    const AggregationParams& params, const std::vector<AggregationDef>& available);

// The statement computing `aggregations` over the items matching `conditions` (their values
// already bound through `builder`). Its rows: (i, key, n, lo, hi, total): i = -1 once, for
// the count and time range of every match (lo, hi in microseconds since the epoch, NULL
// without matches); otherwise i is the index of a frequency aggregation in `aggregations`
// and the row one of its buckets (at most the bucket limit, in order), total the sum over
// all of its buckets.
struct AggregateQuery {
  Statement statement;
  std::vector<pg::Param> params;
};
AggregateQuery BuildAggregateQuery(const std::vector<AggregationDef>& aggregations,
                                   const AggregationParams& params, const Conditions& conditions,
                                   QueryBuilder builder);

// What the statement (or the collections' item counts) found.
struct AggregateRows {
  struct Bucket {
    std::string key;
    int64_t frequency = 0;
  };
  int64_t count = 0;
  std::optional<Micros> min_datetime;
  std::optional<Micros> max_end_datetime;
  std::map<int, std::vector<Bucket>> buckets;  // by aggregation index
  std::map<int, int64_t> totals;               // by aggregation index
};
absl::StatusOr<AggregateRows> ReadAggregateRows(const pg::Result& rows);

// {"type":"AggregationCollection","aggregations":[...],"links":[<links_inner>]}.
std::string RenderAggregationCollection(const std::vector<AggregationDef>& aggregations,
                                        const AggregationParams& params,
                                        const AggregateRows& rows, std::string_view links_inner);
// The /aggregations document: what may be asked in this scope.
std::string RenderAggregations(const std::vector<AggregationDef>& available,
                               std::string_view links_inner);

// The aggregations of `request` over the items it matches in `scope` (its catalog or
// collection; NotFound when that does not exist): the response body.
boost::asio::awaitable<absl::StatusOr<std::string>> Aggregate(const SearchService& service,
                                                             const Executor& db,
                                                             SearchRequest request,
                                                             const SearchScope& scope,
                                                             std::string links_inner);

// The aggregations available in `scope` (NotFound when it does not exist).
boost::asio::awaitable<absl::StatusOr<std::vector<AggregationDef>>> AggregationsOf(
    const SearchService& service, const Executor& db, const SearchScope& scope);

}  // namespace stacfed::search
