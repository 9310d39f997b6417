#include <catch2/catch.hpp>

#include "libstac/ingest/json_scan.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/model/datetime.hpp"

using stacfed::ingest::PrepareCollection;
using stacfed::ingest::PrepareItem;
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
  auto empty = PrepareItem(Item("null", R"({"datetime":"2020-01-01T00:00:00Z","o":{}})"));
  REQUIRE(empty.ok());
  CHECK(empty->properties_json == R"({"o":{},"datetime":"2020-01-01T00:00:00Z"})");
}
