#include <catch2/catch.hpp>

#include "libstac/ingest/json_scan.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/model/datetime.hpp"

using stacfed::ingest::PrepareCollection;
using stacfed::ingest::PrepareItem;
using stacfed::ingest::Member;
using stacfed::ingest::ObjectMembers;
using stacfed::ingest::SkipJsonValue;
using stacfed::ingest::TopLevelValue;

namespace {

std::string Item(const std::string& geometry, const std::string& properties,
                 const std::string& extra = "") {
  return R"({"type":"Feature","stac_version":"1.0.0","id":"a","collection":"c","geometry":)" +
         geometry + R"(,"properties":)" + properties + extra + "}";
}

std::string ErrorOf(const std::string& json) {
  auto item = PrepareItem(json);
  REQUIRE_FALSE(item.ok());
  return std::string(item.status().message());
}

}  // namespace

TEST_CASE("a valid item is staged with its time range, EWKB and derived bbox", "[ingest]") {
  auto item = PrepareItem(Item(R"({"type":"Point","coordinates":[10.5,-20,3]})",
                               R"({"datetime":"2020-01-01T00:00:00Z"})",
                               R"(,"links":[{"rel":"self","href":"x"},{"rel":"license","href":"l"}])"));
  REQUIRE(item.ok());
  CHECK(item->id == "a");
  CHECK(item->collection == "c");
  CHECK(item->datetime_us == *stacfed::ParseRfc3339("2020-01-01T00:00:00Z"));
  CHECK(item->end_datetime_us == item->datetime_us);
  // Little-endian point with SRID 4326, two coordinates (the Z is dropped: the column is 2D).
  CHECK(item->geometry_ewkb.substr(0, 9) == std::string("\x01\x01\x00\x00\x20\xE6\x10\x00\x00", 9));
  CHECK(item->geometry_ewkb.size() == 9 + 16);
  CHECK(item->content_json.find("\"links\"") == std::string::npos);
  CHECK(item->content_json.find("\"bbox\":[10.5,-20,10.5,-20]") != std::string::npos);
  CHECK(item->links_json == R"([{"rel":"license","href":"l"}])");
}

TEST_CASE("datetime null takes the item's range from start and end", "[ingest]") {
  auto item = PrepareItem(Item("null", R"({"datetime":null,"start_datetime":"1850-01-01T00:00:00Z","end_datetime":"4029-12-31T00:00:00+01:00"})"));
  REQUIRE(item.ok());
  CHECK(item->geometry_ewkb.empty());
  CHECK(stacfed::FormatRfc3339(item->datetime_us) == "1850-01-01T00:00:00Z");
  CHECK(stacfed::FormatRfc3339(item->end_datetime_us) == "4029-12-30T23:00:00Z");
}

TEST_CASE("invalid items are rejected with a reason a person can act on", "[ingest]") {
  const std::string ok_props = R"({"datetime":"2020-01-01T00:00:00Z"})";
  CHECK(ErrorOf("{not json").find("not valid JSON") != std::string::npos);
  CHECK(ErrorOf(R"({"type":"Feature","geometry":null,"properties":{}})").find("\"id\" is missing") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"type":"Feature","id":"a","collection":"c","properties":{"datetime":"2020-01-01T00:00:00Z"}})")
            .find("\"geometry\" is missing") != std::string::npos);
  CHECK(ErrorOf(Item("null", R"({"datetime":"2020-01-01"})")).find("RFC 3339") != std::string::npos);
  CHECK(ErrorOf(Item("null", R"({"datetime":null})")).find("start_datetime and end_datetime are required") !=
        std::string::npos);
  CHECK(ErrorOf(Item("null", R"({"datetime":null,"start_datetime":"2021-01-01T00:00:00Z","end_datetime":"2020-01-01T00:00:00Z"})"))
            .find("after") != std::string::npos);
  CHECK(ErrorOf(Item(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]})", ok_props))
            .find("not closed") != std::string::npos);
  CHECK(ErrorOf(Item(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]})", ok_props))
            .find("at least 4 positions") != std::string::npos);
  CHECK(ErrorOf(Item(R"({"type":"Point","coordinates":[null,null]})", ok_props))
            .find("not a number") != std::string::npos);
  CHECK(ErrorOf(Item(R"({"type":"Circle","coordinates":[0,0]})", ok_props))
            .find("unknown geometry type") != std::string::npos);
  CHECK(ErrorOf(Item("null", R"({"datetime":"2020-01-01T00:00:00Z","x":"\u0000"})"))
            .find("u0000") != std::string::npos);
  CHECK(ErrorOf(R"({"type":"Collection","id":"a"})").find("expected \"Feature\"") != std::string::npos);
}

TEST_CASE("every GeoJSON geometry type converts", "[ingest]") {
  const std::string props = R"({"datetime":"2020-01-01T00:00:00Z"})";
  for (const char* geometry : {
           R"({"type":"MultiPoint","coordinates":[[0,0],[1,1]]})",
           R"({"type":"LineString","coordinates":[[0,0],[1,1]]})",
           R"({"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]})",
           R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]})",
           R"({"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]})"}) {
    INFO(geometry);
    CHECK(PrepareItem(Item(geometry, props)).ok());
  }
}

TEST_CASE("an item's extra links are kept as the text they arrived in", "[ingest]") {
  auto item = PrepareItem(Item("null", R"({"datetime":"2020-01-01T00:00:00Z"})",
                               R"(,"links":[ {"rel": "self", "href":"x"} ,)"
                               R"( { "rel" : "license", "href" : "l", "n": 1.50 }, {"rel":"via","href":"v"} ])"));
  REQUIRE(item.ok());
  CHECK(item->links_json == R"([{ "rel" : "license", "href" : "l", "n": 1.50 },{"rel":"via","href":"v"}])");
  auto only_generated = PrepareItem(Item("null", R"({"datetime":"2020-01-01T00:00:00Z"})",
                                         R"(,"links":[{"rel":"self","href":"x"}])"));
  REQUIRE(only_generated.ok());
  CHECK(only_generated->links_json.empty());
  CHECK(ErrorOf(Item("null", R"({"datetime":"2020-01-01T00:00:00Z"})", R"(,"links":[{"rel":"x"}])")) ==
        "a link has no string \"href\"");
}

TEST_CASE("identical items hash identically, changed ones differently", "[ingest]") {
  const std::string props = R"({"datetime":"2020-01-01T00:00:00Z"})";
  auto a = PrepareItem(Item("null", props));
  auto b = PrepareItem(Item("null", props));
  auto c = PrepareItem(Item("null", R"({"datetime":"2020-01-02T00:00:00Z"})"));
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(a->content_hash == b->content_hash);
  CHECK(a->content_hash != c->content_hash);
}

TEST_CASE("collections keep their content and drop generated links", "[ingest]") {
  auto c = PrepareCollection(R"({"type":"Collection","id":"x","description":"d","extent":{},"links":[{"rel":"self","href":"s"},{"rel":"about","href":"a"}]})");
  REQUIRE(c.ok());
  CHECK(c->id == "x");
  CHECK(c->links_json == R"([{"rel":"about","href":"a"}])");
  CHECK_FALSE(PrepareCollection(R"({"type":"Collection"})").ok());
}

TEST_CASE("collections keep the text of their values, numbers exactly", "[ingest]") {
  // minify wrote numbers back from doubles: 1.9998E5 as 199980.0, the long decimals cut to
  // 17 digits; jsonb keeps the exact decimal value of the text.
  auto c = PrepareCollection(
      R"({"type":"Collection","id":"x","\u0064escription":"d \/ caf\u00e9","extent":{"spatial": )"
      R"({"bbox": [[1.9998E5, 59.955799999999996, 0.1000000000000000055511151231257827, 9007199254740993]]}}, )"
      R"("links":[{"rel":"self","href":"s"},{"rel":"about","href":"a","weight": 1.50}]})");
  REQUIRE(c.ok());
  CHECK(c->content_json ==
        R"({"type":"Collection","id":"x","description":"d \/ caf\u00e9","extent":{"spatial": )"
        R"({"bbox": [[1.9998E5, 59.955799999999996, 0.1000000000000000055511151231257827, 9007199254740993]]}}})");
  CHECK(c->links_json == R"([{"rel":"about","href":"a","weight": 1.50}])");
}

TEST_CASE("TopLevelValue finds top-level members only and stops at the first match", "[ingest][scan]") {
  const std::string_view doc =
      R"( {"type":"Feature", "properties":{"type":"nested"}, "id":"a\"b", "last":[1,{"x":2}]} )";
  auto span = [&](std::string_view key) -> std::string {
    auto value = TopLevelValue(doc, key);
    return value ? std::string(doc.substr(value->begin, value->end - value->begin)) : "<none>";
  };
  CHECK(span("type") == R"("Feature")");
  CHECK(span("id") == R"("a\"b")");
  CHECK(span("last") == R"([1,{"x":2}])");
  CHECK(span("x") == "<none>");
  CHECK_FALSE(TopLevelValue("[1,2]", "type").has_value());
  CHECK_FALSE(TopLevelValue(R"({"type":"unterminated)", "type").has_value());
}

TEST_CASE("strings are skipped to their closing quote, escapes included", "[ingest][scan]") {
  // Long strings are scanned sixteen bytes at a time: put quotes and backslashes on both
  // sides of every chunk boundary.
  for (size_t pad = 0; pad < 40; ++pad) {
    const std::string filler(pad, 'x');
    for (const std::string& inner : {filler, filler + R"(\")", R"(\\)" + filler, filler + R"(\\)",
                                    filler + R"(\"\\\")" + filler, filler + R"(\u00e9)"}) {
      const std::string doc = "\"" + inner + "\",1";
      INFO("string body: " << inner);
      CHECK(SkipJsonValue(doc, 0) == inner.size() + 2);
    }
    // Unterminated: an escaped last quote, or a lone backslash at the very end.
    CHECK(SkipJsonValue("\"" + filler + R"(\")", 0) == std::string_view::npos);
    CHECK(SkipJsonValue("\"" + filler + "\\", 0) == std::string_view::npos);
    CHECK(SkipJsonValue("\"" + filler, 0) == std::string_view::npos);
  }
}

TEST_CASE("an object and one nested object are split into members in one pass", "[ingest][scan]") {
  const std::string_view doc =
      R"(  { "id" : "a\"}", "properties" : { "b":[1,{"c":"}"}], "a" : {"x":1} } , "z":{"q":2} } )";
  std::vector<Member> members, nested;
  const size_t end = ObjectMembers(doc, 2, members, "properties", &nested);
  CHECK(end == doc.rfind('}') + 1);
  REQUIRE(members.size() == 3);
  auto text = [&](stacfed::ingest::Span span) {
    return std::string(doc.substr(span.begin, span.end - span.begin));
  };
  CHECK(members[0].key == "id");
  CHECK(text(members[0].value) == R"("a\"}")");
  CHECK(text(members[0].whole) == R"("id" : "a\"}")");
  CHECK(members[1].key == "properties");
  CHECK(text(members[1].value) == R"({ "b":[1,{"c":"}"}], "a" : {"x":1} })");
  CHECK(text(members[2].value) == R"({"q":2})");
  // The nested members index the same document; the other object values are skipped.
  REQUIRE(nested.size() == 2);
  CHECK(nested[0].key == "b");
  CHECK(text(nested[0].value) == R"([1,{"c":"}"}])");
  CHECK(nested[1].key == "a");
  CHECK(text(nested[1].value) == R"({"x":1})");

  // Without a nested key every value is skipped; cut-short objects are refused.
  CHECK(ObjectMembers(doc, 2, members) == end);
  CHECK(members.size() == 3);
  CHECK(ObjectMembers(R"({"a":1)", 0, members) == std::string_view::npos);
  CHECK(ObjectMembers(R"({"a":{"b":1})", 0, members, "a", &nested) == std::string_view::npos);
  CHECK(ObjectMembers(R"([1])", 0, members) == std::string_view::npos);
  CHECK(ObjectMembers(R"({})", 0, members) == 2);
  CHECK(members.empty());
}

TEST_CASE("top-level keys written with escapes are read as what they spell", "[ingest]") {
  auto item = PrepareItem(R"({"type":"Feature","id":"a","collection":"c","geometry":null,)"
                          R"("lin\u006bs":[{"rel":"self","href":"s"},{"rel":"via","href":"v"}],)"
                          R"("propert\u0069es":{"x":1,"datetime":"2020-01-01T00:00:00Z"}})");
  REQUIRE(item.ok());
  CHECK(item->properties_json == R"({"x":1,"datetime":"2020-01-01T00:00:00Z"})");
  CHECK(item->datetime_us == *stacfed::ParseRfc3339("2020-01-01T00:00:00Z"));
  // The links are stored apart, not left in the content for the server to repeat.
  CHECK(item->links_json == R"([{"rel":"via","href":"v"}])");
  CHECK(item->content_json.find("lin") == std::string::npos);
  CHECK(item->content_json.find(R"("propert\u0069es":{"x":1,)") != std::string::npos);
}

TEST_CASE("the members after links and properties go into the content as they came", "[ingest]") {
  // The scan ends at the last "links"/"properties" member; what follows is copied whole.
  auto item = PrepareItem(
      R"({"type":"Feature","id":"a","collection":"c","geometry":null,)"
      R"("properties":{"datetime":"2020-01-01T00:00:00Z"},"links":[{"rel":"via","href":"v"}] ,)"
      "\n  " R"("assets":{"d":{"href":"x, y}"}} , "z" : [1, {"links":2}]   )" "\n}\n");
  REQUIRE(item.ok());
  CHECK(item->content_json ==
        R"({"type":"Feature","id":"a","collection":"c","geometry":null,)"
        R"("properties":{"datetime":"2020-01-01T00:00:00Z"},)"
        R"("assets":{"d":{"href":"x, y}"}} , "z" : [1, {"links":2}]})");
  CHECK(item->links_json == R"([{"rel":"via","href":"v"}])");
  // Nothing after the last of them.
  auto last = PrepareItem(Item("null", R"({"datetime":"2020-01-01T00:00:00Z"})",
                               R"(,"links":[{"rel":"via","href":"v"}] )"));
  REQUIRE(last.ok());
  CHECK(last->content_json.back() == '}');
  CHECK(last->content_json.find("links") == std::string::npos);
  CHECK(last->content_json.find(",}") == std::string::npos);
  // Links first: the content does not start with a comma.
  auto first = PrepareItem(
      R"({"links":[],"properties":{"datetime":"2020-01-01T00:00:00Z"},"type":"Feature",)"
      R"("id":"a","collection":"c","geometry":null})");
  REQUIRE(first.ok());
  CHECK(first->content_json ==
        R"({"properties":{"datetime":"2020-01-01T00:00:00Z"},"type":"Feature","id":"a",)"
        R"("collection":"c","geometry":null})");
  // A second "links" later on (here spelt with an escape) is still found: the last one wins.
  auto twice = PrepareItem(Item("null", R"({"datetime":"2020-01-01T00:00:00Z"})",
                                R"(,"links":[{"rel":"via","href":"v"}],"assets":{},)"
                                R"("lin\u006bs":[{"rel":"about","href":"w"}])"));
  REQUIRE(twice.ok());
  CHECK(twice->links_json == R"([{"rel":"about","href":"w"}])");
  CHECK(twice->content_json.find("lin") == std::string::npos);
  CHECK(twice->content_json.find(R"("assets":{})") != std::string::npos);
}

TEST_CASE("an item with two \"properties\" members takes the last, as the parser does", "[ingest]") {
  auto item = PrepareItem(
      R"({"type":"Feature","id":"a","collection":"c","geometry":null,)"
      R"("properties":{"datetime":"2020-01-01T00:00:00Z","x":1},)"
      R"("properties":{"zz":2,"datetime":"2021-01-01T00:00:00Z"}})");
  REQUIRE(item.ok());
  CHECK(item->properties_json == R"({"zz":2,"datetime":"2021-01-01T00:00:00Z"})");
  CHECK(item->datetime_us == *stacfed::ParseRfc3339("2021-01-01T00:00:00Z"));
}

TEST_CASE("properties go to jsonb with their keys in jsonb's order, values as they came", "[ingest]") {
  // jsonb orders keys by length, then bytewise, at every level; content keeps the original.
  auto item = PrepareItem(Item("null", R"({ "zz" : 1.50, "datetime":"2020-01-01T00:00:00Z",)"
                                       R"("a":{"cc":[{"y":1,"x":2}],"b":"\"q\""},"ab":null,"aa":true})"));
  REQUIRE(item.ok());
  CHECK(item->properties_json ==
        R"({"a":{"b":"\"q\"","cc":[{"y":1,"x":2}]},"aa":true,"ab":null,"zz":1.50,)"
        R"("datetime":"2020-01-01T00:00:00Z"})");
  CHECK(item->content_json.find(R"({ "zz" : 1.50, "datetime")") != std::string::npos);

  // A key with an escape (its parsed length differs from its text) leaves the object to
  // PostgreSQL's own sort. (Duplicate keys: loader_test checks jsonb still keeps the last.)
  auto escaped = PrepareItem(Item("null", R"({"z":1,"datetime":"2020-01-01T00:00:00Z","\u0061":2})"));
  REQUIRE(escaped.ok());
  CHECK(escaped->properties_json == R"({"z":1,"datetime":"2020-01-01T00:00:00Z","\u0061":2})");
  // Keys that share their first 14 bytes (or all but the last) and keys of equal length.
  auto shared = PrepareItem(Item("null", R"({"cmip6:variable_long_namf":1,"cmip6:variable_units":2,)"
                                         R"("cmip6:variable_id":3,"cmip6:variable_cf_standard_name":4,)"
                                         R"("cmip6:variable_long_name":5,"cmip6:variable_long_nama":6,)"
                                         R"("datetime":"2020-01-01T00:00:00Z","b":7,"a":8,"a":9})"));
  REQUIRE(shared.ok());
  CHECK(shared->properties_json ==
        R"({"a":8,"a":9,"b":7,"datetime":"2020-01-01T00:00:00Z","cmip6:variable_id":3,)"
        R"("cmip6:variable_units":2,"cmip6:variable_long_nama":6,"cmip6:variable_long_name":5,)"
        R"("cmip6:variable_long_namf":1,"cmip6:variable_cf_standard_name":4})");
  // The order found for one sequence of keys is reused for the next object with the same
  // sequence; others (reordered, one key more, one key spelt differently) are sorted anew.
  const std::vector<std::pair<std::string, std::string>> sequences = {
      {R"({"bb":1,"a":2,"datetime":"2020-01-01T00:00:00Z"})",
       R"({"a":2,"bb":1,"datetime":"2020-01-01T00:00:00Z"})"},
      {R"({"a":3,"bb":4,"datetime":"2020-01-01T00:00:00Z"})",
       R"({"a":3,"bb":4,"datetime":"2020-01-01T00:00:00Z"})"},
      {R"({"bb":1,"a":2,"datetime":"2020-01-01T00:00:00Z","c":5})",
       R"({"a":2,"c":5,"bb":1,"datetime":"2020-01-01T00:00:00Z"})"},
      {R"({"bc":1,"a":2,"datetime":"2020-01-01T00:00:00Z"})",
       R"({"a":2,"bc":1,"datetime":"2020-01-01T00:00:00Z"})"},
  };
  for (int round = 0; round < 3; ++round) {
    for (const auto& [properties, expected] : sequences) {
      auto staged = PrepareItem(Item("null", properties));
      REQUIRE(staged.ok());
      CHECK(staged->properties_json == expected);
    }
  }
  auto empty = PrepareItem(Item("null", R"({"datetime":"2020-01-01T00:00:00Z","o":{}})"));
  REQUIRE(empty.ok());
  CHECK(empty->properties_json == R"({"o":{},"datetime":"2020-01-01T00:00:00Z"})");
}

// Issue 13: values that passed validation but that PostgreSQL refused, failing their whole
// batch. Each limit is at the edge: one side passes, the other is rejected with its reason.
TEST_CASE("validation holds items to what PostgreSQL stores", "[ingest]") {
  const std::string props = R"({"datetime":"2020-01-01T00:00:00Z")";
  auto with_id = [](const std::string& id, const std::string& collection = "c") {
    return R"({"type":"Feature","id":")" + id + R"(","collection":")" + collection +
           R"(","geometry":null,"properties":{"datetime":"2020-01-01T00:00:00Z"}})";
  };
  SECTION("ids: the primary key's btree holds 2704 bytes") {
    CHECK(PrepareItem(with_id(std::string(1024, 'a'))).ok());
    CHECK(ErrorOf(with_id(std::string(1025, 'a'))) ==
          "\"id\" is 1025 bytes long; at most 1024 are accepted (it is a database key)");
    CHECK(PrepareItem(with_id("a", std::string(256, 'c'))).ok());
    CHECK(ErrorOf(with_id("a", std::string(257, 'c'))).find("\"collection\" is 257 bytes long") == 0);
  }
  SECTION("numbers: numeric holds 16383 digits after the decimal point") {
    for (const std::string& number : std::vector<std::string>
         {"1e-16383", "1.5e-16382", "0e-16383", "12e-16383", "-1E-16383", "1e300", "1e-9999",
          "0." + std::string(16383, '0'), "0.5e+0", "1e-00012"}) {
      INFO(number.substr(0, 30));
      CHECK(PrepareItem(Item("null", props + R"(,"x":[)" + number + "]}")).ok());
    }
    for (const std::string& number : std::vector<std::string>
         {"1e-16384", "1.5e-16383", "0e-16384", "120e-16385", "-1E-16384", "1e-0016384",
          "0." + std::string(16384, '0'), "9." + std::string(16380, '1') + "e-4"}) {
      INFO(number.substr(0, 30));
      const std::string error = ErrorOf(Item("null", props + R"(,"x":{"y":[1,)" + number + "]}}"));
      CHECK(error.find("properties: the number ") == 0);
      CHECK(error.find("has more than 16383 digits after the decimal point") != std::string::npos);
    }
    // Outside properties the number is stored as text: no limit. In a string, no number.
    CHECK(PrepareItem(Item("null", props + "}", R"(,"assets":{"a":{"size":1e-16384}})")).ok());
    CHECK(PrepareItem(Item("null", props + R"(,"s":"1e-16384"})")).ok());
  }
  SECTION("nesting: PostgreSQL parses jsonb recursively") {
    // The item is level 1 and its properties level 2.
    auto nested = [&](int levels) {
      return Item("null", props + R"(,"deep":)" + std::string(levels, '[') +
                              std::string(levels, ']') + "}");
    };
    CHECK(PrepareItem(nested(510)).ok());
    CHECK(ErrorOf(nested(511)) == "nested deeper than 512 levels of objects and arrays");
  }
  SECTION("geometry: -0 closes a ring that starts at 0 (PostGIS compares bytes)") {
    auto item = PrepareItem(Item(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[-0.0,-0.0]]]})",
                                 props + "}"));
    REQUIRE(item.ok());
    const std::string& ewkb = item->geometry_ewkb;
    CHECK(ewkb.substr(ewkb.size() - 16) == ewkb.substr(ewkb.size() - 64, 16));
  }
}

TEST_CASE("validation holds collections to what PostgreSQL stores", "[ingest]") {
  auto collection = [](const std::string& id, const std::string& extent,
                       const std::string& more = "") {
    return R"({"type":"Collection","id":")" + id + R"(","description":"d","extent":)" + extent +
           more + "}";
  };
  const std::string extent = R"({"spatial":{"bbox":[[-180,-90,180,90]]},"temporal":{"interval":[["2000-01-01T00:00:00Z",null]]}})";
  auto error_of = [](const std::string& json) {
    auto staged = PrepareCollection(json);
    REQUIRE_FALSE(staged.ok());
    return std::string(staged.status().message());
  };
  CHECK(PrepareCollection(collection(std::string(256, 'c'), extent)).ok());
  CHECK(error_of(collection(std::string(257, 'c'), extent)).find("\"id\" is 257 bytes long") == 0);
  CHECK(error_of(collection("c", R"({"spatial":{"bbox":[["-180",-90,180,90]]}})")) ==
        "extent.spatial.bbox must hold numbers");
  CHECK(error_of(collection("c", R"({"spatial":{"bbox":[[1e-400,-90,180,90]]}})")) ==
        "extent.spatial.bbox: 1e-400 is too close to 0 for double precision");
  CHECK(PrepareCollection(collection("c", R"({"spatial":{"bbox":[[0e-400,-90,180,90],["x"]]}})")).ok());
  CHECK(error_of(collection("c", R"({"temporal":{"interval":[[2000,null]]}})")) ==
        "extent.temporal.interval must hold date-time strings or null");
  CHECK(error_of(collection("c", extent, R"(,"summaries":{"x":[1e-16384]})")).find("the number 1e-16384") == 0);
  CHECK(PrepareCollection(collection("c", extent, R"(,"title":")" + std::string(500 << 10, 'w') + "\"")).ok());
  CHECK(error_of(collection("c", extent, R"(,"title":")" + std::string(300 << 10, 'w') +
                                             R"(","keywords":[")" + std::string(300 << 10, 'k') + "\"]")) ==
        "id, title, keywords and description are 614402 bytes together; at most 524288 are"
        " accepted (PostgreSQL's text search holds 1 MB)");
}

TEST_CASE("the record size limit and its variable", "[ingest]") {
  CHECK(stacfed::ingest::CheckRecordSize(4194304, 4194304).ok());
  CHECK(stacfed::ingest::CheckRecordSize(4194305, 4194304).message() ==
        "the record is 4194305 bytes, more than STACFED_MAX_ITEM_BYTES (4194304)");
  unsetenv("STACFED_MAX_ITEM_BYTES");
  CHECK(*stacfed::ingest::MaxRecordBytesFromEnv() == 4194304);
  setenv("STACFED_MAX_ITEM_BYTES", "2048", 1);
  CHECK(*stacfed::ingest::MaxRecordBytesFromEnv() == 2048);
  setenv("STACFED_MAX_ITEM_BYTES", "40000000", 1);
  CHECK(stacfed::ingest::MaxRecordBytesFromEnv().status().message().find("STACFED_MAX_ITEM_BYTES") !=
        std::string::npos);
  unsetenv("STACFED_MAX_ITEM_BYTES");
}
