// The Aggregation extension without a database: its parameters (GET and POST alike, every
// malformed value refused naming the parameter), the aggregations a scope offers, and the
// statement's shape (values only as parameters, one name per shape).
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "libstac/base/strings.hpp"
#include "server/search/aggregate.hpp"
#include "server/search/params.hpp"
#include "server/search/queryables.hpp"
#include "server/search/service.hpp"

namespace stacfed::search {
namespace {

absl::StatusOr<SearchRequest> Get(const QueryParams& params) {
  return ParseQuery(params, Family::kAggregate);
}
absl::StatusOr<SearchRequest> Post(std::string_view body) {
  auto parsed = ParseBody(body, Family::kAggregate);
  if (!parsed.ok()) return parsed.status();
  return parsed->request;
}

// The message of a refused request, which must name `parameter`.
std::string Refusal(const absl::StatusOr<SearchRequest>& parsed, std::string_view parameter) {
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  const std::string message(parsed.status().message());
  INFO(message);
  CHECK(message.find(StrCat("'", parameter, "'")) != std::string::npos);
  return message;
}

Queryables Cmip6Queryables() {
  Queryables q = Queryables::Builtin();
  q.AddPropertyRow("cmip6:variable_id", "{string}", R"(["pr","tas"])", false);
  q.AddPropertyRow("cmip6:realm", "{array,string}", R"(["atmos","ocean"])", true);
  q.AddPropertyRow("eo:cloud_cover", "{integer,number}", std::nullopt, false);
  q.AddPropertyRow("title", "{string}", std::nullopt, false);
  return q;
}

TEST_CASE("aggregation parameters: GET and POST parse into the same request",
          "[aggregate][params]") {
  auto get = Get({{"aggregations", "total_count,cmip6:variable_id_frequency"},
                  {"collections", "a,b"},
                  {"bbox", "-10,-5,10,5"},
                  {"datetime", "2000-01-01T00:00:00Z/.."},
                  {"filter", "cmip6:variable_id = 'tas'"},
                  {"datetime_frequency_interval", "year"},
                  {"centroid_geohash_grid_frequency_precision", "3"},
                  {"centroid_geotile_grid_frequency_precision", "0"},
                  {"aggregation_buckets", "7"}});
  auto post = Post(R"({"aggregations":["total_count","cmip6:variable_id_frequency"],)"
                   R"("collections":["a","b"],"bbox":[-10,-5,10,5],)"
                   R"("datetime":"2000-01-01T00:00:00Z/..",)"
                   R"("filter":{"op":"=","args":[{"property":"cmip6:variable_id"},"tas"]},)"
                   R"("datetime_frequency_interval":"year",)"
                   R"("centroid_geohash_grid_frequency_precision":3,)"
                   R"("centroid_geotile_grid_frequency_precision":0,"aggregation_buckets":7})");
  REQUIRE(get.ok());
  REQUIRE(post.ok());
  CHECK(get->aggregation.names ==
        std::vector<std::string>{"total_count", "cmip6:variable_id_frequency"});
  CHECK(get->aggregation.datetime_interval == "year");
  CHECK(get->aggregation.geohash_precision == 3);
  CHECK(get->aggregation.geotile_precision == 0);
  CHECK(get->aggregation.buckets == 7);
  CHECK(get->filter.has_value());
  // The filter's text forms differ (cql2-text, cql2-json); the rest is equal.
  get->filter_text.reset();
  get->filter_json.reset();
  post->filter_text.reset();
  post->filter_json.reset();
  get->filter_lang.reset();
  post->filter_lang.reset();
  CHECK(*get == *post);
}

TEST_CASE("aggregation parameters: every malformed value is refused, naming it",
          "[aggregate][params]") {
  Refusal(Get({{"collections", "a"}}), "aggregations");  // required
  Refusal(Post(R"({"collections":["a"]})"), "aggregations");
  Refusal(Get({{"aggregations", ""}}), "aggregations");
  Refusal(Get({{"aggregations", ",,"}}), "aggregations");
  Refusal(Get({{"aggregations", "total_count,total_count"}}), "aggregations");
  Refusal(Post(R"({"aggregations":"total_count"})"), "aggregations");
  Refusal(Post(R"({"aggregations":[]})"), "aggregations");
  Refusal(Post(R"({"aggregations":[1]})"), "aggregations");
  Refusal(Post(R"({"aggregations":["a\u0000b"]})"), "aggregations");
  std::string many;
  for (int i = 0; i < 40; ++i) many += StrCat(i > 0 ? "," : "", "a", i);
  Refusal(Get({{"aggregations", many}}), "aggregations");

  Refusal(Get({{"aggregations", "total_count"}, {"datetime_frequency_interval", "decade"}}),
          "datetime_frequency_interval");
  Refusal(Post(R"({"aggregations":["total_count"],"datetime_frequency_interval":1})"),
          "datetime_frequency_interval");
  for (std::string_view bad : {"0", "13", "-1", "1.5", "", "x", "99999999999"}) {
    INFO(bad);
    Refusal(Get({{"aggregations", "total_count"},
                 {"centroid_geohash_grid_frequency_precision", std::string(bad)}}),
            "centroid_geohash_grid_frequency_precision");
  }
  Refusal(Get({{"aggregations", "total_count"}, {"centroid_geotile_grid_frequency_precision", "30"}}),
          "centroid_geotile_grid_frequency_precision");
  Refusal(Post(R"({"aggregations":["total_count"],"centroid_geotile_grid_frequency_precision":"3"})"),
          "centroid_geotile_grid_frequency_precision");
  Refusal(Get({{"aggregations", "total_count"}, {"aggregation_buckets", "0"}}),
          "aggregation_buckets");
  Refusal(Get({{"aggregations", "total_count"}, {"aggregation_buckets", "10001"}}),
          "aggregation_buckets");
  Refusal(Post(R"({"aggregations":["total_count"],"aggregation_buckets":2.5})"),
          "aggregation_buckets");
  // The parameters of a page have no meaning here; search parameters keep their checks.
  for (std::string_view page : {"limit", "token", "sortby"}) {
    INFO(page);
    auto parsed = Get({{"aggregations", "total_count"}, {std::string(page), "1"}});
    REQUIRE_FALSE(parsed.ok());
    CHECK(std::string(parsed.status().message()).find(StrCat("'", page, "'")) !=
          std::string::npos);
  }
  Refusal(Get({{"aggregations", "total_count"}, {"bbox", "1,2,3"}}), "bbox");
  Refusal(Get({{"aggregations", "total_count"}, {"datetime", "not a time"}}), "datetime");
  // Aggregation parameters are not search parameters.
  CHECK_FALSE(ParseQuery({{"aggregations", "total_count"}}, Family::kItemSearch).ok());
}

TEST_CASE("the aggregations of a scope: builtin ones and one per facet", "[aggregate]") {
  const std::vector<AggregationDef> available = AvailableAggregations(Cmip6Queryables());
  std::map<std::string, AggregationDef> by_name;
  for (const AggregationDef& def : available) by_name[def.name] = def;
  for (std::string_view name :
       {"total_count", "datetime_min", "datetime_max", "datetime_frequency",
        "collection_frequency", "centroid_geohash_grid_frequency",
        "centroid_geotile_grid_frequency", "cmip6:variable_id_frequency",
        "cmip6:realm_frequency"}) {
    INFO(name);
    CHECK(by_name.contains(std::string(name)));
  }
  CHECK(by_name.at("cmip6:realm_frequency").array);
  CHECK(by_name.at("cmip6:variable_id_frequency").property == "cmip6:variable_id");
  // Not facets: a number and free text.
  CHECK_FALSE(by_name.contains("eo:cloud_cover_frequency"));
  CHECK_FALSE(by_name.contains("title_frequency"));

  AggregationParams params;
  params.names = {"total_count", "nope_frequency"};
  auto resolved = ResolveAggregations(params, available);
  REQUIRE_FALSE(resolved.ok());
  const std::string message(resolved.status().message());
  CHECK(message.find("'aggregations'") != std::string::npos);
  CHECK(message.find("'nope_frequency'") != std::string::npos);
  CHECK(message.find("cmip6:variable_id_frequency") != std::string::npos);
  params.names = {"cmip6:variable_id_frequency", "total_count"};
  resolved = ResolveAggregations(params, available);
  REQUIRE(resolved.ok());
  CHECK((*resolved)[0].kind == AggregationKind::kTermFrequency);
  CHECK((*resolved)[1].kind == AggregationKind::kTotalCount);
}

AggregateQuery Build(const std::vector<std::string>& names, const SearchRequest& request) {
  static const Queryables queryables = Cmip6Queryables();
  AggregationParams params = request.aggregation;
  params.names = names;
  auto aggregations = ResolveAggregations(params, AvailableAggregations(queryables));
  REQUIRE(aggregations.ok());
  QueryBuilder builder;
  Conditions conditions;
  REQUIRE(BuildConditions(request, SearchContext{&queryables}, conditions, builder).ok());
  return BuildAggregateQuery(*aggregations, params, conditions, std::move(builder));
}

TEST_CASE("aggregation statements: values only as parameters, one statement per shape",
          "[aggregate][sql]") {
  SearchRequest request;
  request.collections = {"secret-collection"};
  request.aggregation.datetime_interval = "week";
  request.aggregation.geohash_precision = 7;
  request.aggregation.buckets = 4321;
  const std::vector<std::string> all = {
      "total_count", "datetime_min", "datetime_max", "datetime_frequency",
      "collection_frequency", "cmip6:variable_id_frequency", "cmip6:realm_frequency",
      "centroid_geohash_grid_frequency", "centroid_geotile_grid_frequency"};
  const AggregateQuery query = Build(all, request);
  const std::string& sql = query.statement.sql;
  INFO(sql);
  for (const pg::Param& p : query.params) {
    REQUIRE(p.has_value());
    if (p->size() > 1) CHECK(sql.find(*p) == std::string::npos);  // never inlined
  }
  for (std::string_view value : {"secret-collection", "cmip6:variable_id", "cmip6:realm", "week",
                                 "4321"}) {
    CHECK(std::find(query.params.begin(), query.params.end(), std::string(value)) !=
          query.params.end());
  }
  // One pass over the matches for every one-value aggregation, one per array facet.
  CHECK(sql.find("GROUPING SETS ((), (k0), (k1), (k2), (k3), (k4))") != std::string::npos);
  CHECK(sql.find("jsonb_array_elements_text") != std::string::npos);
  CHECK(query.statement.plan == pg::Plan::kCustom);
  CHECK(query.statement.name.starts_with("aggregate_"));

  // Other values, same shape: the same statement.
  SearchRequest other = request;
  other.collections = {"another"};
  other.aggregation.datetime_interval = "day";
  other.aggregation.buckets = 3;
  const AggregateQuery same = Build(all, other);
  CHECK(same.statement.name == query.statement.name);
  CHECK(same.statement.sql == query.statement.sql);
  // Another shape: another statement.
  const AggregateQuery fewer = Build({"total_count"}, other);
  CHECK(fewer.statement.name != query.statement.name);
  CHECK(fewer.statement.sql.find("GROUPING") == std::string::npos);
  other.bbox = Bbox{0, 0, 1, 1};
  const AggregateQuery spatial = Build(all, other);
  CHECK(spatial.statement.name != query.statement.name);
  CHECK(spatial.statement.sql.find("ST_Intersects") != std::string::npos);
}

TEST_CASE("aggregation results: rows into the AggregationCollection", "[aggregate][render]") {
  AggregationParams params;
  params.names = {"total_count", "datetime_min", "collection_frequency"};
  auto aggregations = ResolveAggregations(params, AvailableAggregations(Queryables::Builtin()));
  REQUIRE(aggregations.ok());
  AggregateRows rows;
  rows.count = 5;
  rows.min_datetime = 0;
  rows.buckets[2] = {{"a", 3}, {"b", 1}};
  rows.totals[2] = 5;
  const std::string body = RenderAggregationCollection(*aggregations, params, rows, "");
  CHECK(body ==
        R"({"type":"AggregationCollection","aggregations":[)"
        R"({"name":"total_count","data_type":"integer","value":5},)"
        R"({"name":"datetime_min","data_type":"datetime","value":"1970-01-01T00:00:00Z"},)"
        R"({"name":"collection_frequency","data_type":"frequency_distribution","buckets":[)"
        R"({"key":"a","data_type":"string","frequency":3},)"
        R"({"key":"b","data_type":"string","frequency":1}],"overflow":1}],"links":[]})");
}

}  // namespace
}  // namespace stacfed::search
