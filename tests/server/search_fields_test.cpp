// The Fields extension: the GET and POST forms of `fields` (signs, a '+' decoded to a space,
// the default set, malformed forms) and the include/exclude rules applied to JSON text: the
// rows of the extension's "null vs. empty vs. missing" table, nested paths in both
// directions, the default set, and members copied exactly as written.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libstac/base/strings.hpp"
#include "server/search/fields.hpp"
#include "server/search/params.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

using Paths = std::vector<std::string>;

FieldsSpec Spec(std::optional<Paths> include, Paths exclude) {
  return FieldsSpec{std::move(include), std::move(exclude)};
}

FieldsSpec FromGet(std::string_view value) {
  absl::StatusOr<SearchRequest> request =
      ParseQuery({{"fields", std::string(value)}}, Family::kItemSearch);
  INFO(value);
  REQUIRE(request.ok());
  REQUIRE(request->fields.has_value());
  return *request->fields;
}

FieldsSpec FromPost(std::string_view fields_json) {
  absl::StatusOr<ParsedBody> parsed =
      ParseBody(StrCat(R"({"fields":)", fields_json, "}"), Family::kItemSearch);
  INFO(fields_json);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->request.fields.has_value());
  return *parsed->request.fields;
}

void ExpectGetRefused(std::string_view value) {
  absl::StatusOr<SearchRequest> request =
      ParseQuery({{"fields", std::string(value)}}, Family::kItemSearch);
  INFO(value);
  REQUIRE_FALSE(request.ok());
  CHECK(request.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(request.status().message()), Catch::Contains("'fields'"));
}

void ExpectPostRefused(std::string_view fields_json) {
  absl::StatusOr<ParsedBody> parsed =
      ParseBody(StrCat(R"({"fields":)", fields_json, "}"), Family::kItemSearch);
  INFO(fields_json);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(parsed.status().message()), Catch::Contains("'fields'"));
}

// `document` through the rules of `spec` with an item's default set.
json::value Filtered(const FieldsSpec& spec, std::string_view document) {
  const std::string out = FieldsFilter(spec, ItemDefaultFields()).Apply(document);
  INFO(out);
  json::error_code ec;
  json::value value = json::parse(out, ec);
  REQUIRE_FALSE(ec);
  return value;
}

json::value Json(std::string_view text) { return json::parse(text); }

TEST_CASE("fields in GET: signs, spaces and the default set", "[search][fields]") {
  CHECK(FromGet("id,-geometry,+properties.cmip6:variable_id") ==
        Spec(Paths{"id", "properties.cmip6:variable_id"}, {"geometry"}));
  // pystac-client writes "+id"; sent unencoded, URL decoding turns the '+' into a space.
  CHECK(FromGet(" id, properties") == Spec(Paths{"id", "properties"}, {}));
  CHECK(FromGet("+id,+properties,-properties.foo") ==
        Spec(Paths{"id", "properties"}, {"properties.foo"}));
  // GET cannot leave include out: excludes alone apply to the default set.
  CHECK(FromGet("-geometry") == Spec(Paths{}, {"geometry"}));
  CHECK(FromGet("") == Spec(Paths{}, {}));
  CHECK(FromGet("id,,geometry,") == Spec(Paths{"id", "geometry"}, {}));
  CHECK(FromGet("assets.data.href") == Spec(Paths{"assets.data.href"}, {}));
}

TEST_CASE("fields in POST: members missing, null and empty", "[search][fields]") {
  CHECK(FromPost(R"({"include":["id","properties.eo:cloud_cover"],"exclude":["geometry"]})") ==
        Spec(Paths{"id", "properties.eo:cloud_cover"}, {"geometry"}));
  CHECK(FromPost(R"({"exclude":["geometry"]})") == Spec(std::nullopt, {"geometry"}));
  CHECK(FromPost(R"({"include":null,"exclude":["geometry"]})") == Spec(Paths{}, {"geometry"}));
  CHECK(FromPost(R"({"include":[],"exclude":["geometry"]})") == Spec(Paths{}, {"geometry"}));
  CHECK(FromPost(R"({})") == Spec(std::nullopt, {}));
  CHECK(FromPost(R"({"exclude":null})") == Spec(std::nullopt, {}));
  // A null `fields` is refused (other null members are absent ones).
  absl::StatusOr<ParsedBody> null_fields = ParseBody(R"({"fields":null})", Family::kItemSearch);
  CHECK(null_fields.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("fields in GET and POST mean the same", "[search][fields]") {
  CHECK(FromGet("id,-geometry") == FromPost(R"({"include":["id"],"exclude":["geometry"]})"));
  CHECK(FromGet("-assets") == FromPost(R"({"include":[],"exclude":["assets"]})"));
}

TEST_CASE("fields belongs to item searches, collection items and collection search",
          "[search][fields]") {
  CHECK(ParseQuery({{"fields", "id"}}, Family::kItems, "c").ok());
  CHECK(ParseQuery({{"fields", "id"}}, Family::kCollections).ok());  // collection search
  CHECK_FALSE(ParseQuery({{"fields", "id"}}, Family::kLanding).ok());
  // Requests without fields carry none: they are written from the stored text as before.
  CHECK_FALSE(ParseQuery({{"limit", "1"}}, Family::kItemSearch)->fields.has_value());
}

TEST_CASE("malformed fields are refused, naming the parameter", "[search][fields]") {
  for (const char* value : {"properties..x", ".id", "id.", "-", "+", "id,-", ".", "a,b..c"}) {
    ExpectGetRefused(value);
  }
  for (const char* value :
       {R"("id,-geometry")", R"(["id"])", "1", "true", R"({"include":"id"})",
        R"({"include":[1]})", R"({"include":[null]})", R"({"exclude":{"a":1}})",
        R"({"include":[""]})", R"({"include":["properties..x"]})", R"({"exclude":["x."]})",
        R"({"includes":["id"]})", R"({"include":["id"],"other":[]})"}) {
    ExpectPostRefused(value);
  }
}

TEST_CASE("fields are bounded in number and length", "[search][fields]") {
  std::string many;
  for (size_t i = 0; i <= kMaxFields; ++i) StrAppend(&many, i == 0 ? "" : ",", "p", i);
  ExpectGetRefused(many);
  json::array names;
  for (size_t i = 0; i <= kMaxFields; ++i) names.emplace_back(StrCat("p", i));
  ExpectPostRefused(json::serialize(json::object{{"exclude", names}}));
  // Include and exclude count together.
  json::array half(names.begin(), names.begin() + kMaxFields / 2 + 1);
  ExpectPostRefused(json::serialize(json::object{{"include", half}, {"exclude", half}}));

  const std::string longest(kMaxFieldPathBytes, 'a');
  CHECK(FromGet(longest) == Spec(Paths{longest}, {}));
  ExpectGetRefused(longest + "a");
  ExpectPostRefused(StrCat(R"({"include":[")", longest, "a\"]}"));
}

// The rows of the extension's table "null vs. empty vs. missing", on a document whose
// members a and b are objects and c is not (and whose id an include keeps).
TEST_CASE("the extension's include/exclude table", "[search][fields]") {
  const std::string doc = R"({"a":{"b":1,"c":2},"b":{"x":3},"c":4,"id":"i"})";
  // include ["a","b"] / exclude missing: a and b.
  CHECK(Filtered(Spec(Paths{"a", "b"}, {}), doc) ==
        Json(R"({"a":{"b":1,"c":2},"b":{"x":3},"id":"i"})"));
  // include missing / exclude ["a","b"]: everything else.
  CHECK(Filtered(Spec(std::nullopt, {"a", "b"}), doc) == Json(R"({"c":4,"id":"i"})"));
  // include ["a","b"] / exclude ["a"]: a field in both is included.
  CHECK(Filtered(Spec(Paths{"a", "b"}, {"a"}), doc) ==
        Json(R"({"a":{"b":1,"c":2},"b":{"x":3},"id":"i"})"));
  // include ["a"] / exclude ["a","b"].
  CHECK(Filtered(Spec(Paths{"a"}, {"a", "b"}), doc) == Json(R"({"a":{"b":1,"c":2},"id":"i"})"));
  // include ["a.b"] / exclude ["a"]: a.b is the only field in a.
  CHECK(Filtered(Spec(Paths{"a.b"}, {"a"}), doc) == Json(R"({"a":{"b":1},"id":"i"})"));
  // include ["a"] / exclude ["a.b"]: a without a.b.
  CHECK(Filtered(Spec(Paths{"a"}, {"a.b"}), doc) == Json(R"({"a":{"c":2},"id":"i"})"));
  // With an include, an item keeps what says what it is (type, stac_version, id, links)
  // unless it is excluded.
  CHECK(Filtered(Spec(Paths{"a"}, {"id"}), doc) == Json(R"({"a":{"b":1,"c":2}})"));
  // Everything but a nested field.
  CHECK(Filtered(Spec(std::nullopt, {"a.c"}), doc) ==
        Json(R"({"a":{"b":1},"b":{"x":3},"c":4,"id":"i"})"));
}

TEST_CASE("paths that a document lacks select nothing", "[search][fields]") {
  const std::string doc = R"({"a":{"b":1},"c":[{"d":1}],"e":5})";
  CHECK(Filtered(Spec(Paths{"x", "a.x", "a.b.c"}, {}), doc) == Json("{}"));
  // Paths go through objects only: not into arrays or scalars.
  CHECK(Filtered(Spec(Paths{"c.d", "e.f"}, {}), doc) == Json("{}"));
  CHECK(Filtered(Spec(std::nullopt, {"c.d", "e.f", "x.y"}), doc) == Json(doc));
  // An included object keeps an emptied object; an excluded one only what is included of it.
  CHECK(Filtered(Spec(Paths{"a"}, {"a.b"}), doc) == Json(R"({"a":{}})"));
  CHECK(Filtered(Spec(Paths{"a.x"}, {"a"}), doc) == Json("{}"));
}

const char* const kItem = R"({"links":[{"rel":"self","href":"h"}],"type":"Feature",)"
                          R"("stac_version":"1.0.0","stac_extensions":["e"],"id":"i1",)"
                          R"("collection":"c1","geometry":{"type":"Point","coordinates":[1.5,2]},)"
                          R"("bbox":[1.5,2,1.5,2],"properties":{"datetime":"2020-01-01T00:00:00Z",)"
                          R"("start_datetime":"2019-01-01T00:00:00Z","eo:cloud_cover":10.0,)"
                          R"("cmip6:variable_id":"tas"},"assets":{"data":{"href":"d",)"
                          R"("type":"t"},"thumb":{"href":"th"}}})";

// kItem with `changes` applied: members set (null values remove them) by dotted path.
json::value ItemWith(std::initializer_list<std::pair<std::string_view, json::value>> changes) {
  json::value item = json::parse(kItem);
  for (const auto& [path, value] : changes) {
    json::object* object = &item.as_object();
    std::string_view rest = path;
    for (size_t dot; (dot = rest.find('.')) != std::string_view::npos; rest.remove_prefix(dot + 1)) {
      object = &(*object)[json::string_view(rest.data(), dot)].as_object();
    }
    const json::string_view key(rest.data(), rest.size());
    if (value.is_null()) {
      object->erase(key);
    } else {
      (*object)[key] = value;
    }
  }
  return item;
}

TEST_CASE("the default set of an item", "[search][fields]") {
  // Everything the extension lists, and collection (the item has a collection link).
  const json::value expected = ItemWith({{"stac_extensions", nullptr},
                                         {"properties.start_datetime", nullptr},
                                         {"properties.eo:cloud_cover", nullptr},
                                         {"properties.cmip6:variable_id", nullptr}});
  CHECK(Filtered(Spec(std::nullopt, {}), kItem) == expected);
  CHECK(Filtered(Spec(Paths{}, {}), kItem) == expected);
  // Excludes apply to it; excluding properties removes properties.datetime with it.
  CHECK(Filtered(Spec(Paths{}, {"geometry", "assets.thumb"}), kItem) ==
        ItemWith({{"stac_extensions", nullptr},
                  {"properties.start_datetime", nullptr},
                  {"properties.eo:cloud_cover", nullptr},
                  {"properties.cmip6:variable_id", nullptr},
                  {"geometry", nullptr},
                  {"assets.thumb", nullptr}}));
  CHECK(Filtered(Spec(Paths{}, {"properties"}), kItem) ==
        ItemWith({{"stac_extensions", nullptr}, {"properties", nullptr}}));
}

TEST_CASE("the default set keeps the interval of an item without datetime", "[search][fields]") {
  for (const char* datetime : {R"("datetime":null,)", ""}) {
    const std::string item = StrCat(
        R"({"id":"i","properties":{)", datetime,
        R"("start_datetime":"2019-01-01T00:00:00Z","end_datetime":"2019-12-31T00:00:00Z","x":1}})");
    INFO(item);
    json::value expected = json::parse(item);
    expected.as_object()["properties"].as_object().erase("x");
    CHECK(Filtered(Spec(Paths{}, {}), item) == expected);
    // Excluded, they go all the same.
    expected.as_object()["properties"].as_object().erase("end_datetime");
    CHECK(Filtered(Spec(Paths{}, {"properties.end_datetime"}), item) == expected);
  }
  // With a datetime, the interval is not part of the default set.
  CHECK(Filtered(Spec(Paths{}, {}), kItem).at("properties") ==
        Json(R"({"datetime":"2020-01-01T00:00:00Z"})"));
}

TEST_CASE("kept members are copied as written, in their order", "[search][fields]") {
  const FieldsSpec spec = Spec(Paths{"properties", "geometry", "id"}, {"properties.a"});
  // Stored text as PostgreSQL prints jsonb: spaces after ':' and ','.
  const std::string doc =
      R"({"id": "x", "geometry": {"coordinates": [1.50, -1e2]}, "properties": )"
      R"({"a": 1, "b": 10.0, "c": {"d": 1E+2}}, "z": 1})";
  CHECK(FieldsFilter(spec, ItemDefaultFields()).Apply(doc) ==
        R"({"id": "x","geometry": {"coordinates": [1.50, -1e2]},"properties": )"
        R"({"b": 10.0,"c": {"d": 1E+2}}})");
  // Keys with escapes are compared decoded.
  CHECK(Filtered(Spec(Paths{"a\"b.c/d"}, {}), R"({"a\"b":{"c\/d":1,"e":2},"f":3})") ==
        Json(R"({"a\"b":{"c/d":1}})"));
}

TEST_CASE("an empty object and something that is not one", "[search][fields]") {
  const FieldsFilter filter(Spec(std::nullopt, {"x"}), ItemDefaultFields());
  CHECK(filter.Apply("{}") == "{}");
  CHECK(filter.Apply(" {\"x\":1,\"y\":2}") == R"({"y":2})");
  CHECK(filter.Apply("[1,2]") == "[1,2]");
}

}  // namespace
}  // namespace stacfed::search
