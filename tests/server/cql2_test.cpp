// CQL2 (issue 14): the text and JSON parsers build one tree, the tree prints back as
// cql2-json, and the translation binds every value and checks every property. What the SQL
// finds on real data is checked by conformance/test_filter.py.

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "libstac/base/strings.hpp"
#include "libstac/model/facets.hpp"
#include "server/search/cql2/parse.hpp"
#include "server/search/cql2/print.hpp"
#include "server/search/cql2/to_sql.hpp"
#include "server/search/query.hpp"
#include "server/search/queryables.hpp"

namespace cql2 = stacfed::search::cql2;
using cql2::Node;
using cql2::Op;
using stacfed::search::Queryables;
using stacfed::search::QueryBuilder;

namespace {

Node Text(const std::string& text) {
  auto node = cql2::ParseText(text);
  INFO(text);
  REQUIRE(node.ok());
  return *node;
}

Node Json(const std::string& json) {
  auto node = cql2::ParseJson(json);
  INFO(json);
  REQUIRE(node.ok());
  return *node;
}

std::string TextError(const std::string& text) {
  auto node = cql2::ParseText(text);
  INFO(text);
  REQUIRE_FALSE(node.ok());
  CHECK(node.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(node.status().message());
}

std::string JsonError(const std::string& json) {
  auto node = cql2::ParseJson(json);
  INFO(json);
  REQUIRE_FALSE(node.ok());
  CHECK(node.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(node.status().message());
}

// The queryables of a few typed properties, as sql/0012's rows give them.
Queryables TestQueryables() {
  Queryables q = Queryables::Builtin();
  q.AddPropertyRow("cmip6:variable_id", "{string}", R"(["pr","tas"])", false);
  q.AddPropertyRow("eo:cloud_cover", "{integer,number}", std::nullopt, false);
  q.AddPropertyRow("latest", "{boolean}", "[true]", false);
  q.AddPropertyRow("instruments", "{array}", R"(["msi","olci"])", false);
  q.AddPropertyRow("updated", "{string}", std::nullopt, false);
  q.AddPropertyRow("title", "{string}", std::nullopt, false);
  q.AddPropertyRow("mixed", "{string,number}", std::nullopt, false);
  return q;
}

struct Sql {
  std::string sql;
  std::vector<std::string> params;
};

Sql ToSql(const std::string& text) {
  Queryables queryables = TestQueryables();
  QueryBuilder builder;
  auto sql = cql2::ToSql(Text(text), queryables, builder);
  INFO(text);
  REQUIRE(sql.ok());
  Sql out{sql->sql, {}};
  for (const auto& p : builder.params()) out.params.push_back(p ? std::string(*p) : "NULL");
  return out;
}

std::string SqlError(const std::string& text) {
  Queryables queryables = TestQueryables();
  QueryBuilder builder;
  auto sql = cql2::ToSql(Text(text), queryables, builder);
  INFO(text);
  REQUIRE_FALSE(sql.ok());
  CHECK(sql.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(sql.status().message());
}

}  // namespace

TEST_CASE("cql2-text and cql2-json build the same tree for every operator", "[search][cql2]") {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      // basic-cql2
      {"eo:cloud_cover < 10", R"({"op":"<","args":[{"property":"eo:cloud_cover"},10]})"},
      {"eo:cloud_cover <= 10.5", R"({"op":"<=","args":[{"property":"eo:cloud_cover"},10.5]})"},
      {"eo:cloud_cover > -1e2", R"({"op":">","args":[{"property":"eo:cloud_cover"},-1e2]})"},
      {"eo:cloud_cover >= 0", R"({"op":">=","args":[{"property":"eo:cloud_cover"},0]})"},
      {"title <> 'x'", R"({"op":"<>","args":[{"property":"title"},"x"]})"},
      {"latest = TRUE", R"({"op":"=","args":[{"property":"latest"},true]})"},
      {"latest = false", R"({"op":"=","args":[{"property":"latest"},false]})"},
      {"title IS NULL", R"({"op":"isNull","args":[{"property":"title"}]})"},
      {"title IS NOT NULL", R"({"op":"not","args":[{"op":"isNull","args":[{"property":"title"}]}]})"},
      {"NOT latest = true", R"({"op":"not","args":[{"op":"=","args":[{"property":"latest"},true]}]})"},
      {"a = 1 AND b = 2", R"({"op":"and","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"=","args":[{"property":"b"},2]}]})"},
      {"a = 1 or b = 2", R"({"op":"or","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"=","args":[{"property":"b"},2]}]})"},
      // advanced-comparison-operators
      {"title LIKE 'Sentinel%'", R"({"op":"like","args":[{"property":"title"},"Sentinel%"]})"},
      {"title NOT LIKE 'S_'", R"({"op":"not","args":[{"op":"like","args":[{"property":"title"},"S_"]}]})"},
      {"eo:cloud_cover BETWEEN 1 AND 5", R"({"op":"between","args":[{"property":"eo:cloud_cover"},1,5]})"},
      {"eo:cloud_cover NOT BETWEEN 1 AND 5", R"({"op":"not","args":[{"op":"between","args":[{"property":"eo:cloud_cover"},1,5]}]})"},
      {"cmip6:variable_id IN ('tas','pr')", R"({"op":"in","args":[{"property":"cmip6:variable_id"},["tas","pr"]]})"},
      {"cmip6:variable_id NOT IN ('tas')", R"({"op":"not","args":[{"op":"in","args":[{"property":"cmip6:variable_id"},["tas"]]}]})"},
      // case- and accent-insensitive comparison
      {"CASEI(title) = casei('ABC')", R"({"op":"=","args":[{"op":"casei","args":[{"property":"title"}]},{"op":"casei","args":["ABC"]}]})"},
      {"ACCENTI(title) = accenti('Zürich')", R"({"op":"=","args":[{"op":"accenti","args":[{"property":"title"}]},{"op":"accenti","args":["Zürich"]}]})"},
      // spatial
      {"S_INTERSECTS(geometry, POINT(1 2))", R"({"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[1,2]}]})"},
      {"S_WITHIN(geometry, BBOX(0, 1, 2, 3))", R"({"op":"s_within","args":[{"property":"geometry"},{"bbox":[0,1,2,3]}]})"},
      {"S_CONTAINS(geometry, LINESTRING(0 0, 1 1))", R"({"op":"s_contains","args":[{"property":"geometry"},{"type":"LineString","coordinates":[[0,0],[1,1]]}]})"},
      {"S_DISJOINT(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))", R"({"op":"s_disjoint","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}]})"},
      {"S_EQUALS(geometry, MULTIPOINT((1 2), (3 4)))", R"({"op":"s_equals","args":[{"property":"geometry"},{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}]})"},
      {"S_TOUCHES(geometry, POINT(1 2))", R"({"op":"s_touches","args":[{"property":"geometry"},{"type":"Point","coordinates":[1,2]}]})"},
      {"S_OVERLAPS(geometry, POINT(1 2))", R"({"op":"s_overlaps","args":[{"property":"geometry"},{"type":"Point","coordinates":[1,2]}]})"},
      {"S_CROSSES(geometry, POINT(1 2))", R"({"op":"s_crosses","args":[{"property":"geometry"},{"type":"Point","coordinates":[1,2]}]})"},
      // temporal
      {"T_INTERSECTS(datetime, INTERVAL('2020-01-01', '2020-12-31'))", R"({"op":"t_intersects","args":[{"property":"datetime"},{"interval":["2020-01-01","2020-12-31"]}]})"},
      {"T_BEFORE(datetime, TIMESTAMP('2020-01-01T00:00:00Z'))", R"({"op":"t_before","args":[{"property":"datetime"},{"timestamp":"2020-01-01T00:00:00Z"}]})"},
      {"T_AFTER(datetime, DATE('2020-01-01'))", R"({"op":"t_after","args":[{"property":"datetime"},{"date":"2020-01-01"}]})"},
      {"T_DURING(datetime, INTERVAL('2020-01-01T00:00:00Z', '..'))", R"({"op":"t_during","args":[{"property":"datetime"},{"interval":["2020-01-01T00:00:00Z",".."]}]})"},
      {"T_EQUALS(updated, TIMESTAMP('2020-01-01T00:00:00Z'))", R"({"op":"t_equals","args":[{"property":"updated"},{"timestamp":"2020-01-01T00:00:00Z"}]})"},
      {"T_METBY(datetime, INTERVAL('..', '2020-01-01'))", R"({"op":"t_metby","args":[{"property":"datetime"},{"interval":["..","2020-01-01"]}]})"},
      // array
      {"A_CONTAINS(instruments, ('msi'))", R"({"op":"a_contains","args":[{"property":"instruments"},["msi"]]})"},
      {"A_CONTAINEDBY(instruments, ('msi', 'olci'))", R"({"op":"a_containedby","args":[{"property":"instruments"},["msi","olci"]]})"},
      {"A_OVERLAPS(instruments, ['msi'])", R"({"op":"a_overlaps","args":[{"property":"instruments"},["msi"]]})"},
      {"A_EQUALS(instruments, ('msi', 'olci'))", R"({"op":"a_equals","args":[{"property":"instruments"},["msi","olci"]]})"},
      // property-property
      {"start_datetime < end_datetime", R"({"op":"<","args":[{"property":"start_datetime"},{"property":"end_datetime"}]})"},
  };
  for (const auto& [text, json] : pairs) {
    INFO(text << "  ~  " << json);
    const Node from_text = Text(text);
    CHECK(from_text == Json(json));
    // The tree prints back as cql2-json that parses to the same tree.
    CHECK(Json(cql2::ToJson(from_text)) == from_text);
  }
}

TEST_CASE("cql2-json: between with its bounds as one array (drafts before 1.0) is read too",
          "[search][cql2]") {
  CHECK(Json(R"({"op":"between","args":[{"property":"eo:cloud_cover"},[1,5]]})") ==
        Json(R"({"op":"between","args":[{"property":"eo:cloud_cover"},1,5]})"));
  // Any other two-argument form is still refused.
  CHECK_FALSE(
      cql2::ParseJson(R"({"op":"between","args":[{"property":"eo:cloud_cover"},[1,5,6]]})").ok());
}

TEST_CASE("cql2-json: an and/or of one argument (stac-browser's filter form) is that argument",
          "[search][cql2]") {
  for (const char* op : {"and", "or"}) {
    INFO(op);
    CHECK(Json(std::string(R"({"op":")") + op + R"(","args":[{"op":"=","args":[{"property":"a"},1]}]})") ==
          Json(R"({"op":"=","args":[{"property":"a"},1]})"));
    // None is still refused.
    CHECK_FALSE(cql2::ParseJson(std::string(R"({"op":")") + op + R"(","args":[]})").ok());
  }
}

TEST_CASE("cql2-text: precedence is NOT, then AND, then OR; parentheses group", "[search][cql2]") {
  CHECK(Text("a = 1 OR b = 2 AND c = 3") == Text("a = 1 OR (b = 2 AND c = 3)"));
  CHECK(Text("a = 1 AND b = 2 OR c = 3") == Text("(a = 1 AND b = 2) OR c = 3"));
  CHECK(Text("NOT a = 1 AND b = 2") == Text("(NOT a = 1) AND b = 2"));
  CHECK(Text("NOT (a = 1 AND b = 2)").op == Op::kNot);
  CHECK(Text("(a = 1 OR b = 2) AND c = 3").op == Op::kAnd);
  CHECK(Text("a = 1 OR b = 2 AND c = 3").op == Op::kOr);
  // Keywords in any case, whitespace anywhere.
  CHECK(Text("a=1 and not b=2") == Text("a = 1 AND NOT b = 2"));
  CHECK(Text("  (( a = 1 ))  ") == Text("a = 1"));
}

TEST_CASE("cql2-text: literals and escapes", "[search][cql2]") {
  CHECK(Text("title = 'it''s'").args[1].text == "it's");
  CHECK(Text("title = ''").args[1].text.empty());
  CHECK(Text("title = 'Zürich ☃'").args[1].text == "Zürich ☃");
  CHECK(Text("eo:cloud_cover = 1.5e1").args[1].number == 15);
  CHECK(Text("eo:cloud_cover = -0.25").args[1].number == -0.25);
  CHECK(Text("\"eo:cloud_cover\" = 1").args[0].text == "eo:cloud_cover");
  CHECK(Text("properties.eo:cloud_cover = 1").args[0].text == "properties.eo:cloud_cover");
  // A property named like a keyword is quoted.
  CHECK(Text("\"and\" = 1").args[0].text == "and");
}

TEST_CASE("cql2-text: errors name the position and what was expected", "[search][cql2]") {
  CHECK_THAT(TextError("a = "), Catch::Contains("at 4"));
  CHECK_THAT(TextError("a = 1 AND"), Catch::Contains("at 9"));
  CHECK_THAT(TextError("(a = 1"), Catch::Contains("')'"));
  CHECK_THAT(TextError("a = 'unterminated"), Catch::Contains("at 4"));
  CHECK_THAT(TextError("a == 1"), Catch::Contains("at "));
  CHECK_THAT(TextError("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))"),
             Catch::Contains("at "));
  CHECK_THAT(TextError("T_BEFORE(datetime, TIMESTAMP('2020-13-01T00:00:00Z'))"),
             Catch::Contains("at "));
  CHECK_THAT(TextError("a = 1 b = 2"), Catch::Contains("at 6"));
  TextError("");
  TextError("NOT");
  CHECK_THAT(TextError("a IN ()"), Catch::Contains("at 5"));
  TextError("a BETWEEN 1");
  TextError("FOO(a)");
}

TEST_CASE("cql2-json: errors name the path", "[search][cql2]") {
  CHECK_THAT(JsonError(R"({"op":"=","args":[{"property":"a"}]})"), Catch::Contains("2 arguments"));
  CHECK_THAT(JsonError(R"({"op":"and","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"nope","args":[]}]})"),
             Catch::Contains("args[1]"));
  CHECK_THAT(JsonError(R"({"op":"t_before","args":[{"property":"datetime"},{"timestamp":"yesterday"}]})"),
             Catch::Contains("args[1]"));
  JsonError("{");
  JsonError(R"({"op":"="})");
  JsonError(R"({"op":"in","args":[{"property":"a"},[]]})");
  JsonError(R"({"args":[1,2]})");
  JsonError(R"({"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[1]}]})");
}

TEST_CASE("cql2: nesting, size and list limits are enforced", "[search][cql2]") {
  std::string deep;
  for (int i = 0; i < cql2::kMaxDepth + 5; ++i) deep += "(";
  deep += "a = 1";
  for (int i = 0; i < cql2::kMaxDepth + 5; ++i) deep += ")";
  TextError(deep);
  std::string nots;
  for (int i = 0; i < cql2::kMaxDepth + 5; ++i) nots += "NOT ";
  TextError(nots + "a = 1");
  std::string list = "a IN (";
  for (size_t i = 0; i <= cql2::kMaxInList; ++i) {
    if (i > 0) list += ',';
    list += stacfed::StrCat("'", i, "'");
  }
  TextError(list + ")");
  std::string json_deep;
  for (int i = 0; i < cql2::kMaxDepth + 5; ++i) json_deep += R"({"op":"not","args":[)";
  json_deep += R"({"op":"=","args":[{"property":"a"},1]})";
  for (int i = 0; i < cql2::kMaxDepth + 5; ++i) json_deep += "]}";
  JsonError(json_deep);
}

TEST_CASE("cql2 to SQL: every value is bound, nothing of the filter is in the text", "[search][cql2]") {
  const Sql sql = ToSql("title = 'x''; DROP TABLE stacfed.items; --' AND eo:cloud_cover < 10");
  CHECK(sql.sql.find("DROP") == std::string::npos);
  CHECK(sql.sql.find("eo:cloud_cover") == std::string::npos);  // the key is bound too
  CHECK(std::find(sql.params.begin(), sql.params.end(), "x'; DROP TABLE stacfed.items; --") !=
        sql.params.end());
  // Every placeholder refers to a bound value and every value is used.
  const std::regex placeholder(R"(\$(\d+))");
  std::set<size_t> used;
  for (auto it = std::sregex_iterator(sql.sql.begin(), sql.sql.end(), placeholder);
       it != std::sregex_iterator(); ++it) {
    used.insert(std::stoul((*it)[1]));
  }
  CHECK(used.size() == sql.params.size());
  CHECK(*used.rbegin() == sql.params.size());
}

TEST_CASE("cql2 to SQL: types come from the queryables", "[search][cql2]") {
  CHECK_THAT(ToSql("eo:cloud_cover < 10").sql, Catch::Contains("stacfed.jsonb_number("));
  CHECK_THAT(ToSql("latest = true").sql, Catch::Contains("stacfed.jsonb_boolean("));
  CHECK_THAT(ToSql("updated > TIMESTAMP('2020-01-01T00:00:00Z')").sql,
             Catch::Contains("stacfed.jsonb_timestamptz("));
  CHECK_THAT(ToSql("ACCENTI(title) = accenti('é')").sql, Catch::Contains("stacfed.accent_free("));
  // The item's own fields are columns.
  CHECK_THAT(ToSql("collection = 'c'").sql, Catch::Contains("collection ="));
  CHECK_THAT(ToSql("S_INTERSECTS(geometry, POINT(1 2))").sql, Catch::Contains("geometry"));
  // A facet's equality names its digests for the GIN index, the overflow digest included.
  CHECK_THAT(ToSql("cmip6:variable_id = 'tas'").sql, Catch::Contains("facets &&"));
  CHECK_THAT(ToSql("cmip6:variable_id IN ('tas', 'pr')").sql, Catch::Contains("facets &&"));
  CHECK(ToSql("title = 'tas'").sql.find("facets") == std::string::npos);
}

cql2::Translation Translate(const std::string& text, const Queryables& queryables) {
  QueryBuilder builder;
  auto translation = cql2::ToSql(Text(text), queryables, builder);
  INFO(text);
  REQUIRE(translation.ok());
  return *std::move(translation);
}

TEST_CASE("cql2 to SQL: the facet conditions every match must satisfy are reported",
          "[search][cql2]") {
  const Queryables queryables = TestQueryables();
  const int64_t overflow = stacfed::FacetOverflowHash();
  const int64_t tas = stacfed::FacetHash("cmip6:variable_id", "tas");
  const int64_t pr = stacfed::FacetHash("cmip6:variable_id", "pr");
  using Sets = std::vector<std::vector<int64_t>>;

  // Reached through ANDs only: each condition is a set of digests (a value or the overflow).
  cql2::Translation t = Translate("cmip6:variable_id = 'tas' AND eo:cloud_cover < 10", queryables);
  CHECK(t.index_digests == Sets{{tas, overflow}});
  REQUIRE(t.index_values.size() == 1);
  CHECK(t.index_values[0].name == "cmip6:variable_id");
  CHECK(t.index_values[0].values == std::vector<std::string>{"tas"});
  t = Translate("(cmip6:variable_id IN ('tas', 'pr')) AND (latest = true AND cmip6:variable_id = 'pr')",
                queryables);
  CHECK(t.index_digests == Sets{{tas, pr, overflow}, {stacfed::FacetHash("latest", "true"), overflow},
                                {pr, overflow}});
  CHECK(t.index_values.size() == 2);  // the strings only: true is no string
  // Under OR or NOT a match need not hold the digests: nothing is reported.
  for (const std::string text :
       {"cmip6:variable_id = 'tas' OR eo:cloud_cover < 10", "NOT NOT cmip6:variable_id = 'tas'",
        "NOT (cmip6:variable_id <> 'tas' OR eo:cloud_cover < 10)", "eo:cloud_cover < 10",
        "title = 'tas'"}) {
    t = Translate(text, queryables);
    INFO(text);
    CHECK(t.index_digests.empty());
    CHECK(t.index_values.empty());
  }
  // Array facets narrow through the index, never through the recorded values.
  t = Translate("A_CONTAINS(instruments, ('msi'))", queryables);
  CHECK(t.index_digests.size() == 1);
  CHECK(t.index_values.empty());
}

TEST_CASE("the collections whose items can hold facet values", "[search][cql2]") {
  Queryables q = Queryables::Builtin();
  q.AddPropertyRow("cmip6:experiment_id", "{string}", R"(["historical","ssp585"])", false, "a");
  q.AddPropertyRow("cmip6:experiment_id", "{string}", R"(["historical"])", false, "b");
  q.AddPropertyRow("cmip6:experiment_id", "{string}", std::nullopt, false, "c");  // many values
  q.AddPropertyRow("title", "{string}", R"(["ssp585"])", false, "d");  // not a facet
  CHECK(q.CollectionsHolding("cmip6:experiment_id", {"ssp585"}) ==
        std::vector<std::string>{"a", "c"});
  CHECK(q.CollectionsHolding("cmip6:experiment_id", {"historical", "x"}) ==
        std::vector<std::string>{"a", "b", "c"});
  // A facet no collection records: none can hold it.
  CHECK(q.CollectionsHolding("cmip6:source_id", {"x"}) == std::vector<std::string>{});
  // Values are compared as JSON strings: quotes and escapes do not confuse them.
  q.AddPropertyRow("cmip6:source_id", "{string}", R"(["a\"b"])", false, "e");
  CHECK(q.CollectionsHolding("cmip6:source_id", {"a\"b"}) == std::vector<std::string>{"e"});
  CHECK(q.CollectionsHolding("cmip6:source_id", {"a"}) == std::vector<std::string>{});
}

TEST_CASE("cql2 to SQL: unknown properties and mismatched types are refused", "[search][cql2]") {
  const std::string unknown = SqlError("cmip6:variable = 'tas'");
  CHECK_THAT(unknown, Catch::Contains("cmip6:variable"));
  CHECK_THAT(unknown, Catch::Contains("cmip6:variable_id"));  // the queryables are listed
  CHECK_THAT(SqlError("eo:cloud_cover = 'ten'"), Catch::Contains("eo:cloud_cover"));
  SqlError("latest = 1");
  SqlError("S_INTERSECTS(title, POINT(1 2))");
  SqlError("T_BEFORE(title, TIMESTAMP('2020-01-01T00:00:00Z'))");
  SqlError("A_CONTAINS(title, ('a'))");
  SqlError("instruments = 'msi'");
  // Not a condition.
  TextError("title");
  TextError("'x'");
  SqlError("T_DURING(datetime, TIMESTAMP('2020-01-01T00:00:00Z'))");
}

TEST_CASE("cql2 to SQL: a date binds one value, whichever of its bounds is used", "[search][cql2]") {
  for (const std::string text : {"datetime < DATE('2020-01-01')", "datetime > DATE('2020-01-01')",
                                 "T_BEFORE(datetime, DATE('2020-01-01'))",
                                 "eo:cloud_cover = 1 AND datetime = DATE('2020-01-01')"}) {
    const Sql sql = ToSql(text);
    INFO(text << " -> " << sql.sql);
    for (size_t i = 1; i <= sql.params.size(); ++i) {
      CHECK(sql.sql.find(stacfed::StrCat("$", i)) != std::string::npos);
    }
  }
}

TEST_CASE("cql2 to SQL: facet digests only where they change no answer", "[search][cql2]") {
  CHECK_THAT(ToSql("cmip6:variable_id = 'tas'").sql, Catch::Contains("facets"));
  CHECK_THAT(ToSql("NOT NOT cmip6:variable_id = 'tas'").sql, Catch::Contains("facets"));
  // Under one NOT, an item without the property must stay unknown, not become a match.
  CHECK(ToSql("NOT cmip6:variable_id = 'tas'").sql.find("facets") == std::string::npos);
  CHECK(ToSql("NOT (latest = true AND cmip6:variable_id IN ('tas'))").sql.find("facets") ==
        std::string::npos);
  CHECK(ToSql("NOT A_OVERLAPS(instruments, ('msi'))").sql.find("facets") == std::string::npos);
}

TEST_CASE("cql2 to SQL: a property of mixed types is read as what it is compared with", "[search][cql2]") {
  CHECK_THAT(ToSql("mixed = 1").sql, Catch::Contains("stacfed.jsonb_number("));
  CHECK_THAT(ToSql("mixed < eo:cloud_cover").sql, Catch::Contains("stacfed.jsonb_number("));
  CHECK_THAT(ToSql("mixed = TRUE").sql, Catch::Contains("stacfed.jsonb_boolean("));
  CHECK_THAT(ToSql("mixed > TIMESTAMP('2020-01-01T00:00:00Z')").sql,
             Catch::Contains("stacfed.jsonb_timestamptz("));
  CHECK_THAT(ToSql("mixed IN (1, 2)").sql, Catch::Contains("stacfed.jsonb_number("));
  CHECK_THAT(ToSql("mixed = 'a'").sql, Catch::Contains("properties->>"));
  // Mixed literals in a list: one comparison each, each typed.
  const Sql mixed_list = ToSql("mixed IN ('a', 1)");
  CHECK_THAT(mixed_list.sql, Catch::Contains("properties->>"));
  CHECK_THAT(mixed_list.sql, Catch::Contains("stacfed.jsonb_number("));
}

TEST_CASE("cql2 to SQL: a list where one value belongs is refused", "[search][cql2]") {
  SqlError("id IN (('a'))");
  SqlError("title IN ('a', ('b'))");
  for (const std::string json : {
           R"({"op":"between","args":[{"property":"eo:cloud_cover"},[1],2]})",
           R"({"op":"like","args":[{"property":"title"},["a%"]]})",
           R"({"op":"=","args":[{"op":"casei","args":[["a"]]},"a"]})"}) {
    Queryables queryables = TestQueryables();
    QueryBuilder builder;
    auto sql = cql2::ToSql(Json(json), queryables, builder);
    INFO(json);
    CHECK(sql.status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("cql2 to SQL: numbers are bound as their canonical text", "[search][cql2]") {
  const Sql sql = ToSql("eo:cloud_cover = +1.50 OR eo:cloud_cover = -0 OR eo:cloud_cover IN (.5, 007)");
  CHECK(std::find(sql.params.begin(), sql.params.end(), "1.5") != sql.params.end());
  CHECK(std::find(sql.params.begin(), sql.params.end(), "0") != sql.params.end());
  CHECK(std::find(sql.params.begin(), sql.params.end(), "{\"0.5\",\"7\"}") != sql.params.end());
  CHECK(stacfed::FacetNumberText(-0.0) == "0");
}
