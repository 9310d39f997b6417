// Search request parsing: every accepted and rejected form of bbox, datetime, limit and
// intersects from the STAC API reference, GET/POST equivalence, and paging tokens.
#include <catch2/catch.hpp>

#include <climits>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libstac/base/strings.hpp"
#include "libstac/model/datetime.hpp"
#include "server/search/cql2/parse.hpp"
#include "server/search/page_token.hpp"
#include "server/search/params.hpp"
#include "server/search/query.hpp"
#include "server/search/sort.hpp"

namespace stacfed::search {
namespace {

bool IsInvalid(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument;
}

Micros At(std::string_view text) { return *ParseRfc3339(text); }

absl::StatusOr<SearchRequest> Get(const QueryParams& params) {
  return ParseQuery(params, Family::kItemSearch);
}
absl::StatusOr<ParsedBody> Post(std::string_view body) {
  return ParseBody(body, Family::kItemSearch);
}

TEST_CASE("datetime forms the validator requires to be accepted", "[search][datetime]") {
  for (const char* text : {
           "2020-01-01T00:00:00Z",
           "2020-01-01T00:00:00.5Z",
           "2020-01-01T00:00:00.123456789Z",
           "2020-01-01t00:00:00z",
           "2020-01-01T00:00:00-00:00",
           "2020-01-01T00:00:00+01:00",
           "2020-01-01T00:00:00Z/2020-12-31T23:59:59Z",
           "2020-01-01T00:00:00Z/..",
           "../2020-01-01T00:00:00Z",
           "2020-01-01T00:00:00Z/",
           "/2020-01-01T00:00:00Z",
           "..",
       }) {
    INFO(text);
    CHECK(ParseDatetimeText(text).ok());
  }
}

TEST_CASE("datetime forms the validator requires to be rejected", "[search][datetime]") {
  for (const char* text : {
           "/",
           "../..",
           "/..",
           "../",
           "2020-01-01T00:00:00Z/2020-01-02T00:00:00Z/2020-01-03T00:00:00Z",
           "2020-01-01",
           "2020-01-01T00:00:00",
           "2020-01-01T00:00:00+0100",
           "2020-13-01T00:00:00Z",
           "2020-02-30T00:00:00Z",
           "2020-01-01T25:00:00Z",
           "50.Z",
           "2020-01-01T00:00:00,5Z",
           "2020-01-02T00:00:00Z/2020-01-01T00:00:00Z",
           "",
       }) {
    INFO(text);
    CHECK(IsInvalid(ParseDatetimeText(text).status()));
  }
}

TEST_CASE("datetime intervals keep their open ends", "[search][datetime]") {
  CHECK(*ParseDatetimeText("2020-01-01T00:00:00Z") ==
        DatetimeInterval{At("2020-01-01T00:00:00Z"), At("2020-01-01T00:00:00Z")});
  CHECK(*ParseDatetimeText("../2020-01-01T00:00:00Z") ==
        DatetimeInterval{std::nullopt, At("2020-01-01T00:00:00Z")});
  CHECK(*ParseDatetimeText("2020-01-01T00:00:00Z/") ==
        DatetimeInterval{At("2020-01-01T00:00:00Z"), std::nullopt});
  CHECK(*ParseDatetimeText("..") == DatetimeInterval{});
}

TEST_CASE("bbox accepts 4 or 6 numbers and antimeridian boxes", "[search][bbox]") {
  CHECK(*ParseBboxText("-10,-5,10,5") == Bbox{-10, -5, 10, 5});
  CHECK(*ParseBboxText("-10,-5,0,10,5,100") == Bbox{-10, -5, 10, 5});
  const Bbox crossing = *ParseBboxText("170,-10,-170,10");
  CHECK(crossing.CrossesAntimeridian());
  CHECK(BboxGeoJson(crossing).find("MultiPolygon") != std::string::npos);
  CHECK(BboxGeoJson(*ParseBboxText("0.5,1,2,3")) ==
        R"({"type":"Polygon","coordinates":[[[0.5,1],[2,1],[2,3],[0.5,3],[0.5,1]]]})");
}

TEST_CASE("bbox rejects what the validator rejects", "[search][bbox]") {
  for (const char* text : {"[-10,-5,10,5]", "-10,5,10,-5", "1", "1,2", "1,2,3", "1,2,3,4,5",
                           "1,2,3,4,5,6,7", "a,b,c,d", "1,,2,3,4", "", "1, 2,3,4"}) {
    INFO(text);
    CHECK(IsInvalid(ParseBboxText(text).status()));
  }
}

TEST_CASE("bbox beyond CRS84's range is accepted and matches nothing there", "[search][bbox]") {
  // stac-api-validator searches an item's id with a box just beyond it and expects an empty
  // page, not an error; for a global item that box is 181,91,182,92.
  for (const char* text : {"181,91,182,92", "-10,-95,10,5", "-190,-5,10,5"}) {
    INFO(text);
    CHECK(ParseBboxText(text).ok());
  }
}

TEST_CASE("limit defaults, clamps and rejects", "[search][limit]") {
  CHECK(Get({})->limit == kDefaultLimit);
  CHECK(*ParseLimitText("1") == 1);
  CHECK(*ParseLimitText("10000") == 10000);
  CHECK(*ParseLimitText("10001") == kMaxLimit);
  CHECK(*ParseLimitText("1000000") == kMaxLimit);
  CHECK(*ParseLimitText("99999999999999999999999") == kMaxLimit);
  for (const char* text : {"0", "-1", "1.5", "abc", "", "+5"}) {
    INFO(text);
    CHECK(IsInvalid(ParseLimitText(text).status()));
  }
  CHECK(Post(R"({"limit":1000000})")->request.limit == kMaxLimit);
  CHECK(IsInvalid(Post(R"({"limit":-1})").status()));
  CHECK(IsInvalid(Post(R"({"limit":0})").status()));
  CHECK(IsInvalid(Post(R"({"limit":"10"})").status()));
  CHECK(IsInvalid(Post(R"({"limit":2.5})").status()));
}

TEST_CASE("intersects takes any GeoJSON geometry and nothing else", "[search][intersects]") {
  for (const char* text : {
           R"({"type":"Point","coordinates":[1,2]})",
           R"({"type":"MultiPoint","coordinates":[[1,2],[3,4]]})",
           R"({"type":"LineString","coordinates":[[1,2],[3,4]]})",
           R"({"type":"MultiLineString","coordinates":[[[1,2],[3,4]]]})",
           R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]})",
           R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]})",
           R"({"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]})",
       }) {
    INFO(text);
    CHECK(ParseIntersectsText(text).ok());
  }
  for (const char* text : {
           "not json", "[1,2]", R"({"type":"Point"})", R"({"coordinates":[1,2]})",
           R"({"type":"Circle","coordinates":[1,2]})", R"({"type":"Point","coordinates":[1]})",
           R"({"type":"Polygon","coordinates":[[[0,0],[1,1]]]})",
           R"({"type":"Point","coordinates":["a","b"]})",
           R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}})",
       }) {
    INFO(text);
    CHECK(IsInvalid(ParseIntersectsText(text).status()));
  }
  // Members other than type and coordinates (a "crs" would change the SRID) are dropped.
  CHECK(*ParseIntersectsText(R"({"type":"Point","coordinates":[1,2],"crs":{"x":1}})") ==
        R"({"type":"Point","coordinates":[1,2]})");
}

TEST_CASE("GET and POST parse into the same request", "[search][equivalence]") {
  const TokenSigner signer("key");
  PageToken token{PageToken::Direction::kNext, {"12345", "c1", "item,1"}, 42, ""};
  const QueryParams get = {
      {"collections", "c1,c2"},
      {"ids", "a,b"},
      {"bbox", "-10,-5,10,5"},
      {"datetime", "2020-01-01T00:00:00Z/.."},
      {"limit", "25"},
      {"token", "to be set"},
  };
  // The token is bound to this search: sign it for the search's fingerprint first.
  QueryParams without_token(get.begin(), get.end() - 1);
  auto search = Get(without_token);
  REQUIRE(search.ok());
  token.search = SearchFingerprint(*search, "/search");
  const std::string encoded = signer.Encode(token);
  QueryParams with_token = get;
  with_token.back().second = encoded;
  const std::string post = R"({"collections":["c1","c2"],"ids":["a","b"],"bbox":[-10,-5,10,5],)"
                           R"("datetime":"2020-01-01T00:00:00Z/..","limit":25,"token":")" +
                           encoded + R"("})";
  auto from_get = Get(with_token);
  auto from_post = Post(post);
  REQUIRE(from_get.ok());
  REQUIRE(from_post.ok());
  CHECK(*from_get == from_post->request);
  CHECK(from_post->body_without_token.find("token") == std::string::npos);
  REQUIRE(ResolveToken(*from_get, token.search, signer).ok());
  CHECK(from_get->token == token);
  CHECK_FALSE(from_get->token_text.has_value());

  const std::string geometry = R"({"type":"Point","coordinates":[1,2]})";
  auto get_intersects = Get({{"intersects", geometry}});
  auto post_intersects = Post(R"({"intersects":)" + geometry + "}");
  REQUIRE(get_intersects.ok());
  REQUIRE(post_intersects.ok());
  CHECK(*get_intersects == post_intersects->request);
}

TEST_CASE("POST bodies read numbers exactly, so a next link's body means the same search",
          "[search][bbox]") {
  // Boost.JSON alone reads -1.7243127776997827E2 one unit in the last place off.
  auto first = Post(R"({"bbox":[-172.43127776997827,-9.146229953197121,)"
                               R"(-15.075161560223165,118446744073709551616.0]})");
  REQUIRE(first.ok());
  CHECK(first->request.bbox->west == -172.43127776997827);
  CHECK(first->request.bbox->south == -9.146229953197121);
  auto again = Post(first->body_without_token);
  REQUIRE(again.ok());
  CHECK(again->request == first->request);
  CHECK(SearchFingerprint(again->request, "/search") ==
        SearchFingerprint(first->request, "/search"));
}

// The filter tree a query gives, compared with the cql2-text it means.
cql2::Node QueryTree(const std::string& query_json) {
  absl::StatusOr<SearchRequest> get = Get({{"query", query_json}});
  INFO(query_json);
  REQUIRE(get.ok());
  absl::StatusOr<ParsedBody> post = Post(StrCat(R"({"query":)", query_json, "}"));
  REQUIRE(post.ok());
  REQUIRE(get->filter);
  CHECK(post->request.filter == get->filter);  // GET and POST alike
  return *get->filter;
}

cql2::Node Cql2(const std::string& text) {
  absl::StatusOr<cql2::Node> node = cql2::ParseText(text);
  REQUIRE(node.ok());
  return *node;
}

TEST_CASE("query (the Query extension) reads as the CQL2 it means", "[search][query]") {
  CHECK(QueryTree(R"({"a":{"eq":"x"}})") == Cql2("a = 'x'"));
  CHECK(QueryTree(R"({"a":{"neq":1,"lt":2.5,"lte":3,"gt":true,"gte":-4}})") ==
        Cql2("a <> 1 AND a < 2.5 AND a <= 3 AND a > true AND a >= -4"));
  CHECK(QueryTree(R"({"a":{"in":["x",1]},"properties.b":{"eq":"y"}})") ==
        Cql2("a IN ('x', 1) AND properties.b = 'y'"));
  // The wildcards of LIKE in the operand are literal.
  CHECK(QueryTree(R"({"a":{"startsWith":"x%_\\"}})") == Cql2(R"(a LIKE 'x\%\_\\%')"));
  CHECK(QueryTree(R"({"a":{"endsWith":"x"}})") == Cql2("a LIKE '%x'"));
  CHECK(QueryTree(R"({"a":{"contains":"x"}})") == Cql2("a LIKE '%x%'"));
  // Beside a filter: both hold.
  absl::StatusOr<SearchRequest> both =
      Get({{"query", R"({"a":{"eq":"x"}})"}, {"filter", "b = 1"}});
  REQUIRE(both.ok());
  CHECK(*both->filter == Cql2("b = 1 AND a = 'x'"));
  // An empty query constrains nothing.
  absl::StatusOr<SearchRequest> empty = Get({{"query", "{}"}});
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->filter);
}

TEST_CASE("malformed queries are refused, naming the parameter", "[search][query]") {
  for (const std::string query :
       {"x", "[]", "1", R"({"a":1})", R"({"a":{}})", R"({"a":{"like":"x"}})",
        R"({"a":{"in":[]}})", R"({"a":{"in":[[1]]}})", R"({"a":{"eq":null}})",
        R"({"a":{"eq":{"b":1}}})", R"({"a":{"startsWith":1}})"}) {
    absl::StatusOr<SearchRequest> get = Get({{"query", query}});
    INFO(query);
    REQUIRE_FALSE(get.ok());
    CHECK(IsInvalid(get.status()));
    CHECK_THAT(std::string(get.status().message()), Catch::Contains("query"));
  }
  // A query of more conditions than an IN list may hold.
  std::string many = "{";
  for (int i = 0; i < 1001; ++i) StrAppend(&many, i > 0 ? "," : "", "\"p", i, "\":{\"eq\":1}");
  many += "}";
  CHECK_FALSE(Get({{"query", many}}).ok());
}

TEST_CASE("search parameter errors", "[search][errors]") {
  CHECK(IsInvalid(Get({{"bbox", "0,0,1,1"},
                                    {"intersects", R"({"type":"Point","coordinates":[1,2]})"}})
                      .status()));
  CHECK(IsInvalid(Post(
                      R"({"bbox":[0,0,1,1],"intersects":{"type":"Point","coordinates":[1,2]}})")
                      .status()));
  CHECK(IsInvalid(Get({{"foo", "bar"}}).status()));
  CHECK(IsInvalid(Get({{"limit", "1"}, {"limit", "2"}}).status()));
  {
    auto garbage = Get({{"token", "garbage!"}});
    REQUIRE(garbage.ok());  // checked once the search is known
    CHECK(IsInvalid(ResolveToken(*garbage, SearchFingerprint(*garbage, "/search"),
                                 TokenSigner("key"))));
  }
  CHECK(IsInvalid(Post("{not json").status()));
  CHECK(IsInvalid(Post("[1,2]").status()));
  CHECK(IsInvalid(Post(R"({"collections":5})").status()));
  CHECK(IsInvalid(Post(R"({"collections":"a\u0000b"})").status()));
  // A string is read as in GET (stac-api-validator sends one).
  CHECK(Post(R"({"collections":"c1,c2"})")->request.collections ==
        std::vector<std::string>{"c1", "c2"});
  CHECK(IsInvalid(Post(R"({"bbox":"0,0,1,1"})").status()));
  CHECK(IsInvalid(Post(R"({"unknown":1})").status()));
  CHECK(Post(R"({"bbox":null,"datetime":null})").ok());
  CHECK(Post("{}").ok());
}

TEST_CASE("an unencoded + in a GET datetime survives form decoding", "[search][datetime]") {
  auto request = Get({{"datetime", "2020-01-01T01:00:00 01:00"}});
  REQUIRE(request.ok());
  CHECK(request->datetime->start == At("2020-01-01T00:00:00Z"));
}

TEST_CASE("the items endpoint searches only its own collection", "[search][items]") {
  auto request = ParseQuery({{"collections", "other,c9"}}, Family::kItems, "c1");
  REQUIRE(request.ok());
  CHECK(request->collections == std::vector<std::string>{"c1"});
  CHECK(IsInvalid(ParseQuery({{"foo", "x"}}, Family::kItems, "c1").status()));
}

TEST_CASE("page tokens round-trip and reject forgeries", "[search][token]") {
  const TokenSigner signer("installation key");
  for (const PageToken& token : {
           PageToken{PageToken::Direction::kNext, {"0", "c", "i"}, std::nullopt, "fp"},
           PageToken{PageToken::Direction::kPrev, {"-62135596800000000", "a:b", "x:y:z"}, 0, "f:p"},
           PageToken{PageToken::Direction::kNext, {"1700000000123456", "", "only-id"}, 10000, ""},
           PageToken{PageToken::Direction::kNext, {std::nullopt, "-", "4:ab"}, 1, "x"},
           PageToken{PageToken::Direction::kNext, {}, std::nullopt, ""},
           PageToken{PageToken::Direction::kNext, {"7", "c", "i"}, 3, "fp", true},
           PageToken{PageToken::Direction::kPrev, {"7", "c", "i"}, std::nullopt, "fp", true},
       }) {
    const std::string text = signer.Encode(token);
    CHECK(text.find_first_of("+/=&?") == std::string::npos);  // URL-safe as is
    auto decoded = signer.Decode(text, token.search);
    REQUIRE(decoded.ok());
    CHECK(*decoded == token);
    // Bound to its search, its key and every byte of it.
    CHECK(IsInvalid(signer.Decode(text, "another search").status()));
    CHECK(IsInvalid(TokenSigner("another key").Decode(text, token.search).status()));
    for (size_t i = 0; i < text.size(); ++i) {
      std::string tampered = text;
      tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
      INFO(i);
      CHECK(IsInvalid(signer.Decode(tampered, token.search).status()));
    }
  }
  for (const char* text : {"", "abc", "aTE6", "!!!"}) {
    INFO(text);
    CHECK(IsInvalid(signer.Decode(text, "").status()));
  }
  CHECK(*DecodeCollectionsToken(EncodeCollectionsToken("x/y")) == "x/y");
  CHECK(IsInvalid(DecodeCollectionsToken(signer.Encode({})).status()));
}

TEST_CASE("a forged count or an out-of-range time cannot come back in a token", "[search][token]") {
  // The old unsigned layout with numberMatched 999999999 and the time INT64_MIN: both the
  // forgery and the overflow it used to cause are refused.
  const TokenSigner signer("installation key");
  CHECK(IsInvalid(signer.Decode(Base64UrlEncode("i1n:-9223372036854775808:999999999:1:ci"), "")
                      .status()));
  // Keys are checked against the order they are to page.
  const SortSpec order = SortSpec::Default();
  auto keyset = [&](PageToken token) {
    auto decoded = signer.Decode(signer.Encode(token), "fp");
    REQUIRE(decoded.ok());
    QueryBuilder builder;
    return order.Keyset(*decoded, builder).status();
  };
  CHECK(keyset({PageToken::Direction::kNext, {"5", "c", "i"}, 5, "fp"}).ok());
  for (const PageToken& token : {
           PageToken{PageToken::Direction::kNext, {"-9223372036854775808", "c", "i"}, 5, "fp"},
           PageToken{PageToken::Direction::kNext, {StrCat(kMaxParsedMicros + 1), "c", "i"}, 5,
                     "fp"},
           PageToken{PageToken::Direction::kNext, {"5x", "c", "i"}, 5, "fp"},
           PageToken{PageToken::Direction::kNext, {std::nullopt, "c", "i"}, 5, "fp"},
           PageToken{PageToken::Direction::kNext, {"5", "c"}, 5, "fp"},
           PageToken{PageToken::Direction::kNext, {"5", "c", "i", "j"}, 5, "fp"},
       }) {
    CHECK(IsInvalid(keyset(token)));
  }
}

TEST_CASE("the fingerprint of a search covers its filters, not its limit", "[search][token]") {
  auto base = Get({{"collections", "a,b"}, {"bbox", "0,0,1,1"}, {"limit", "5"}});
  REQUIRE(base.ok());
  const std::string fp = SearchFingerprint(*base, "/search");
  SearchRequest other_limit = *base;
  other_limit.limit = 50;
  CHECK(SearchFingerprint(other_limit, "/search") == fp);
  CHECK(SearchFingerprint(*base, "/catalogs/x/search") != fp);
  for (auto change : std::vector<std::function<void(SearchRequest&)>>{
           [](SearchRequest& r) { r.collections = {"a"}; },
           [](SearchRequest& r) { r.collections = {"ab"}; },
           [](SearchRequest& r) { r.ids = {"x"}; },
           [](SearchRequest& r) { r.bbox = Bbox{0, 0, 1, 2}; },
           [](SearchRequest& r) { r.datetime = DatetimeInterval{0, 0}; },
           [](SearchRequest& r) { r.sortby = {{"datetime", false}}; },
       }) {
    SearchRequest changed = *base;
    change(changed);
    CHECK(SearchFingerprint(changed, "/search") != fp);
  }
}

TEST_CASE("sortby reads GET signs, encoded or decoded, and POST objects alike", "[search][sort]") {
  const std::vector<SortField> expected = {
      {"datetime", true}, {"id", false}, {"eo:cloud_cover", false}};
  for (const char* text :
       {"-datetime,+id,eo:cloud_cover", "-properties.datetime, id,+properties.eo:cloud_cover"}) {
    absl::StatusOr<SearchRequest> get = Get({{"sortby", text}});
    INFO(text);
    REQUIRE(get.ok());
    CHECK(get->sortby == expected);
  }
  absl::StatusOr<ParsedBody> post = Post(
      R"({"sortby":[{"field":"properties.datetime","direction":"desc"},{"field":"id"},)"
      R"({"field":"eo:cloud_cover","direction":"asc"}]})");
  REQUIRE(post.ok());
  CHECK(post->request.sortby == expected);
}

TEST_CASE("malformed sortby is refused, naming the parameter", "[search][sort]") {
  for (const char* text : {"", ",", "-", "+", "properties.", "a,b,c,d,e,f,g,h,i"}) {
    absl::StatusOr<SearchRequest> get = Get({{"sortby", text}});
    INFO(text);
    REQUIRE(IsInvalid(get.status()));
    CHECK_THAT(std::string(get.status().message()), Catch::Contains("sortby"));
  }
  for (const char* body : {R"({"sortby":"datetime"})", R"({"sortby":[]})", R"({"sortby":[{}]})",
                           R"({"sortby":[{"field":1}]})",
                           R"({"sortby":[{"field":"id","direction":"up"}]})",
                           R"({"sortby":[{"field":"id","order":"asc"}]})",
                           R"({"sortby":[{"field":""}]})"}) {
    absl::StatusOr<ParsedBody> post = Post(body);
    INFO(body);
    REQUIRE(IsInvalid(post.status()));
    CHECK_THAT(std::string(post.status().message()), Catch::Contains("sortby"));
  }
}

}  // namespace
}  // namespace stacfed::search
