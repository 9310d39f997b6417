// Free-text queries (q) into tsquery text: the basic and advanced flavours, quoting, and every
// malformed form refused with a message naming q.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "libstac/base/strings.hpp"
#include "server/search/free_text.hpp"
#include "server/search/params.hpp"

namespace stacfed::search {
namespace {

std::string Advanced(std::string_view text) {
  absl::StatusOr<std::string> query = AdvancedTsQuery(text);
  INFO(text);
  REQUIRE(query.ok());
  return *query;
}

TEST_CASE("basic terms are ORed, each a quoted lexeme", "[search][q]") {
  CHECK(*BasicTsQuery({"EO", "Earth Observation"}) == "'EO' | 'Earth Observation'");
  CHECK(*TsQueryOfParameter("EO, Earth Observation") == "'EO' | 'Earth Observation'");
  CHECK(*TsQueryOfParameter("\"a,b\",c") == "'a,b' | 'c'");
  // Quotes and backslashes cannot break out of a lexeme.
  CHECK(*BasicTsQuery({"it's", "a\\b", "x' | 'y"}) == "'it''s' | 'a\\\\b' | 'x'' | ''y'");
}

TEST_CASE("advanced queries: OR by default, AND, NOT, parentheses, phrases, +/-",
          "[search][q]") {
  CHECK(Advanced("sentinel") == "'sentinel'");
  CHECK(Advanced("climate model") == "('climate' | 'model')");
  CHECK(Advanced("climate OR model") == "('climate' | 'model')");
  CHECK(Advanced("climate AND model") == "('climate' & 'model')");
  CHECK(Advanced("\"climate model\"") == "'climate model'");
  CHECK(Advanced("(quick OR brown) AND fox") == "(('quick' | 'brown') & 'fox')");
  // With a required term the optional ones only rank.
  CHECK(Advanced("quick +brown -fox") == "('brown' & !'fox')");
  CHECK(Advanced("quick -fox") == "('quick' & !'fox')");
  CHECK(Advanced("a NOT b") == "('a' & !'b')");
  CHECK(Advanced("a AND NOT b") == "('a' & !'b')");
  CHECK(Advanced("-fox") == "!'fox'");
  CHECK(Advanced("+(a b) c") == "('a' | 'b')");
  // Keywords are upper case; "and" is a word.
  CHECK(Advanced("rock and roll") == "('rock' | 'and' | 'roll')");
  // GET: advanced unless commas separate terms outside quotes.
  CHECK(*TsQueryOfParameter("a AND b") == "('a' & 'b')");
}

TEST_CASE("malformed free text is refused, naming q", "[search][q]") {
  std::string many;
  for (int i = 0; i <= 64; ++i) StrAppend(&many, "w", i, " ");
  std::string deep = std::string(20, '(') + "a" + std::string(20, ')');
  for (const std::string& text : std::vector<std::string>{
       "", "   ", "(a", "a)", "()", "a AND", "AND a", "a AND AND b", "a OR", "NOT", "\"a",
        "\"\"", "+", "a -", "a + b", "(a +)", many, deep, std::string(5000, 'x'),
        std::string("a\0b", 3)}) {
    absl::StatusOr<std::string> query = TsQueryOfParameter(text);
    INFO(text);
    REQUIRE(query.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(query.status().message()), Catch::Contains("'q'"));
  }
  for (const char* text : {"a,,b", ",", "a, "}) {
    INFO(text);
    CHECK(TsQueryOfParameter(text).status().code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK_FALSE(BasicTsQuery({}).ok());
}

TEST_CASE("q reads the same by GET and POST", "[search][q]") {
  absl::StatusOr<SearchRequest> get = ParseQuery({{"q", "tas,pr"}}, Family::kItemSearch);
  absl::StatusOr<ParsedBody> post_array = ParseBody(R"({"q":["tas","pr"]})", Family::kItemSearch);
  absl::StatusOr<ParsedBody> post_string = ParseBody(R"({"q":"tas,pr"})", Family::kItemSearch);
  REQUIRE((get.ok() && post_array.ok() && post_string.ok()));
  CHECK(get->q == post_array->request.q);
  CHECK(get->q == post_string->request.q);
  CHECK_FALSE(ParseBody(R"({"q":3})", Family::kItemSearch).ok());
  CHECK_FALSE(ParseBody(R"({"q":["a",1]})", Family::kItemSearch).ok());
}

}  // namespace
}  // namespace stacfed::search
