#include "libstac/ingest/collection_checks.hpp"

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "libstac/base/strings.hpp"
#include "libstac/ingest/json_scan.hpp"

namespace stacfed::ingest {
namespace {

absl::Status Invalid(std::string_view why) { return absl::InvalidArgumentError(std::string(why)); }

// The elements of the collection's first extent bbox as their text (`json` is valid JSON);
// none when it has no such bbox.
std::vector<std::string_view> FirstBboxText(std::string_view json) {
  struct Step {
    std::string_view key;
    char opens;  // what its value must be
  };
  std::string_view value = json;
  for (const Step& step : {Step{"extent", '{'}, Step{"spatial", '{'}, Step{"bbox", '['}}) {
    const std::optional<Span> member = TopLevelValue(value, step.key);
    if (!member || value[member->begin] != step.opens) return {};
    value = value.substr(member->begin, member->end - member->begin);
  }
  const std::vector<Span> boxes = ArrayElements(value);
  if (boxes.empty() || value[boxes[0].begin] != '[') return {};
  const std::string_view box = value.substr(boxes[0].begin, boxes[0].end - boxes[0].begin);
  std::vector<std::string_view> elements;
  for (const Span& element : ArrayElements(box)) {
    elements.push_back(box.substr(element.begin, element.end - element.begin));
  }
  return elements;
}

}  // namespace

absl::Status CheckCollectionForDatabase(simdjson::dom::object root, std::string_view json) {
  simdjson::dom::array bbox;
  if (!root.at_pointer("/extent/spatial/bbox/0").get_array().get(bbox) &&
      (bbox.size() == 4 || bbox.size() == 6)) {
    for (simdjson::dom::element value : bbox) {
      if (!value.is_number() && !value.is_null()) {
        return Invalid("extent.spatial.bbox must hold numbers");
      }
    }
    // A number that underflows: double precision's input rejects what strtod reads as 0
    // with ERANGE ("1e-400"), which simdjson takes for 0.
    for (std::string_view text : FirstBboxText(json)) {
      const std::string number(text);
      errno = 0;
      const double value = std::strtod(number.c_str(), nullptr);
      if (errno == ERANGE && value == 0.0) {
        return Invalid(StrCat("extent.spatial.bbox: ", number.substr(0, 40),
                              " is too close to 0 for double precision"));
      }
    }
  }
  for (const char* bound : {"/extent/temporal/interval/0/0", "/extent/temporal/interval/0/1"}) {
    simdjson::dom::element value;
    if (!root.at_pointer(bound).get(value) && !value.is_string() && !value.is_null()) {
      return Invalid("extent.temporal.interval must hold date-time strings or null");
    }
  }
  // The search text: to_tsvector holds 1 MB of words (1048575 bytes), which lower case can
  // make half as long again as their text.
  constexpr size_t kMaxSearchTextBytes = 512 << 10;
  size_t search_text_bytes = 0;
  for (const char* field : {"id", "title", "description"}) {
    std::string_view text;
    if (!root[field].get_string().get(text)) search_text_bytes += text.size();
  }
  simdjson::dom::array keywords;
  if (!root["keywords"].get_array().get(keywords)) {
    for (simdjson::dom::element keyword : keywords) {
      std::string_view text;
      if (!keyword.get_string().get(text)) search_text_bytes += text.size();
    }
  }
  if (search_text_bytes > kMaxSearchTextBytes) {
    return Invalid(StrCat("id, title, keywords and description are ", search_text_bytes,
                          " bytes together; at most ", kMaxSearchTextBytes,
                          " are accepted (PostgreSQL's text search holds 1 MB)"));
  }
  return absl::OkStatus();
}

}  // namespace stacfed::ingest
