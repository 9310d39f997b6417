// SerializeKeepingText: an edited document written with the upstream's bytes wherever the
// edits left it alone (issue 17, defect 2: numbers changed by the harvest).

#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include <boost/json.hpp>

#include "crawler/walk/exact_json.hpp"

namespace stacfed::crawler {
namespace {

namespace json = boost::json;

// Parses `text`, applies `edit` to a copy and splices; the result always reads back as the
// edited document, and is the same when the text is a part of an indexed page.
std::string Splice(std::string_view text, const std::function<void(json::object&)>& edit) {
  const json::object original = json::parse(text).as_object();
  json::object edited = original;
  edit(edited);
  std::string spliced = SerializeKeepingText(edited, original, text);
  INFO(spliced);
  CHECK(json::parse(spliced) == json::value(edited));
  const std::string page = R"({"features": [{"id": "before"}, )" + std::string(text) + "]}";
  const JsonIndex index(page);
  const std::string_view part = std::string_view(page).substr(page.size() - 2 - text.size(), text.size());
  CHECK(SerializeKeepingText(edited, original, SourceText(part, &index)) == spliced);
  return spliced;
}

// Numbers that boost::json would write back differently (notation, one ULP, doubles for
// integers beyond 64 bits, infinity for 1e400) and strings with escapes.
constexpr std::string_view kNumbers = R"({
  "plain": 199980.0, "exponent": 1.9998E5, "signed_exponent": 1.9998e+5, "small": 2E-3,
  "fill": 9.969209968386869e+36, "long": 59.955799999999996,
  "longer": 0.1000000000000000055511151231257827, "negative_zero": -0.0, "huge": 1e400,
  "beyond_2_53": 9007199254740993, "beyond_int64": 12345678901234567890,
  "beyond_uint64": 18446744073709551616, "below_int64": -9223372036854775809,
  "escapes": "caf\u00e9 \ud83d\ude00 a\/b \"q\" \\", "nested": {"deep": [1.10, {"x": 1E0}]}
})";

TEST_CASE("an unchanged document is its text, byte for byte", "[crawler][exact_json]") {
  const std::string spliced = Splice(kNumbers, [](json::object&) {});
  CHECK(spliced == kNumbers);
  // Surrounding whitespace is not part of the document.
  const std::string padded = "\n  " + std::string(kNumbers) + "\r\n";
  const json::object parsed = json::parse(padded).as_object();
  CHECK(SerializeKeepingText(parsed, parsed, padded) == kNumbers);
}

TEST_CASE("a changed member is serialised, every other keeps its bytes", "[crawler][exact_json]") {
  const std::string spliced =
      Splice(kNumbers, [](json::object& o) { o["escapes"] = "plain"; });
  // Every number still in its own notation and exact value.
  for (std::string_view member :
       {R"("plain": 199980.0)", R"("exponent": 1.9998E5)", R"("signed_exponent": 1.9998e+5)",
        R"("small": 2E-3)", R"("fill": 9.969209968386869e+36)", R"("long": 59.955799999999996)",
        R"("longer": 0.1000000000000000055511151231257827)", R"("negative_zero": -0.0)",
        R"("huge": 1e400)", R"("beyond_2_53": 9007199254740993)",
        R"("beyond_int64": 12345678901234567890)", R"("beyond_uint64": 18446744073709551616)",
        R"("below_int64": -9223372036854775809)", R"("nested": {"deep": [1.10, {"x": 1E0}]})"}) {
    INFO(member);
    CHECK(spliced.find(member) != std::string::npos);
  }
  CHECK(spliced.find(R"("escapes": "plain")") != std::string::npos);
  CHECK(spliced.find("\\u00e9") == std::string::npos);
}

TEST_CASE("members keep their escapes and spelling", "[crawler][exact_json]") {
  CHECK(Splice(R"({"\u0061b": 1.10, "s": "a\/b\u0041", "c": 1})",
               [](json::object& o) { o["c"] = 2; }) ==
        R"({"\u0061b": 1.10,"s": "a\/b\u0041","c": 2})");
}

TEST_CASE("members added and removed", "[crawler][exact_json]") {
  const std::string_view text = R"({"a": 1.0E2, "b": "x", "c": [1.50, 2]})";
  CHECK(Splice(text, [](json::object& o) { o.erase("a"); }) == R"({"b": "x","c": [1.50, 2]})");
  // Only added to: the text as it was, the new member before the closing brace.
  CHECK(Splice(text, [](json::object& o) { o["d"] = true; }) ==
        R"({"a": 1.0E2, "b": "x", "c": [1.50, 2],"d":true})");
  CHECK(Splice("{ }", [](json::object& o) { o["d"] = 1; }) == R"({"d":1})");
  // Erasing moves boost::json's last member into the gap: the output keeps the original
  // order, the added members after it.
  CHECK(Splice(text, [](json::object& o) {
          o.erase("a");
          o["a"] = "again";
          o["e"] = nullptr;
        }) == R"({"a": "again","b": "x","c": [1.50, 2],"e":null})");
  CHECK(Splice(text, [](json::object& o) { o.clear(); }) == "{}");
}

TEST_CASE("nested changes keep the untouched members of every level", "[crawler][exact_json]") {
  const std::string_view text =
      R"({"id": "i", "properties": {"datetime": "2020-01-01", "fill": 9.969209968386869e+36,
          "nested": {"a": 1.0, "b": 2.0}}, "bbox": [0.0, 1E1, 2, 3.00]})";
  const std::string spliced = Splice(text, [](json::object& o) {
    json::object& properties = o["properties"].as_object();
    properties["datetime"] = "2020-01-01T00:00:00Z";
    properties["nested"].as_object()["b"] = 2.5;
    properties["site:locations"] = json::array{"dkrz"};
  });
  CHECK(spliced ==
        R"({"id": "i","properties": {"datetime": "2020-01-01T00:00:00Z","fill": 9.969209968386869e+36,)"
        R"("nested": {"a": 1.0,"b": 2.5},"site:locations":["dkrz"]},"bbox": [0.0, 1E1, 2, 3.00]})");
}

TEST_CASE("arrays grow, shrink and change by index", "[crawler][exact_json]") {
  const std::string_view text = R"({"list": [1.0, {"k": 1E2, "v": 2E2}, "s"]})";
  CHECK(Splice(text, [](json::object& o) { o["list"].as_array().emplace_back(4); }) ==
        R"({"list": [1.0, {"k": 1E2, "v": 2E2}, "s",4]})");
  CHECK(Splice(text, [](json::object& o) { o["list"].as_array().pop_back(); }) ==
        R"({"list": [1.0,{"k": 1E2, "v": 2E2}]})");
  CHECK(Splice(text, [](json::object& o) { o["list"].as_array()[1].as_object()["v"] = 3; }) ==
        R"({"list": [1.0,{"k": 1E2,"v": 3},"s"]})");
  CHECK(Splice(text, [](json::object& o) { o["list"].as_array().clear(); }) == R"({"list": []})");
  CHECK(Splice(R"({"list": []})", [](json::object& o) { o["list"].as_array().emplace_back(1); }) ==
        R"({"list": [1]})");
}

TEST_CASE("a value that changes kind is serialised", "[crawler][exact_json]") {
  const std::string_view text = R"({"a": {"x": 1.0}, "b": [1.0], "c": 1.0})";
  CHECK(Splice(text, [](json::object& o) {
          o["a"] = json::array{1};
          o["b"] = json::object{{"y", 1}};
          o["c"] = "one";
        }) == R"({"a": [1],"b": {"y":1},"c": "one"})");
}

TEST_CASE("where text and value disagree, the value is serialised", "[crawler][exact_json]") {
  // A duplicate key: the parser keeps the last, the text has both.
  const std::string_view duplicate = R"({"a": 1.0, "a": 2.0, "b": 1})";
  CHECK(Splice(duplicate, [](json::object& o) { o["b"] = 2; }) == R"({"a":2.0,"b":2})");
  CHECK(Splice(R"({"o": {"a": 1.0, "a": 2.0, "b": 1}, "p": 1.0})", [](json::object& o) {
          o["o"].as_object()["b"] = 2;
        }) == R"({"o": {"a":2.0,"b":2},"p": 1.0})");
  // An object only added to keeps its text, duplicates too: read back, the last one wins
  // as before.
  CHECK(Splice(R"({"a": 1.0, "a": 2.0})", [](json::object& o) { o["b"] = 1; }) ==
        R"({"a": 1.0, "a": 2.0,"b":1})");
  // No text: serialised.
  const json::object object{{"a", 1.5}};
  CHECK(SerializeKeepingText(object, object, SourceText()) == R"({"a":1.5})");
}

TEST_CASE("what changed is written compactly, floats as floats", "[crawler][exact_json]") {
  const std::string_view text = R"({"bbox": [190.0, -10.0, 200.0, 10.0], "s": "x"})";
  CHECK(Splice(text, [](json::object& o) {
          o["bbox"] = json::array{-170.0, -10.0, -160.0, 10.0};
          o["new"] = json::object{{"f", 1e20}, {"g", 1.5e-05}, {"i", -3}, {"u", 18446744073709551615ull},
                                  {"s", "tab\t \"q\" \u00e9"}, {"b", false}, {"n", nullptr},
                                  {"a", json::array{}}, {"o", json::object{}}};
        }) == R"({"bbox": [-170.0,-10.0,-160.0,10.0],"s": "x",)"
              R"("new":{"f":1e+20,"g":1.5e-05,"i":-3,"u":18446744073709551615,)"
              R"("s":"tab\t \"q\" é","b":false,"n":null,"a":[],"o":{}}})");
}

TEST_CASE("the text of a page's members and elements", "[crawler][exact_json]") {
  const std::string_view page =
      R"( {"type": "FeatureCollection", "features": [ {"id": "a", "n": 1.0E0} ,{"id": "b"}],
           "numberMatched": 2} )";
  const json::object parsed = json::parse(page).as_object();
  const std::optional<std::string_view> features = MemberText(page, parsed, "features");
  REQUIRE(features);
  CHECK(*features == R"([ {"id": "a", "n": 1.0E0} ,{"id": "b"}])");
  const std::vector<std::string_view> texts = ElementTexts(*features, parsed.at("features").as_array());
  REQUIRE(texts.size() == 2);
  CHECK(texts[0] == R"({"id": "a", "n": 1.0E0})");
  CHECK(texts[1] == R"({"id": "b"})");
  CHECK_FALSE(MemberText(page, parsed, "links"));
  // A text that is not the value's: nothing.
  CHECK_FALSE(MemberText(std::string_view(R"({"type": 1})"), parsed, "type"));
  CHECK(ElementTexts(std::string_view("[1]"), json::array{1, 2}).empty());
  CHECK(ElementTexts(SourceText(), json::array{1}).empty());
  // The same through an index of the page.
  const JsonIndex index(page);
  const std::optional<std::string_view> indexed = MemberText(SourceText(page, &index), parsed, "features");
  REQUIRE(indexed);
  CHECK(*indexed == *features);
  CHECK(ElementTexts(SourceText(*indexed, &index), parsed.at("features").as_array()) == texts);
}

TEST_CASE("a JsonIndex knows where each object and array ends", "[crawler][exact_json]") {
  const std::string_view text = R"({"a": [1, {"b": "]}[{"}], "c": {}, "d": "\"{"})";
  const JsonIndex index(text);
  auto end_of = [&](size_t open) {
    const char* end = index.End(text.data() + open);
    return end == nullptr ? std::string_view::npos : size_t(end - text.data());
  };
  CHECK(end_of(0) == text.size());
  CHECK(text.substr(text.find('['), end_of(text.find('[')) - text.find('[')) == R"([1, {"b": "]}[{"}])");
  CHECK(end_of(text.find("{\"b")) == text.find("}]") + 1);
  CHECK(end_of(text.find("{}")) == text.find("{}") + 2);
  CHECK(end_of(1) == std::string_view::npos);                      // not an opening bracket
  CHECK(end_of(text.find("]}[")) == std::string_view::npos);       // inside a string
  CHECK(index.End(nullptr) == nullptr);
}

}  // namespace
}  // namespace stacfed::crawler
