#include "server/search/aggregate.hpp"

#include <algorithm>
#include <array>
#include <boost/json/value.hpp>
#include <charconv>
#include <memory>
#include <set>

#include <boost/json/parse.hpp>

#include "absl/container/flat_hash_map.h"
#include "libstac/base/hash.hpp"
#include "libstac/model/facets.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/pg/text_array.hpp"
#include "server/search/core_modules.hpp"
#include "server/search/facet_stats.hpp"
#include "server/search/statements.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 5> kIntervals = {"year", "month", "week", "day", "hour"};
constexpr std::string_view kDefaultInterval = "month";

absl::Status Invalid(std::string_view parameter, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid '", parameter, "': ", why));
}

// ---- the parameters ------------------------------------------------------------------------

absl::Status SetNames(std::vector<std::string> names, SearchRequest& r) {
  if (names.empty()) {
    return Invalid("aggregations", "expected the names of one or more aggregations");
  }
  if (names.size() > kMaxAggregations) {
    return Invalid("aggregations", StrCat("at most ", kMaxAggregations, " may be asked at once"));
  }
  std::set<std::string_view> seen;
  for (const std::string& name : names) {
    if (name.find('\0') != std::string::npos) return Invalid("aggregations", "a name holds NUL");
    if (!seen.insert(name).second) {
      return Invalid("aggregations", StrCat("'", Excerpt(name, 100), "' is asked twice"));
    }
  }
  r.aggregation.names = std::move(names);
  return absl::OkStatus();
}

absl::Status NamesFromQuery(std::string_view value, SearchRequest& r) {
  return SetNames(SplitList(value), r);
}
absl::Status NamesFromJson(const json::value& v, SearchRequest& r) {
  const json::array* array = v.if_array();
  if (array == nullptr) return Invalid("aggregations", "expected an array of aggregation names");
  std::vector<std::string> names;
  for (const json::value& item : *array) {
    if (!item.is_string() || item.get_string().empty()) {
      return Invalid("aggregations", "expected an array of aggregation names");
    }
    names.emplace_back(item.get_string().data(), item.get_string().size());
    if (names.size() > kMaxAggregations) break;  // SetNames says so
  }
  return SetNames(std::move(names), r);
}

absl::Status SetInterval(std::string_view text, SearchRequest& r) {
  for (std::string_view interval : kIntervals) {
    if (text == interval) {
      r.aggregation.datetime_interval = std::string(interval);
      return absl::OkStatus();
    }
  }
  return Invalid("datetime_frequency_interval",
                 StrCat("'", Excerpt(text, 40), "' is not one of year, month, week, day, hour"));
}
absl::Status IntervalFromQuery(std::string_view value, SearchRequest& r) {
  return SetInterval(value, r);
}
absl::Status IntervalFromJson(const json::value& v, SearchRequest& r) {
  if (!v.is_string()) {
    return Invalid("datetime_frequency_interval", "expected one of year, month, week, day, hour");
  }
  return SetInterval(std::string_view(v.get_string().data(), v.get_string().size()), r);
}

// An integer parameter within [low, high].
absl::StatusOr<int> IntegerText(std::string_view name, std::string_view text, int low, int high) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < low ||
      value > high) {
    return Invalid(name, StrCat("'", Excerpt(text, 40), "' is not an integer from ", low, " to ",
                                high));
  }
  return value;
}
absl::StatusOr<int> IntegerJson(std::string_view name, const json::value& v, int low, int high) {
  if (v.is_int64() && v.get_int64() >= low && v.get_int64() <= high) return int(v.get_int64());
  return Invalid(name, StrCat("expected an integer from ", low, " to ", high));
}

constexpr std::string_view kGeohashPrecision = "centroid_geohash_grid_frequency_precision";
constexpr std::string_view kGeotilePrecision = "centroid_geotile_grid_frequency_precision";
constexpr std::string_view kBuckets = "aggregation_buckets";

absl::Status GeohashFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.aggregation.geohash_precision,
                           IntegerText(kGeohashPrecision, value, 1, kMaxGeohashPrecision));
  return absl::OkStatus();
}
absl::Status GeohashFromJson(const json::value& v, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.aggregation.geohash_precision,
                           IntegerJson(kGeohashPrecision, v, 1, kMaxGeohashPrecision));
  return absl::OkStatus();
}
absl::Status GeotileFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.aggregation.geotile_precision,
                           IntegerText(kGeotilePrecision, value, 0, kMaxGeotilePrecision));
  return absl::OkStatus();
}
absl::Status GeotileFromJson(const json::value& v, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.aggregation.geotile_precision,
                           IntegerJson(kGeotilePrecision, v, 0, kMaxGeotilePrecision));
  return absl::OkStatus();
}
absl::Status BucketsFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.aggregation.buckets, IntegerText(kBuckets, value, 1, kMaxBuckets));
  return absl::OkStatus();
}
absl::Status BucketsFromJson(const json::value& v, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.aggregation.buckets, IntegerJson(kBuckets, v, 1, kMaxBuckets));
  return absl::OkStatus();
}

constexpr std::array<Parameter, 5> kParameters = {{
    {"aggregations", NamesFromQuery, NamesFromJson},
    {"datetime_frequency_interval", IntervalFromQuery, IntervalFromJson},
    {kGeohashPrecision, GeohashFromQuery, GeohashFromJson},
    {kGeotilePrecision, GeotileFromQuery, GeotileFromJson},
    {kBuckets, BucketsFromQuery, BucketsFromJson},
}};

class AggregationModuleImpl : public Module {
 public:
  std::string_view Name() const override { return "aggregation"; }
  // The filter and query extensions work on /aggregate as on /search (their parameters are
  // item search parameters): the classes that say so.
  std::vector<std::string_view> Conformance(Family family) const override {
    if (family != Family::kAggregate) return {};
    return {kAggregationConformance, "https://api.stacspec.org/v0.3.0/aggregation#filter",
            "https://api.stacspec.org/v0.3.0/aggregation#query"};
  }
  std::span<const Parameter> Parameters(Family family) const override {
    if (family == Family::kAggregate) return kParameters;
    return {};
  }
  absl::Status Finish(SearchRequest& request, Family family) const override {
    if (family == Family::kAggregate && request.aggregation.names.empty()) {
      return Invalid("aggregations",
                     "required: the names of the aggregations to compute (GET /aggregations "
                     "lists those available)");
    }
    return absl::OkStatus();
  }
};

// ---- the statement ---------------------------------------------------------------------------

// The point a grid aggregation places an item at: its geometry's centroid, within CRS84's
// range (ST_GeoHash refuses anything beyond it).
constexpr std::string_view kPoint =
    "ST_MakePoint(least(greatest(ST_X(c), -180), 180), least(greatest(ST_Y(c), -90), 90))";

// The bucket key of a one-value-per-item aggregation, over the columns of `m` below.
std::string KeyExpression(const AggregationDef& def, const AggregationParams& params,
                          QueryBuilder& builder) {
  switch (def.kind) {
    case AggregationKind::kCollectionFrequency:
      return "collection";
    case AggregationKind::kDatetimeFrequency:
      // The interval's start in UTC, as RFC 3339.
      return StrCat("to_char(date_trunc(",
                    builder.Bind(std::string(params.datetime_interval.value_or(
                        std::string(kDefaultInterval)))),
                    "::text, datetime AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
    case AggregationKind::kTermFrequency:
      return StrCat("properties->>", builder.Bind(def.property), "::text");
    case AggregationKind::kGeohashGrid:
      return StrCat("CASE WHEN NOT ST_IsEmpty(c) THEN ST_GeoHash(", kPoint, ", ",
                    builder.Bind(StrCat(params.geohash_precision.value_or(1))), "::int) END");
    case AggregationKind::kGeotileGrid: {
      // Web Mercator tiles as z/x/y, latitudes clamped to the projection's limit.
      const std::string z = StrCat(builder.Bind(StrCat(params.geotile_precision.value_or(0))),
                                   "::int");
      const std::string lat = "radians(greatest(least(ST_Y(c), 85.0511287798066), "
                              "-85.0511287798066))";
      const std::string tiles = StrCat("(2 ^ ", z, ")");
      return StrCat("CASE WHEN NOT ST_IsEmpty(c) THEN ", z, " || '/' || ",
                    "least(greatest(floor((ST_X(c) + 180) / 360 * ", tiles, "), 0), ", tiles,
                    " - 1)::int8 || '/' || ",
                    "least(greatest(floor((1 - ln(tan(", lat, ") + 1 / cos(", lat,
                    ")) / pi()) / 2 * ", tiles, "), 0), ", tiles, " - 1)::int8 END");
    }
    default:
      return "NULL::text";
  }
}

bool Bucketed(const AggregationDef& def) { return !def.bucket_type.empty(); }

std::string Where(const Conditions& conditions) {
  std::string where = " WHERE true";
  for (const Conditions::Condition& condition : conditions.list) {
    StrAppend(&where, " AND ", condition.sql);
  }
  return where;
}

}  // namespace

std::vector<AggregationDef> AvailableAggregations(const Queryables& queryables) {
  std::vector<AggregationDef> out = {
      {"total_count", AggregationKind::kTotalCount, "", false, "", "integer"},
      {"datetime_min", AggregationKind::kDatetimeMin, "", false, "", "datetime"},
      {"datetime_max", AggregationKind::kDatetimeMax, "", false, "", "datetime"},
      {"datetime_frequency", AggregationKind::kDatetimeFrequency, "", false, "datetime",
       "frequency_distribution"},
      {"collection_frequency", AggregationKind::kCollectionFrequency, "", false, "string",
       "frequency_distribution"},
      {"centroid_geohash_grid_frequency", AggregationKind::kGeohashGrid, "", false, "string",
       "frequency_distribution"},
      {"centroid_geotile_grid_frequency", AggregationKind::kGeotileGrid, "", false, "string",
       "frequency_distribution"},
  };
  const size_t builtin = out.size();
  for (const auto& [name, queryable] : queryables.all()) {
    if (!queryable.facet || !queryable.column.empty()) continue;
    std::string aggregation = StrCat(name, "_frequency");
    bool taken = false;
    for (size_t i = 0; i < builtin; ++i) taken = taken || out[i].name == aggregation;
    if (taken) continue;
    const bool numeric =
        queryable.type == ValueType::kNumber || queryable.type == ValueType::kInteger;
    out.push_back({std::move(aggregation), AggregationKind::kTermFrequency, name, queryable.array,
                   numeric ? "numeric" : "string", "frequency_distribution"});
  }
  return out;
}

absl::StatusOr<std::vector<AggregationDef>> ResolveAggregations(
    const AggregationParams& params, const std::vector<AggregationDef>& available) {
  std::vector<AggregationDef> out;
  for (const std::string& name : params.names) {
    auto found = std::find_if(available.begin(), available.end(),
                              [&](const AggregationDef& def) { return def.name == name; });
    if (found == available.end()) {
      std::string names;
      for (const AggregationDef& def : available) {
        if (names.size() > 2000) {
          names += ", ...";
          break;
        }
        StrAppend(&names, names.empty() ? "" : ", ", def.name);
      }
      return Invalid("aggregations", StrCat("unknown aggregation '", Excerpt(name, 100),
                                            "'; available here: ", names));
    }
    out.push_back(*found);
  }
  return out;
}

AggregateQuery BuildAggregateQuery(const std::vector<AggregationDef>& aggregations,
                                   const AggregationParams& params, const Conditions& conditions,
                                   QueryBuilder builder) {
  const std::string where = Where(conditions);
  bool grid = false;
  for (const AggregationDef& def : aggregations) {
    grid = grid || def.kind == AggregationKind::kGeohashGrid ||
           def.kind == AggregationKind::kGeotileGrid;
  }
  // The matches, read once: the time range and one key per one-value aggregation, grouped
  // by every key separately and by none (GROUPING SETS: one pass, one hash table per key).
  // The centroid is computed once per row (OFFSET 0 keeps the subquery from being inlined
  // into every use of it).
  const std::string matches =
      StrCat("SELECT collection, datetime, end_datetime, properties",
             grid ? ", ST_Centroid(geometry) AS c" : "", " FROM stacfed.items", where,
             grid ? " OFFSET 0" : "");
  std::string keys, sets = "()", grouping, set_of, key_of;
  std::vector<std::pair<int, std::string>> one_value;  // (aggregation index, key expression)
  std::vector<int> arrays;
  for (size_t i = 0; i < aggregations.size(); ++i) {
    const AggregationDef& def = aggregations[i];
    if (!Bucketed(def)) continue;
    if (def.kind == AggregationKind::kTermFrequency && def.array) {
      arrays.push_back(int(i));
    } else {
      one_value.emplace_back(int(i), KeyExpression(def, params, builder));
    }
  }
  const size_t n = one_value.size();
  for (size_t k = 0; k < n; ++k) {
    StrAppend(&keys, ", ", one_value[k].second, " AS k", k);
    StrAppend(&sets, ", (k", k, ")");
    StrAppend(&grouping, k > 0 ? ", " : "", "k", k);
  }
  constexpr std::string_view kRange =
      "count(*) AS n, (extract(epoch FROM min(datetime)) * 1000000)::int8 AS lo,"
      " (extract(epoch FROM max(end_datetime)) * 1000000)::int8 AS hi";
  std::string passes;
  if (n == 0) {
    passes = StrCat("SELECT -1 AS i, NULL::text AS key, ", kRange, " FROM (", matches, ") m");
  } else {
    // GROUPING(k0, ..., kn-1) has a bit set, the first key's the highest, for each key a
    // row is not grouped by: a row of the set (kj) has every bit but j's.
    const uint64_t all = (uint64_t{1} << n) - 1;
    for (size_t k = 0; k < n; ++k) {
      const uint64_t mask = all & ~(uint64_t{1} << (n - 1 - k));
      StrAppend(&set_of, " WHEN ", mask, " THEN ", one_value[k].first);
      StrAppend(&key_of, " WHEN ", mask, " THEN k", k, "::text");
    }
    passes = StrCat("SELECT CASE GROUPING(", grouping, ")", set_of, " ELSE -1 END AS i, CASE GROUPING(",
                    grouping, ")", key_of, " END AS key, ", kRange,
                    " FROM (SELECT datetime, end_datetime", keys, " FROM (", matches,
                    ") m0) m GROUP BY GROUPING SETS (", sets, ")");
  }
  // An array facet counts the items holding each element (once per item), in its own pass.
  for (int i : arrays) {
    const std::string p = StrCat(builder.Bind(aggregations[size_t(i)].property), "::text");
    StrAppend(&passes, " UNION ALL SELECT ", i, ", e, count(*), NULL::int8, NULL::int8",
              " FROM stacfed.items CROSS JOIN LATERAL (SELECT DISTINCT e FROM",
              " jsonb_array_elements_text(CASE jsonb_typeof(properties->", p,
              ") WHEN 'array' THEN properties->", p, " ELSE jsonb_build_array(properties->", p,
              ") END) e) x", where, " AND properties ? ", p, " GROUP BY e");
  }
  // Buckets: the most frequent first (ties by key), but time intervals in time order.
  std::string by_time;
  for (size_t i = 0; i < aggregations.size(); ++i) {
    if (aggregations[i].kind == AggregationKind::kDatetimeFrequency) {
      StrAppend(&by_time, by_time.empty() ? "" : ", ", i);
    }
  }
  const std::string order =
      by_time.empty() ? "n DESC, key" : StrCat("CASE WHEN i IN (", by_time, ") THEN 0 ELSE n END DESC, key");
  const std::string limit = builder.Bind(StrCat(params.buckets.value_or(kDefaultBuckets)));
  std::string sql = StrCat(
      "SELECT i, key, n, lo, hi, total FROM (SELECT i, key, n, lo, hi,"
      " sum(n) OVER (PARTITION BY i)::int8 AS total, row_number() OVER (PARTITION BY i ORDER BY ",
      order, ") AS r FROM (", passes, ") a WHERE i < 0 OR key IS NOT NULL) b WHERE r <= ", limit,
      "::int ORDER BY i, r");
  AggregateQuery query;
  query.statement.name = StrCat("aggregate_", absl::Hex(StableHash64(sql), absl::kZeroPad16));
  query.statement.sql = std::move(sql);
  // Planned with its values: it runs once per request, and a filter's facet values tell the
  // GIN index from a scan.
  query.statement.plan = pg::Plan::kCustom;
  query.params = builder.TakeParams();
  return query;
}

namespace {

template <typename T>
bool NumberOf(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

absl::StatusOr<AggregateRows> ReadAggregateRows(const pg::Result& rows) {
  AggregateRows out;
  for (int r = 0; r < rows.Rows(); ++r) {
    int i = 0;
    int64_t n = 0;
    if (!NumberOf(rows.Get(r, 0), i) || !NumberOf(rows.Get(r, 2), n)) {
      return absl::InternalError("an aggregation row does not parse");
    }
    if (i < 0) {
      out.count = n;
      int64_t micros = 0;
      if (!rows.IsNull(r, 3) && NumberOf(rows.Get(r, 3), micros)) out.min_datetime = micros;
      if (!rows.IsNull(r, 4) && NumberOf(rows.Get(r, 4), micros)) out.max_end_datetime = micros;
      continue;
    }
    out.buckets[i].push_back({std::string(rows.Get(r, 1)), n});
    int64_t total = 0;
    if (NumberOf(rows.Get(r, 5), total)) out.totals[i] = total;
  }
  return out;
}

namespace {

void AppendDatetime(std::string& out, const std::optional<Micros>& value) {
  if (value) {
    AppendJsonString(out, FormatRfc3339(*value));
  } else {
    out += "null";
  }
}

}  // namespace

std::string RenderAggregationCollection(const std::vector<AggregationDef>& aggregations,
                                        const AggregationParams& params,
                                        const AggregateRows& rows, std::string_view links_inner) {
  std::string out = R"({"type":"AggregationCollection","aggregations":[)";
  for (size_t i = 0; i < aggregations.size(); ++i) {
    const AggregationDef& def = aggregations[i];
    if (i > 0) out += ',';
    out += R"({"name":)";
    AppendJsonString(out, def.name);
    out += R"(,"data_type":)";
    AppendJsonString(out, def.data_type);
    switch (def.kind) {
      case AggregationKind::kTotalCount:
        StrAppend(&out, R"(,"value":)", rows.count);
        break;
      case AggregationKind::kDatetimeMin:
        out += R"(,"value":)";
        AppendDatetime(out, rows.min_datetime);
        break;
      case AggregationKind::kDatetimeMax:
        out += R"(,"value":)";
        AppendDatetime(out, rows.max_end_datetime);
        break;
      default: {
        if (def.kind == AggregationKind::kDatetimeFrequency) {
          out += R"(,"interval":)";
          AppendJsonString(out, params.datetime_interval.value_or(std::string(kDefaultInterval)));
        }
        out += R"(,"buckets":[)";
        int64_t listed = 0;
        auto found = rows.buckets.find(int(i));
        if (found != rows.buckets.end()) {
          bool first = true;
          for (const AggregateRows::Bucket& bucket : found->second) {
            if (!first) out += ',';
            first = false;
            out += R"({"key":)";
            AppendJsonString(out, bucket.key);
            out += R"(,"data_type":)";
            AppendJsonString(out, def.bucket_type);
            StrAppend(&out, R"(,"frequency":)", bucket.frequency, "}");
            listed += bucket.frequency;
          }
        }
        auto total = rows.totals.find(int(i));
        StrAppend(&out, R"(],"overflow":)",
                  total == rows.totals.end() ? 0 : std::max<int64_t>(total->second - listed, 0));
      }
    }
    out += '}';
  }
  StrAppend(&out, R"(],"links":[)", links_inner, "]}");
  return out;
}

std::string RenderAggregations(const std::vector<AggregationDef>& available,
                               std::string_view links_inner) {
  std::string out = R"({"type":"AggregationCollection","aggregations":[)";
  for (size_t i = 0; i < available.size(); ++i) {
    const AggregationDef& def = available[i];
    if (i > 0) out += ',';
    out += R"({"name":)";
    AppendJsonString(out, def.name);
    out += R"(,"data_type":)";
    AppendJsonString(out, def.data_type);
    if (!def.bucket_type.empty()) {
      out += R"(,"frequency_distribution_data_type":)";
      AppendJsonString(out, def.bucket_type);
    }
    if (!def.property.empty()) {
      out += R"(,"property":)";
      AppendJsonString(out, def.property);
    }
    out += '}';
  }
  StrAppend(&out, R"(],"links":[)", links_inner, "]}");
  return out;
}

namespace {

using Narrowed = std::optional<std::vector<std::string>>;

// The collections of a scope and whether it exists: a collection's own, a catalog's
// closure, or (empty) every collection.
struct ScopeCollections {
  std::vector<std::string> collections;
  bool catalog = false;
};

boost::asio::awaitable<absl::StatusOr<ScopeCollections>> CollectionsOf(
    const SearchService& service, const Executor& db, const SearchScope& scope) {
  ScopeCollections out;
  if (!scope.collection.empty()) {
    std::vector<pg::Param> params;
    params.emplace_back(scope.collection);
    STACFED_CO_ASSIGN_OR_RETURN(
        pg::Result exists,
        co_await db.Run(Cost::kCheap, statements::kCollectionExists, std::move(params)));
    if (exists.Rows() == 0) {
      co_return absl::NotFoundError(StrCat("collection '", scope.collection, "' does not exist"));
    }
    out.collections = {scope.collection};
  }
  if (!scope.catalog.empty()) {
    STACFED_CO_ASSIGN_OR_RETURN(Narrowed in_catalog,
                                co_await service.CatalogCollections(db, scope.catalog));
    if (!in_catalog) {
      co_return absl::NotFoundError(StrCat("catalog '", scope.catalog, "' does not exist"));
    }
    out.collections = std::move(*in_catalog);
    out.catalog = true;
  }
  co_return out;
}

// The queryables of a scope's items (a catalog without collections has only the builtin ones).
boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const Queryables>>> QueryablesOfScope(
    const SearchService& service, const Executor& db, const ScopeCollections& scope) {
  if (scope.catalog && scope.collections.empty()) {
    co_return std::make_shared<const Queryables>(Queryables::Builtin());
  }
  co_return co_await service.QueryablesOf(db, scope.collections);
}

// Whether the counts the write path keeps per collection can answer every aggregation of a
// search of whole collections: item counts, time ranges and facet values (of string facets;
// FacetCountsOf may still find that it cannot).
bool CountedByCollections(const std::vector<AggregationDef>& aggregations) {
  for (const AggregationDef& def : aggregations) {
    switch (def.kind) {
      case AggregationKind::kTotalCount:
      case AggregationKind::kCollectionFrequency:
      case AggregationKind::kDatetimeMin:
      case AggregationKind::kDatetimeMax:
        break;
      case AggregationKind::kTermFrequency:
        if (def.bucket_type != "string") return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

pg::Param CollectionsParam(const std::vector<std::string>& collections) {
  return collections.empty() ? pg::Param() : pg::Param(pg::TextArrayLiteral(collections));
}

// The most frequent `limit` buckets (ties by key) of `counts`, and their total.
void TopBuckets(const std::map<std::string, int64_t>& counts, int limit, int index,
                AggregateRows& out) {
  std::vector<AggregateRows::Bucket> buckets;
  int64_t total = 0;
  for (const auto& [key, n] : counts) {
    if (n <= 0) continue;
    buckets.push_back({key, n});
    total += n;
  }
  std::sort(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) {
    return a.frequency != b.frequency ? a.frequency > b.frequency : a.key < b.key;
  });
  if (buckets.size() > size_t(limit)) buckets.resize(size_t(limit));
  out.buckets[index] = std::move(buckets);
  out.totals[index] = total;
}

// A "{a,b}" array literal of JSON type names: whether every one is in `allowed`.
bool TypesWithin(std::string_view literal, std::initializer_list<std::string_view> allowed) {
  if (literal.size() < 2) return false;
  for (const std::string& type : SplitList(literal.substr(1, literal.size() - 2))) {
    if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) return false;
  }
  return true;
}

// The term frequencies of string facets over whole collections (every one when
// `collections` is empty), from the per-collection counts of facet digests (sql/0016): for
// each collection and facet, the digests of the values its items hold (sql/0012 lists them
// while they are at most 100) looked up. nullopt when that is not exact: a collection holds
// too many values to list, values that are not strings, items whose facets overflowed
// (FacetOverflowHash) or whose facets are still to be computed; the matches are then counted.
boost::asio::awaitable<absl::StatusOr<bool>> FacetCountsOf(
    const Executor& db, const std::vector<AggregationDef>& aggregations,
    const std::vector<std::string>& collections, int bucket_limit, AggregateRows& out) {
  std::vector<std::string> names;
  for (const AggregationDef& def : aggregations) {
    if (def.kind == AggregationKind::kTermFrequency) names.push_back(def.property);
  }
  if (names.empty()) co_return true;
  std::vector<pg::Param> params;
  params.emplace_back(pg::TextArrayLiteral(names));
  params.emplace_back(CollectionsParam(collections));
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result values, co_await db.Run(Cost::kCheap, statements::kFacetValues, std::move(params)));
  // digest -> (facet name, value), and the collections holding any of these facets.
  absl::flat_hash_map<int64_t, std::pair<std::string, std::string>> by_digest;
  std::set<std::string> holding;
  std::string digests = StrCat("{", FacetOverflowHash());
  for (int r = 0; r < values.Rows(); ++r) {
    const std::string_view name = values.Get(r, 1);
    bool array = false;
    for (const AggregationDef& def : aggregations) {
      if (def.kind == AggregationKind::kTermFrequency && def.property == name) array = def.array;
    }
    const bool strings = array ? TypesWithin(values.Get(r, 2), {"string", "array", "null"})
                               : TypesWithin(values.Get(r, 2), {"string", "null"});
    if (!strings || values.IsNull(r, 3) || values.Get(r, 4) == "t") co_return false;
    boost::system::error_code ec;
    const std::string_view listed_text = values.Get(r, 3);
    const json::value listed =
        json::parse(json::string_view(listed_text.data(), listed_text.size()), ec);
    if (ec || !listed.is_array()) co_return false;
    for (const json::value& value : listed.get_array()) {
      if (value.is_null()) continue;
      if (!value.is_string()) co_return false;
      std::string text(value.get_string().data(), value.get_string().size());
      const int64_t digest = FacetHash(name, text);
      if (by_digest.emplace(digest, std::pair{std::string(name), std::move(text)}).second) {
        StrAppend(&digests, ",", digest);
      }
    }
    holding.emplace(values.Get(r, 0));
  }
  digests += '}';
  std::map<std::string, std::map<std::string, int64_t>> counts;  // facet -> value -> items
  if (!holding.empty()) {
    std::vector<pg::Param> lookup;
    lookup.emplace_back(pg::TextArrayLiteral(std::vector<std::string>(holding.begin(), holding.end())));
    lookup.emplace_back(digests);
    STACFED_CO_ASSIGN_OR_RETURN(
        pg::Result found, co_await db.Run(Cost::kCheap, statements::kFacetCounts, std::move(lookup)));
    for (int r = 0; r < found.Rows(); ++r) {
      int64_t digest = 0, n = 0;
      if (!NumberOf(found.Get(r, 1), digest) || !NumberOf(found.Get(r, 2), n)) {
        co_return absl::InternalError("a facet count does not parse");
      }
      if (digest == FacetOverflowHash()) co_return false;
      auto it = by_digest.find(digest);
      if (it != by_digest.end()) counts[it->second.first][it->second.second] += n;
    }
  }
  for (size_t i = 0; i < aggregations.size(); ++i) {
    const AggregationDef& def = aggregations[i];
    if (def.kind != AggregationKind::kTermFrequency) continue;
    TopBuckets(counts[def.property], bucket_limit, int(i), out);
  }
  co_return true;
}

// The aggregations of a search of whole collections (CountedByCollections) from what the
// write path keeps per collection: item counts (sql/0014), facet counts (sql/0016), and the
// time range from the ends of the time indexes. As exact as counting the rows, in
// milliseconds at any size; nullopt when the facet counts cannot answer exactly.
boost::asio::awaitable<absl::StatusOr<std::optional<AggregateRows>>> FromCollectionCounts(
    const Executor& db, const std::vector<AggregationDef>& aggregations,
    const std::vector<std::string>& collections, int bucket_limit) {
  AggregateRows out;
  STACFED_CO_ASSIGN_OR_RETURN(bool exact,
                              co_await FacetCountsOf(db, aggregations, collections, bucket_limit, out));
  if (!exact) co_return std::nullopt;
  std::vector<pg::Param> params;
  params.emplace_back(CollectionsParam(collections));
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result rows,
      co_await db.Run(Cost::kCheap, statements::kCollectionItemCounts, std::move(params)));
  std::map<std::string, int64_t> per_collection;
  for (int r = 0; r < rows.Rows(); ++r) {
    int64_t n = 0;
    if (!NumberOf(rows.Get(r, 1), n)) co_return absl::InternalError("an item count does not parse");
    out.count += n;
    per_collection[std::string(rows.Get(r, 0))] = n;
  }
  bool time_range = false;
  for (size_t i = 0; i < aggregations.size(); ++i) {
    const AggregationKind kind = aggregations[i].kind;
    if (kind == AggregationKind::kCollectionFrequency) TopBuckets(per_collection, bucket_limit, int(i), out);
    time_range = time_range || kind == AggregationKind::kDatetimeMin ||
                 kind == AggregationKind::kDatetimeMax;
  }
  if (time_range && out.count > 0) {
    std::vector<pg::Param> range_params;
    range_params.emplace_back(CollectionsParam(collections));
    STACFED_CO_ASSIGN_OR_RETURN(
        pg::Result range,
        co_await db.Run(Cost::kCheap, statements::kCollectionsTimeRange, std::move(range_params)));
    int64_t micros = 0;
    if (range.Rows() == 1 && !range.IsNull(0, 0) && NumberOf(range.Get(0, 0), micros)) {
      out.min_datetime = micros;
    }
    if (range.Rows() == 1 && !range.IsNull(0, 1) && NumberOf(range.Get(0, 1), micros)) {
      out.max_end_datetime = micros;
    }
  }
  co_return out;
}

}  // namespace

boost::asio::awaitable<absl::StatusOr<std::vector<AggregationDef>>> AggregationsOf(
    const SearchService& service, const Executor& db, const SearchScope& scope) {
  STACFED_CO_ASSIGN_OR_RETURN(ScopeCollections in_scope, co_await CollectionsOf(service, db, scope));
  STACFED_CO_ASSIGN_OR_RETURN(std::shared_ptr<const Queryables> queryables,
                              co_await QueryablesOfScope(service, db, in_scope));
  co_return AvailableAggregations(*queryables);
}

boost::asio::awaitable<absl::StatusOr<std::string>> Aggregate(const SearchService& service,
                                                             const Executor& db,
                                                             SearchRequest request,
                                                             const SearchScope& scope,
                                                             std::string links_inner) {
  STACFED_CO_ASSIGN_OR_RETURN(ScopeCollections in_scope, co_await CollectionsOf(service, db, scope));
  // The aggregations and the filter's queryables are the endpoint's (as for a search: what
  // its /aggregations and /queryables list).
  STACFED_CO_ASSIGN_OR_RETURN(std::shared_ptr<const Queryables> queryables,
                              co_await QueryablesOfScope(service, db, in_scope));
  STACFED_CO_ASSIGN_OR_RETURN(
      std::vector<AggregationDef> aggregations,
      ResolveAggregations(request.aggregation, AvailableAggregations(*queryables)));
  SearchRequest searched = request;
  bool nothing = false;
  if (in_scope.catalog) {
    searched.collections = RestrictToScope(searched.collections, in_scope.collections);
    nothing = searched.collections.empty();
  }
  SearchContext context;
  context.queryables = queryables.get();
  context.facet_plan = service.options().facet_plan;
  std::shared_ptr<const FacetStatistics> facet_stats;
  if (!nothing && searched.filter && context.facet_plan == FacetPlan::kAuto) {
    STACFED_CO_ASSIGN_OR_RETURN(facet_stats, co_await service.FacetStatisticsOf(db));
    context.facet_stats = facet_stats.get();
  }
  if (!nothing) {
    STACFED_CO_ASSIGN_OR_RETURN(Narrowed in_time, co_await CollectionsInTime(db, searched));
    if (in_time && in_time->empty()) nothing = true;
    if (in_time) searched.collections = std::move(*in_time);
  }
  if (!nothing) {
    // Many partitions: only those of collections holding items (the statement is planned
    // with its values: PostgreSQL prunes the others before it locks them).
    STACFED_CO_ASSIGN_OR_RETURN(SearchService::Narrowing narrowing,
                                co_await service.NarrowToPopulated(db, searched.collections));
    nothing = narrowing.nothing;
  }
  AggregateRows rows;
  std::optional<AggregateRows> counted;
  if (!nothing && IsCountedByCollection(searched) && CountedByCollections(aggregations)) {
    STACFED_CO_ASSIGN_OR_RETURN(
        counted, co_await FromCollectionCounts(db, aggregations, searched.collections,
                                               request.aggregation.buckets.value_or(kDefaultBuckets)));
  }
  if (nothing) {
    // No collection in scope or in time: every count is 0, without asking for items.
  } else if (counted) {
    rows = std::move(*counted);
  } else {
    QueryBuilder builder;
    Conditions conditions;
    STACFED_CO_RETURN_IF_ERROR(BuildConditions(searched, context, conditions, builder));
    AggregateQuery query =
        BuildAggregateQuery(aggregations, request.aggregation, conditions, std::move(builder));
    // It reads every match: the heavy lane, bounded by the statement timeout.
    const pg::Statement statement{query.statement.name, query.statement.sql,
                                  query.statement.plan};
    STACFED_CO_ASSIGN_OR_RETURN(
        pg::Result result, co_await db.Run(Cost::kExpensive, statement, std::move(query.params)));
    STACFED_CO_ASSIGN_OR_RETURN(rows, ReadAggregateRows(result));
  }
  co_return RenderAggregationCollection(aggregations, request.aggregation, rows, links_inner);
}

const Module& AggregationModule() {
  static const AggregationModuleImpl module;
  return module;
}

}  // namespace stacfed::search
