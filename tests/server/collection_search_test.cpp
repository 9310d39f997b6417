// Collection search without a database: its parameters (strict, through the modules' table
// for Family::kCollections), its conformance classes, and the shapes of its statements.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "libstac/base/strings.hpp"
#include "server/search/collection_search.hpp"
#include "server/search/modules.hpp"
#include "server/search/params.hpp"

namespace stacfed::search {
namespace {

absl::StatusOr<SearchRequest> Parse(const QueryParams& params) {
  return ParseQuery(params, Family::kCollections);
}

SearchRequest Parsed(const QueryParams& params) {
  absl::StatusOr<SearchRequest> request = Parse(params);
  INFO(request.status().message());
  REQUIRE(request.ok());
  return *std::move(request);
}

CollectionSearchQuery Build(const SearchRequest& request, std::string_view catalog = {}) {
  absl::StatusOr<CollectionSearchQuery> query = BuildCollectionSearch(request, catalog);
  INFO(query.status().message());
  REQUIRE(query.ok());
  return *std::move(query);
}

bool Has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST_CASE("collection search reads the parameters of its classes", "[search][collections]") {
  SearchRequest request = Parsed({{"q", "cmip6,cordex"},
                                  {"bbox", "-10,40,10,50"},
                                  {"datetime", "2000-01-01T00:00:00Z/.."},
                                  {"limit", "7"},
                                  {"sortby", "-title,+id"},
                                  {"fields", "id,-links"},
                                  {"filter", "title LIKE '%CMIP6%'"},
                                  {"filter-lang", "cql2-text"}});
  CHECK(request.q == "'cmip6' | 'cordex'");  // comma = OR, as pystac-client means it
  CHECK(request.bbox.has_value());
  REQUIRE(request.datetime.has_value());
  CHECK_FALSE(request.datetime->end.has_value());
  CHECK(request.limit == 7);
  REQUIRE(request.sortby.size() == 2);
  CHECK(request.sortby[0].field == "title");
  CHECK(request.sortby[0].descending);
  REQUIRE(request.fields.has_value());
  CHECK(request.filter.has_value());
  CHECK(Parsed({{"q", "climate AND (model OR \"earth system\")"}}).q ==
        "('climate' & ('model' | 'earth system'))");
}

TEST_CASE("unknown parameters are refused, listing the supported ones", "[search][collections]") {
  for (std::string_view name : {"ids", "collections", "intersects", "query", "foo", "type"}) {
    absl::StatusOr<SearchRequest> request = Parse({{std::string(name), "x"}});
    INFO(name);
    REQUIRE_FALSE(request.ok());
    CHECK(request.status().code() == absl::StatusCode::kInvalidArgument);
    const std::string message(request.status().message());
    CHECK(Has(message, StrCat("'", name, "'")));
    for (std::string_view supported : {"bbox", "datetime", "limit", "token", "q", "sortby",
                                       "fields", "filter", "filter-lang"}) {
      CHECK(Has(message, supported));
    }
  }
  CHECK_FALSE(Parse({{"q", "a"}, {"q", "b"}}).ok());  // repeated
}

TEST_CASE("malformed parameters are refused, naming them", "[search][collections]") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"q", "(cmip6"},          {"q", "a,,b"},        {"q", ""},
      {"bbox", "1,2,3"},        {"bbox", "a,b,c,d"},  {"datetime", "yesterday"},
      {"limit", "0"},           {"limit", "x"},       {"sortby", ""},
      {"sortby", "+"},          {"filter", "title ="}, {"filter-lang", "sql"},
      {"fields", "a..b"},
  };
  for (const auto& [name, value] : bad) {
    absl::StatusOr<SearchRequest> request = Parse({{name, value}});
    INFO(name << "=" << value);
    REQUIRE_FALSE(request.ok());
    CHECK(request.status().code() == absl::StatusCode::kInvalidArgument);
    const std::string message(request.status().message());
    CHECK(Has(message, name == "filter" ? "filter" : StrCat("'", name, "'")));
  }
}

TEST_CASE("collection search declares its classes", "[search][collections]") {
  const std::vector<std::string>& uris = ConformanceUris();
  for (std::string_view uri :
       {"https://api.stacspec.org/v1.0.0-rc.1/collection-search",
        "https://api.stacspec.org/v1.0.0/collection-search",
        "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/simple-query",
        "https://api.stacspec.org/v1.0.0-rc.1/collection-search#free-text",
        "https://api.stacspec.org/v1.0.0-rc.1/collection-search#advanced-free-text",
        "https://api.stacspec.org/v1.0.0-rc.1/collection-search#sort",
        "https://api.stacspec.org/v1.0.0-rc.1/collection-search#fields",
        "https://api.stacspec.org/v1.0.0-rc.1/collection-search#filter"}) {
    INFO(uri);
    CHECK(std::find(uris.begin(), uris.end(), uri) != uris.end());
  }
  // Not implemented on collections.
  CHECK(std::find(uris.begin(), uris.end(),
                  "https://api.stacspec.org/v1.0.0-rc.1/collection-search#query") == uris.end());
}

TEST_CASE("statements: values bound, id order by default, relevance with q",
          "[search][collections][sql]") {
  SearchRequest plain = Parsed({});
  CollectionSearchQuery query = Build(plain);
  CHECK(Has(query.page.sql, "ORDER BY c.id COLLATE \"C\" LIMIT $1::int"));
  // The documents of the page's rows only, in the order of the keys.
  CHECK(Has(query.page.sql, "LIMIT $1::int) p JOIN stacfed.collections c ON c.id = p.page_id "
                            "ORDER BY s0"));
  // A first page counts the matches in the same statement: a plain listing in a subquery,
  // so that its page stays a walk of the order's index for its own rows.
  CHECK(Has(query.page.sql, "c.id COLLATE \"C\" AS s0, (SELECT count(*) FROM "
                            "stacfed.collections c WHERE true) AS matched FROM"));
  CHECK_FALSE(Has(query.page.sql, "OVER ()"));
  CHECK(query.matched_column == kCollectionSearchKeyColumn + 1);
  CHECK(query.token_columns == std::vector<int>{kCollectionSearchKeyColumn});

  SearchRequest searched =
      Parsed({{"q", "secret-word"}, {"bbox", "1,2,3,4"}, {"datetime", "2020-01-01T00:00:00Z"}});
  query = Build(searched, "secret-catalog");
  for (const pg::Param& p : query.params) {
    if (p && p->size() > 3) CHECK_FALSE(Has(query.page.sql, *p));  // never inlined
  }
  CHECK(Has(query.page.sql, "c.search_text @@ (SELECT to_tsquery('simple'::regconfig, $2::text))"));
  CHECK(Has(query.page.sql, "cc.catalog_id = $1::text"));
  CHECK(Has(query.page.sql, "ST_Intersects(c.extent_geometry"));
  CHECK(Has(query.page.sql, "coalesce(c.extent_end, 'infinity') >= $4::timestamptz"));
  CHECK(Has(query.page.sql, "coalesce(c.extent_start, '-infinity') <= $5::timestamptz"));
  CHECK(Has(query.page.sql, "ORDER BY ts_rank(c.search_text, (SELECT to_tsquery("
                            "'simple'::regconfig, $6::text)))::float8 DESC, c.id COLLATE \"C\""));
  CHECK(query.token_columns.size() == 2);
  // With conditions the page reads every match anyway: a window counts them in that pass.
  CHECK(Has(query.page.sql, "count(*) OVER () AS matched FROM"));
  // Except when every collection is ranked by relevance: a subquery counts the matches, with
  // the same bound values (a window would keep every match's search vector until the rank
  // above it).
  query = Build(Parsed({{"q", "secret-word"}, {"bbox", "1,2,3,4"}}));
  CHECK(Has(query.page.sql, "(SELECT count(*) FROM stacfed.collections c WHERE true AND "
                            "c.search_text @@ (SELECT to_tsquery('simple'::regconfig, $1::text))"));
  CHECK_FALSE(Has(query.page.sql, "OVER ()"));
  CHECK(query.params.size() == 4);

  // A catalog's listing counts in a subquery under the same scope, its value bound once.
  query = Build(plain, "secret-catalog");
  CHECK(Has(query.page.sql, "(SELECT count(*) FROM stacfed.collections c WHERE true AND EXISTS "
                            "(SELECT 1 FROM stacfed.catalog_collections cc WHERE cc.catalog_id = "
                            "$1::text AND cc.collection_id = c.id)) AS matched"));
  CHECK(query.params.size() == 2);

  // An explicit sortby wins over relevance; a nullable field sorts its missing values last.
  SearchRequest sorted = Parsed({{"q", "a"}, {"sortby", "-datetime"}});
  query = Build(sorted);
  CHECK_FALSE(Has(query.page.sql, "ts_rank"));
  CHECK(Has(query.page.sql, "ORDER BY (c.extent_start IS NULL), coalesce(c.extent_start, "
                            "'epoch'::timestamptz) DESC, c.id COLLATE \"C\""));
}

TEST_CASE("sortby names a collection field", "[search][collections][sql]") {
  for (std::string_view field : {"id", "title", "description", "license", "datetime",
                                 "start_datetime", "end_datetime", "-title,+end_datetime"}) {
    SearchRequest request = Parsed({{"sortby", std::string(field)}});
    INFO(field);
    CHECK(BuildCollectionSearch(request, "").ok());
  }
  for (std::string_view field : {"keywords", "geometry", "cmip6:variable_id", "datetime,start_datetime",
                                 "id,-id"}) {
    SearchRequest request = Parsed({{"sortby", std::string(field)}});
    absl::StatusOr<CollectionSearchQuery> query = BuildCollectionSearch(request, "");
    INFO(field);
    REQUIRE_FALSE(query.ok());
    CHECK(Has(ToStd(query.status().message()), "'sortby'"));
  }
}

TEST_CASE("pages continue from their token, either way", "[search][collections][sql]") {
  SearchRequest request = Parsed({{"sortby", "-title"}});
  request.token = PageToken{PageToken::Direction::kNext, {"f", "CMIP6", "CMIP6"}, 4, ""};
  CollectionSearchQuery next = Build(request);
  CHECK(next.matched_column == -1);  // later pages take numberMatched from the token
  CHECK_FALSE(Has(next.page.sql, "count(*)"));
  CHECK(Has(next.page.sql, "ORDER BY (c.search_title IS NULL)"));
  request.token->direction = PageToken::Direction::kPrev;
  CollectionSearchQuery prev = Build(request);
  CHECK(Has(prev.page.sql, "(c.search_title IS NULL) DESC"));  // walked backwards
  CHECK(next.page.sql != prev.page.sql);
  request.token->keys.pop_back();  // a token of another order
  CHECK_FALSE(BuildCollectionSearch(request, "").ok());
}

TEST_CASE("a filter reads collection fields, and summaries value by value",
          "[search][collections][sql]") {
  SearchRequest request = Parsed({{"filter", "title LIKE '%CMIP6%' AND cmip6:variable_id = 'tas'"}});
  CollectionSearchQuery query = Build(request);
  CHECK(Has(query.page.sql, "c.search_title LIKE $1::text"));
  // Equality with a string: the summary's terms (sql/0017), which a GIN index answers.
  CHECK(Has(query.page.sql, "(c.summary_terms && ARRAY(SELECT stacfed.summary_term($2::text, t) "
                            "FROM unnest(ARRAY[$3::text]) AS t))"));
  CHECK_FALSE(Has(query.page.sql, "summary_rows"));
  request = Parsed({{"filter", "cmip6:variable_id IN ('tas', 'pr') OR 'tas' = x"}});
  query = Build(request);
  CHECK(Has(query.page.sql, "(c.summary_terms && ARRAY(SELECT stacfed.summary_term($1::text, t) "
                            "FROM unnest($2::text[]) AS t))"));
  CHECK(Has(query.page.sql, "(c.summary_terms && ARRAY(SELECT stacfed.summary_term($4::text, t) "
                            "FROM unnest(ARRAY[$3::text]) AS t))"));
  // Other comparisons read the values one by one: here one longer than a term may be.
  request = Parsed({{"filter", StrCat("x = '", std::string(300, 'v'), "' OR CASEI(x) = 'a'")}});
  query = Build(request);
  CHECK(Has(query.page.sql,
            "EXISTS (SELECT 1 FROM stacfed.summary_rows((c.content->'summaries'), $1::text) AS "
            "e1(o) WHERE (e1.o->>$1::text) = $2::text)"));
  CHECK(Has(query.page.sql, "WHERE lower((e2.o->>$3::text)) = $4::text)"));
  CHECK_FALSE(Has(query.page.sql, "summary_terms"));
  // A number compares as a number; keywords is an array; the extent is a range.
  request = Parsed({{"filter", "gsd < 20 AND A_CONTAINS(keywords, ('ESGF')) AND "
                               "T_INTERSECTS(datetime, INTERVAL('2000-01-01', '2001-01-01'))"}});
  query = Build(request);
  CHECK(Has(query.page.sql, "stacfed.jsonb_number(e1.o->$1::text) < $2::float8"));
  CHECK(Has(query.page.sql, "(c.content->'keywords') @> $3::jsonb"));
  CHECK(Has(query.page.sql, "coalesce(c.extent_end, 'infinity'::timestamptz) >="));
  // Type errors still name the filter.
  request = Parsed({{"filter", "title > 3"}});
  absl::StatusOr<CollectionSearchQuery> bad = BuildCollectionSearch(request, "");
  REQUIRE_FALSE(bad.ok());
  CHECK(Has(ToStd(bad.status().message()), "filter"));
}

TEST_CASE("the default fields keep a valid collection", "[search][collections]") {
  FieldsFilter filter(FieldsSpec{std::vector<std::string>{}, {}}, CollectionDefaultFields());
  const std::string kept = filter.Apply(
      R"({"type":"Collection","stac_version":"1.0.0","id":"c","title":"T","description":"d",)"
      R"("license":"other","extent":{},"links":[],"summaries":{"a":[1]},"keywords":["k"]})");
  CHECK(kept ==
        R"({"type":"Collection","stac_version":"1.0.0","id":"c","title":"T","description":"d",)"
        R"("license":"other","extent":{},"links":[]})");
}

}  // namespace
}  // namespace stacfed::search
