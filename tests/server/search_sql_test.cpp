// Search statement shapes and the count cache, without a database.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "libstac/pg/text_array.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/facet_stats.hpp"
#include "server/search/query.hpp"
#include "server/search/queryables.hpp"
#include "server/search/service.hpp"
#include "server/search/sort.hpp"
#include "server/search/statements.hpp"

namespace stacfed::search {
namespace {

SearchQuery Build(const SearchRequest& request, int64_t count_limit) {
  static const Queryables queryables = Queryables::Builtin();
  absl::StatusOr<SearchQuery> query =
      BuildSearchQuery(request, SearchContext{&queryables}, count_limit);
  REQUIRE(query.ok());
  return *std::move(query);
}

TEST_CASE("one stable statement per shape, values only as parameters", "[search][sql]") {
  std::map<std::string, std::string> sql_by_name;
  auto check = [&](const SearchRequest& request) {
    const SearchQuery query = Build(request, 100);
    const std::string sql(query.page.sql);
    for (const pg::Param& p : query.params) {
      if (p && p->size() > 3) CHECK(sql.find(*p) == std::string::npos);  // never inlined
    }
    if (query.page.name.empty()) return;
    auto [it, inserted] = sql_by_name.emplace(query.page.name, sql);
    CHECK(it->second == sql);  // a name always means the same SQL text
  };
  SearchRequest request;
  check(request);
  request.collections = {"secret-collection"};
  check(request);
  request.collections = {"a", "b", "c"};
  check(request);
  request.ids = {"secret-id"};
  check(request);
  request.datetime = DatetimeInterval{0, 1000};
  check(request);
  request.token = PageToken{PageToken::Direction::kPrev, {"5", "token-collection", "token-id"}, 3, ""};
  check(request);
  request.collections = {"x"};
  check(request);
  CHECK(sql_by_name.size() == 7);
}

TEST_CASE("collection lists are padded to a few arities, long ones use an array",
          "[search][sql]") {
  SearchRequest request;
  request.collections = {"a", "b", "c"};
  SearchQuery three = Build(request, 100);
  request.collections = {"a", "b", "c", "d"};
  SearchQuery four = Build(request, 100);
  CHECK(three.page.name == four.page.name);  // both padded to 4
  CHECK(three.params[3] == "c");                       // the last name repeated
  CHECK(std::string(three.page.sql).find("collection IN ($1::text, $2::text, $3::text, "
                                              "$4::text)") != std::string::npos);
  request.collections.assign(40, "many");
  const SearchQuery array = Build(request, 100);
  CHECK(std::string(array.page.sql).find("collection = ANY($1::text[])") !=
        std::string::npos);
  CHECK(array.params[0]->starts_with("{\"many\","));
}

TEST_CASE("every search is prepared, the geometry parsed once; first pages have a count statement",
          "[search][sql]") {
  SearchRequest request;
  request.bbox = Bbox{0, 0, 1, 1};
  const SearchQuery spatial = Build(request, 100);
  CHECK_FALSE(spatial.page.name.empty());
  CHECK_FALSE(spatial.count.name.empty());
  CHECK_FALSE(spatial.count.sql.empty());
  // In a generic plan a parameter is not folded: the GeoJSON must be parsed in an InitPlan,
  // not once per row tested.
  const std::string sql(spatial.page.sql);
  CHECK(sql.find("(SELECT ST_GeomFromGeoJSON($1::text))") != std::string::npos);
  CHECK(sql.find("(ST_GeomFromGeoJSON(") == std::string::npos);
  request.bbox.reset();
  const SearchQuery plain = Build(request, 100);
  CHECK_FALSE(plain.page.name.empty());
  CHECK(plain.count_params.back() == "101");  // counts one past the limit to detect "more"
  request.token = PageToken{PageToken::Direction::kNext, {"5", "c", "i"}, 3, ""};
  CHECK(Build(request, 100).count.sql.empty());
}

TEST_CASE("a search of one known collection reads that collection's partition",
          "[search][sql]") {
  static const Queryables queryables = Queryables::Builtin();
  const std::string table = "stacfed.items_0123456789abcdef";
  SearchContext context{&queryables};
  context.partition_table = &table;
  SearchRequest request;
  request.collections = {"one"};
  auto build = [&] {
    absl::StatusOr<SearchQuery> query = BuildSearchQuery(request, context, 100);
    REQUIRE(query.ok());
    return *std::move(query);
  };
  const SearchQuery first = build();
  CHECK(first.page.sql.find("FROM stacfed.items_0123456789abcdef WHERE") != std::string::npos);
  CHECK(first.page.sql.find("FROM stacfed.items ") == std::string::npos);
  CHECK(first.count.sql.find("FROM stacfed.items_0123456789abcdef WHERE") != std::string::npos);
  CHECK(first.page.name != Build(request, 100).page.name);  // not the partitioned table's
  // Both ranges of a later page, and the walks of a filter.
  request.token = PageToken{PageToken::Direction::kNext, {"5", "one", "i"}, 3, ""};
  const SearchQuery later = build();
  CHECK(later.page.sql.find("FROM stacfed.items ") == std::string::npos);
  CHECK(later.page.sql.find("UNION ALL (SELECT collection, id, (extract(epoch FROM datetime) "
                            "* 1000000)::int8 AS t, content, links FROM "
                            "stacfed.items_0123456789abcdef") != std::string::npos);
  // Not for two collections: the partition is one collection's.
  request.token.reset();
  request.collections = {"one", "two"};
  CHECK(build().page.sql.find("FROM stacfed.items WHERE") != std::string::npos);

  CHECK(PartitionTable("items_0123456789abcdef") == table);
  CHECK_FALSE(PartitionTable("items_").has_value());
  CHECK_FALSE(PartitionTable("items_ABCDEF").has_value());
  CHECK_FALSE(PartitionTable("items_ab; DROP TABLE x").has_value());
  CHECK_FALSE(PartitionTable("other_0123").has_value());
  CHECK_FALSE(PartitionTable(std::string("items_") + std::string(60, 'a')).has_value());

  // An item by id reads the partition too, as a statement of its own.
  const statements::OwnedStatement item = statements::ItemById(table);
  CHECK(item.sql.find("LEFT JOIN stacfed.items_0123456789abcdef i ON") != std::string::npos);
  CHECK(item.name != statements::ItemById(kItemsTable).name);
  CHECK(statements::ItemById(kItemsTable).sql.find("LEFT JOIN stacfed.items i ON") !=
        std::string::npos);
}

TEST_CASE("text array literals quote every element", "[search][sql]") {
  CHECK(pg::TextArrayLiteral({"a", "b\"c", "d\\e", "f,g", ""}) ==
        R"({"a","b\"c","d\\e","f,g",""})");
  CHECK(pg::TextArrayLiteral({}) == "{}");
  CHECK(pg::TextArrayLiteral({"NULL", "x y", "{}"}) == R"({"NULL","x y","{}"})");
}

TEST_CASE("searches are cheap or expensive by what can make them read more than a page",
          "[search][sql]") {
  SearchRequest plain;
  plain.collections = {"a", "b"};
  CHECK_FALSE(IsExpensiveSearch(plain));
  SearchRequest ids = plain;
  ids.ids.assign(kCheapMaxIds, "x");
  CHECK_FALSE(IsExpensiveSearch(ids));
  ids.ids.push_back("one more");
  CHECK(IsExpensiveSearch(ids));
  SearchRequest spatial = plain;
  spatial.bbox = Bbox{0, 0, 1, 1};
  CHECK(IsExpensiveSearch(spatial));
  SearchRequest timed = plain;
  timed.datetime = DatetimeInterval{0, 1};
  CHECK(IsExpensiveSearch(timed));
  SearchRequest large = plain;
  large.limit = kCheapMaxLimit + 1;
  CHECK(IsExpensiveSearch(large));
  SearchRequest many;
  many.collections.assign(kCheapMaxCollections + 1, "c");
  CHECK(IsExpensiveSearch(many));
}

TEST_CASE("facet statistics parse PostgreSQL's arrays and estimate conjunctions",
          "[search][sql]") {
  // Two digests with their frequencies, then the minimum, maximum and null fraction.
  std::optional<FacetStatistics> stats =
      FacetStatistics::Parse("{-7,42}", "{0.5,0.01,0.01,0.5,0}", 1000);
  REQUIRE(stats);
  CHECK(stats->items() == 1000);
  CHECK(stats->Estimate({{-7}}) == Approx(500));
  CHECK(stats->Estimate({{-7}, {42}}) == Approx(5));   // independent: multiplied
  CHECK(stats->Estimate({{-7, 42}}) == Approx(510));   // one of several: added
  CHECK(stats->Estimate({{99}}) == Approx(5));         // unlisted: half the least frequent
  CHECK(stats->Estimate({{-7, -7, -7}}) == Approx(1000));  // never above every item
  CHECK_FALSE(FacetStatistics::Parse("{-7,42}", "{0.5,0.01}", 1000));  // no trailer
  CHECK_FALSE(FacetStatistics::Parse("{-7,x}", "{0.5,0.01,0.01,0.5,0}", 1000));
  CHECK_FALSE(FacetStatistics::Parse("-7,42", "{0.5,0.01,0.01,0.5,0}", 1000));
  CHECK(FacetStatistics::Parse("{}", "{0,0,0}", 0));
}

TEST_CASE("a filter whose matches are few asks the facets' index first", "[search][sql]") {
  auto page = [](std::optional<IndexEstimate> index) {
    Conditions conditions;
    conditions.Add("facets && $1::int8[]", Conditions::Kind::kFilter, index);
    absl::StatusOr<SearchQuery> query =
        AssembleSearch(conditions, QueryBuilder(), SortSpec::Default(), nullptr, 10, 100);
    REQUIRE(query.ok());
    return query->page.sql;
  };
  constexpr std::string_view kIndexFirst = "WITH indexed AS MATERIALIZED";
  // No estimate (never analyzed, or a filter the index cannot answer alone): the walk.
  CHECK(page(std::nullopt).find(kIndexFirst) == std::string::npos);
  CHECK(page(std::nullopt).find("WITH hits") != std::string::npos);
  // Few matches among many items: the index, bounded, with the walk as its fallback.
  const std::string indexed = page(IndexEstimate{.matches = 100, .items = 1e6});
  CHECK(indexed.starts_with(kIndexFirst));
  CHECK(indexed.find(StrCat("LIMIT ", kIndexProbeRows)) != std::string::npos);
  CHECK(indexed.find("WITH hits") != std::string::npos);
  // Many matches: a short walk fills the page.
  CHECK(page(IndexEstimate{.matches = 50000, .items = 1e6}).find(kIndexFirst) == std::string::npos);
  // Matches dense enough that a walk of kWalkRows fills the page, however few.
  CHECK(page(IndexEstimate{.matches = 100, .items = 200}).find(kIndexFirst) == std::string::npos);
}

// Queryables of the builtin fields and three properties, as the write path records them.
Queryables SortQueryables() {
  Queryables queryables = Queryables::Builtin();
  queryables.AddPropertyRow("eo:cloud_cover", "{number}", std::nullopt, false);
  queryables.AddPropertyRow("platform", "{string}", std::nullopt, false);
  queryables.AddPropertyRow("instruments", "{string}", std::nullopt, true);
  return queryables;
}

TEST_CASE("a token past its tie group pages by the datetime alone", "[search][sort]") {
  for (const bool ascending : {false, true}) {
    INFO(ascending);
    QueryBuilder sort_builder;
    auto order = SortSpecFor({{"datetime", !ascending}}, SortQueryables(), sort_builder);
    REQUIRE(order.ok());
    PageToken token{PageToken::Direction::kNext, {"7", "c", "i"}, std::nullopt, "fp"};
    QueryBuilder tied;
    auto within = order->KeysetRangesOf(token, tied);
    REQUIRE(within.ok());
    CHECK_FALSE(within->tied.empty());
    CHECK(tied.params().size() == 3);

    token.past_ties = true;
    QueryBuilder past;
    auto beyond = order->KeysetRangesOf(token, past);
    REQUIRE(beyond.ok());
    CHECK(beyond->tied.empty());
    CHECK(beyond->beyond.empty());
    CHECK(beyond->after == within->beyond);  // only the rows past the token's datetime
    REQUIRE(past.params().size() == 1);       // the other keys are not bound
    CHECK(past.params()[0] == tied.params()[0]);
  }
  // An order that does not lead with the datetime ignores the flag.
  QueryBuilder builder;
  auto by_id = SortSpecFor({{"id", true}}, SortQueryables(), builder);
  REQUIRE(by_id.ok());
  PageToken token{PageToken::Direction::kNext, {}, std::nullopt, "fp", true};
  token.keys.assign(by_id->keys().size(), "i");
  auto ranges = by_id->KeysetRangesOf(token, builder);
  REQUIRE(ranges.ok());
  CHECK_THAT(ranges->after, Catch::Contains("OR"));
}

TEST_CASE("a sortby is the order of its fields, then collection and id", "[search][sort]") {
  const Queryables queryables = SortQueryables();
  QueryBuilder builder;
  // The default order, asked for.
  auto same = SortSpecFor({{"datetime", true}}, queryables, builder);
  REQUIRE(same.ok());
  CHECK(*same == SortSpec::Default());
  CHECK(builder.params().empty());
  // datetime ascending walks the same index backwards: the ties run against it.
  auto ascending = SortSpecFor({{"datetime", false}}, queryables, builder);
  REQUIRE(ascending.ok());
  REQUIRE(ascending->keys().size() == 3);
  CHECK_FALSE(ascending->keys()[0].descending);
  CHECK(ascending->keys()[1].descending);
  CHECK(ascending->keys()[2].descending);
  CHECK(ascending->OrderBy(false) == " ORDER BY datetime, collection DESC, id DESC");
  CHECK(ascending->OrderBy(true) == " ORDER BY datetime DESC, collection ASC, id ASC");
  // A property: whether it is missing, then its value, its name bound.
  auto cloud = SortSpecFor({{"properties.eo:cloud_cover", true}, {"id", false}}, queryables, builder);
  REQUIRE(cloud.ok());
  REQUIRE(cloud->keys().size() == 4);
  CHECK(builder.params().back() == pg::Param("eo:cloud_cover"));
  CHECK_THAT(cloud->keys()[0].sql, Catch::Contains("IS NULL"));
  CHECK(cloud->keys()[1].type == SortType::kNumber);
  CHECK(cloud->keys()[1].descending);
  CHECK(cloud->keys()[2].sql == "id");
  CHECK(cloud->keys()[3].sql == "collection");
  // The values the page must select for its tokens, each in its own column.
  CHECK(TokenColumns(*cloud) == std::vector<int>{kColLinks + 1, kColLinks + 2, kColId, kColCollection});
  CHECK(TokenColumns(SortSpec::Default()) ==
        std::vector<int>{kColDatetimeMicros, kColCollection, kColId});
}

TEST_CASE("unknown, unsortable or repeated sort fields are refused", "[search][sort]") {
  const Queryables queryables = SortQueryables();
  QueryBuilder builder;
  for (const std::vector<SortField>& sortby : std::vector<std::vector<SortField>>{
           {{"nope", false}},
           {{"geometry", false}},
           {{"instruments", false}},
           {{"id", false}, {"id", true}},
           {{"datetime", false}, {"start_datetime", true}},
       }) {
    INFO(sortby.front().field);
    auto spec = SortSpecFor(sortby, queryables, builder);
    REQUIRE(spec.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(spec.status().message()), Catch::Contains("sortby"));
  }
}

TEST_CASE("a sorted search selects its keys and counts without them", "[search][sort]") {
  static const Queryables queryables = SortQueryables();
  SearchRequest request;
  request.collections = {"c1"};
  request.sortby = {{"eo:cloud_cover", false}};
  absl::StatusOr<SearchQuery> query =
      BuildSearchQuery(request, SearchContext{&queryables}, 100);
  REQUIRE(query.ok());
  CHECK_THAT(query->page.sql, Catch::Contains(" AS s0"));
  CHECK_THAT(query->page.sql, Catch::Contains(" AS s1"));
  // The count binds the collection and its cap only: the property name belongs to the order.
  CHECK(query->count_params.size() == 2);
  CHECK(query->count_params.back() == pg::Param("101"));
  CHECK_THAT(query->count.sql, Catch::Contains("LIMIT $2::int"));
  CHECK(query->token_columns.size() == 4);
  // Unsorted searches keep their statement.
  request.sortby.clear();
  absl::StatusOr<SearchQuery> plain = BuildSearchQuery(request, SearchContext{&queryables}, 100);
  REQUIRE(plain.ok());
  CHECK(plain->page.sql.find(" AS s0") == std::string::npos);
}

}  // namespace
}  // namespace stacfed::search
