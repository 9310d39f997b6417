#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "libstac/ingest/json_stream.hpp"

using stacfed::ingest::ValueStream;
using Event = ValueStream::Event;

namespace {

struct Streamed {
  std::vector<std::string> features;  // the text of each element of "features"
  std::vector<int64_t> feature_lines;
  Event last = Event::kNeedMore;
  uint64_t offset = 0;  // of the last event
  int64_t newlines = 0;
  std::string error;
  bool feature_collection = false;
};

// Streams `text` to a ValueStream `chunk` bytes at a time, as the loader reads a file.
Streamed Stream(const std::string& text, size_t chunk, size_t max_depth = 512) {
  ValueStream stream(max_depth);
  Streamed seen;
  size_t available = std::min(chunk, text.size());
  uint64_t begin = 0;
  for (;;) {
    const Event event = stream.Next(
        std::string_view(text).substr(stream.offset(), available - stream.offset()),
        available == text.size());
    switch (event) {
      case Event::kNeedMore:
        REQUIRE(available < text.size());
        available = std::min(available + chunk, text.size());
        continue;
      case Event::kFeatureBegin:
        begin = stream.offset();
        seen.feature_lines.push_back(1 + stream.newlines());
        continue;
      case Event::kFeatureEnd:
        seen.features.push_back(text.substr(begin, stream.offset() - begin));
        continue;
      case Event::kEnd:
      case Event::kError:
        seen.last = event;
        seen.offset = stream.offset();
        seen.newlines = stream.newlines();
        seen.error = stream.error();
        seen.feature_collection = stream.feature_collection();
        return seen;
    }
  }
}

}  // namespace

TEST_CASE("a FeatureCollection streams feature by feature, whatever the chunks", "[ingest]") {
  const std::string text =
      "{\n \"type\": \"FeatureCollection\",\n \"numberMatched\": 3,\n \"features\": [\n"
      "  {\"type\": \"Feature\", \"id\": \"a]\\\"}\", \"p\": [1, {\"q\": [2]}]},\n"
      "  {\"id\": \"b\\\\\"},\n  \"not an object\", 7, null,\n  {}\n ],\n"
      " \"links\": [{\"rel\": \"next\", \"href\": \"x\"}]\n}  ";
  for (size_t chunk : {size_t(1), size_t(2), size_t(3), size_t(7), size_t(16), size_t(17),
                       size_t(64), text.size()}) {
    INFO("chunk " << chunk);
    Streamed seen = Stream(text, chunk);
    CHECK(seen.last == Event::kEnd);
    CHECK(seen.error.empty());
    CHECK(seen.feature_collection);
    CHECK(seen.offset == text.size() - 2);  // one past the closing brace
    CHECK(seen.newlines == 10);
    CHECK(seen.features == std::vector<std::string>{
                               R"({"type": "Feature", "id": "a]\"}", "p": [1, {"q": [2]}]})",
                               R"({"id": "b\\"})", R"("not an object")", "7", "null", "{}"});
    CHECK(seen.feature_lines == std::vector<int64_t>{5, 6, 7, 7, 7, 8});
  }
}

TEST_CASE("a FeatureCollection on one line streams too; its type may follow its features",
          "[ingest]") {
  Streamed seen = Stream(R"({"features":[{"id":1},{"id":2}],"type":"FeatureCollection"})", 5);
  CHECK(seen.last == Event::kEnd);
  CHECK(seen.feature_collection);
  CHECK(seen.features == std::vector<std::string>{R"({"id":1})", R"({"id":2})"});
  CHECK(seen.feature_lines == std::vector<int64_t>{1, 1});
}

TEST_CASE("a value that is not a FeatureCollection streams whole", "[ingest]") {
  SECTION("a Feature, whose \"features\" member is not the features of a collection") {
    Streamed seen = Stream(R"({"type":"Feature","features":[{"id":1}],"id":"x"})", 4);
    CHECK(seen.last == Event::kEnd);
    CHECK_FALSE(seen.feature_collection);
    CHECK(seen.features.empty());
  }
  SECTION("nested members called features and type") {
    Streamed seen = Stream(R"({"a":{"type":"x","features":[1,2]},"b":[{"features":[3]}]})", 3);
    CHECK(seen.last == Event::kEnd);
    CHECK(seen.features.empty());
  }
  SECTION("scalars and strings") {
    CHECK(Stream("  12.5e3", 2).last == Event::kEnd);
    CHECK(Stream("\"a\\\"b\"   ", 2).offset == 6);
    CHECK(Stream("[true, false, null, \"x\"]\n", 4).last == Event::kEnd);
  }
}

TEST_CASE("the stream finds what is not one JSON value", "[ingest]") {
  auto error_of = [](const std::string& text, size_t max_depth = 512) {
    Streamed seen = Stream(text, 3, max_depth);
    CHECK(seen.last == Event::kError);
    return seen;
  };
  CHECK(error_of(std::string(600, '[')).error == "nested deeper than 512 levels of objects and arrays");
  CHECK(error_of(std::string(600, '[')).offset == 512);
  CHECK(error_of("[[[[]]]]", 3).error.find("nested deeper than 3") == 0);
  CHECK(Stream("[[[]]]", 3, 3).last == Event::kEnd);
  CHECK(error_of("{\"a\": [1, 2}").error == "'}' closes a '['");
  CHECK(error_of("]").error == "']' closes nothing");
  CHECK(error_of("{\"a\": tru}").error.size() > 0);  // the validator's words
  CHECK(error_of("xxxxxxxx").offset == 0);
  CHECK(error_of("{\"type\":\"FeatureCollection\",\"features\":[{\"id\":1}").error ==
        "the JSON value ends early");
  // A line break inside the validated part: the error's line.
  Streamed bad = error_of("{\n\"type\": \"FeatureCollection\",\n\"features\": [{}, {}],\n\"x\": ,\n}");
  CHECK(bad.newlines == 3);
  // Two features without a comma: the array around them is the validator's.
  CHECK(error_of(R"({"features":[{"id":1} {"id":2}]})").last == Event::kError);
  CHECK(error_of("").error == "no JSON value");
}
