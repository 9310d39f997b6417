// libFuzzer target: the input is one loader record (a line of a .jsonl file, or one feature
// of a FeatureCollection). It goes through what `stacfed load` and the crawler's sink do with
// it (libstac/ingest/loader.cpp): the dispatch on the top-level "type" by the structural
// scanner, then PrepareItemInto, in both of its forms, and PrepareCollection. The scanner's
// other functions run on the inputs simdjson accepts, the text they are made for, and must
// find the same members and elements as simdjson does.

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "libstac/ingest/json_scan.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "simdjson.h"

namespace stacfed::fuzz {
namespace {

using ingest::Member;
using ingest::Span;

bool SameItem(const ingest::StagedItem& a, const ingest::StagedItem& b) {
  return a.collection == b.collection && a.id == b.id && a.geometry_ewkb == b.geometry_ewkb &&
         a.datetime_us == b.datetime_us && a.end_datetime_us == b.end_datetime_us &&
         a.properties_json == b.properties_json && a.content_json == b.content_json &&
         a.links_json == b.links_json && a.content_hash == b.content_hash && a.origin == b.origin;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void CheckSpan(std::string_view s, Span span) {
  FUZZ_CHECK(span.begin < span.end && span.end <= s.size());
  FUZZ_CHECK(ingest::SkipJsonValue(s, span.begin) == span.end);
}

// The loader asks every record for its "type" before any parser has looked at it (the
// parser validates the record afterwards): on any bytes the answer lies inside the text, and
// its first byte, which the loader reads, is there. (It may be empty: "features": ] is.)
void CheckTypeLookUp(std::string_view s) {
  for (std::string_view key : {"type", "features"}) {
    if (auto value = ingest::TopLevelValue(s, key)) {
      FUZZ_CHECK(value->begin <= value->end && value->end <= s.size() && value->begin < s.size());
    }
  }
}

// `s` is text simdjson accepted, `root` its value, s[first, last] the value's text.
void CheckScanner(std::string_view s, simdjson::dom::element root, size_t first, size_t last) {
  if (simdjson::dom::object object; !root.get_object().get(object)) {
    std::vector<Member> members, nested;
    FUZZ_CHECK(ingest::ObjectMembers(s, first, members, "properties", &nested) == last + 1);
    FUZZ_CHECK(members.size() == object.size());
    size_t index = 0;
    const Member* properties = nullptr;
    size_t properties_index = 0;
    for (const Member& member : members) {
      FUZZ_CHECK(s[member.whole.begin] == '"' && member.whole.end == member.value.end);
      CheckSpan(s, member.value);
      if (member.key == "properties" && s[member.value.begin] == '{') {
        properties = &member;
        properties_index = index;
      }
      ++index;
    }
    if (properties != nullptr) {
      // `nested` holds the members of the last "properties" object, as parsed.
      index = 0;
      for (auto [key, value] : object) {
        if (index++ != properties_index) continue;
        simdjson::dom::object nested_object;
        FUZZ_CHECK(!value.get_object().get(nested_object));
        FUZZ_CHECK(nested.size() == nested_object.size());
      }
    }
    if (auto type = ingest::TopLevelValue(s, "type")) {
      const auto first_type = std::find_if(members.begin(), members.end(),
                                           [](const Member& m) { return m.key == "type"; });
      FUZZ_CHECK(first_type != members.end());
      FUZZ_CHECK(type->begin == first_type->value.begin && type->end == first_type->value.end);
    }
  } else if (simdjson::dom::array array; !root.get_array().get(array)) {
    // As the loader calls it: on the text of the array alone.
    const std::string_view text = s.substr(first, last + 1 - first);
    const std::vector<Span> elements = ingest::ArrayElements(text);
    FUZZ_CHECK(elements.size() == array.size());
    for (const Span& element : elements) CheckSpan(text, element);
  }
}

void FuzzRecord(std::string_view json) {
  CheckTypeLookUp(json);

  ingest::StagedItem unpadded;
  const absl::Status unpadded_status = ingest::PrepareItemInto(json, unpadded, false);
  // The padded form reads in place: kJsonPadding bytes of any value follow the text. They are
  // characters that would change the result if they were taken for part of the record.
  std::unique_ptr<char[]> buffer(new char[json.size() + ingest::kJsonPadding]);
  std::memcpy(buffer.get(), json.data(), json.size());
  for (size_t i = 0; i < ingest::kJsonPadding; ++i) buffer[json.size() + i] = "\"}],:1\\ "[i % 8];
  ingest::StagedItem padded;
  padded.content_json = "left over from a previous item";  // recycled strings are overwritten
  const absl::Status padded_status =
      ingest::PrepareItemInto(std::string_view(buffer.get(), json.size()), padded, true);
  FUZZ_CHECK(padded_status == unpadded_status);
  if (unpadded_status.ok()) {
    FUZZ_CHECK(SameItem(padded, unpadded));
    FUZZ_CHECK(!unpadded.id.empty() && !unpadded.collection.empty());
    FUZZ_CHECK(unpadded.datetime_us <= unpadded.end_datetime_us);
  }

  (void)ingest::PrepareCollection(json);

  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size(), true).get(root)) return;
  size_t first = 0;
  while (first < json.size() && IsSpace(json[first])) ++first;
  size_t last = json.size() - 1;
  while (last > first && IsSpace(json[last])) --last;
  CheckScanner(json, root, first, last);
}

}  // namespace
}  // namespace stacfed::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stacfed::fuzz::FuzzRecord(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
