#include "libstac/ingest/staged_item.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <deque>
#include <string>

#include "libstac/base/env.hpp"
#include "libstac/base/hash.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/ingest/collection_checks.hpp"
#include "libstac/ingest/dom_parser.hpp"
#include "libstac/ingest/geojson.hpp"
#include "libstac/ingest/json_scan.hpp"
#include "libstac/ingest/property_profile.hpp"
#include "libstac/model/datetime.hpp"
#include "simdjson.h"

namespace stacfed::ingest {
namespace {

absl::Status Invalid(std::string_view why) { return absl::InvalidArgumentError(std::string(why)); }

int64_t ContentHash(std::string_view content, std::string_view links) {
  // Stored with the item, so it must not change between versions: items stored before it
  // became XXH3 (commit 04c2408) are rewritten once by their next upsert.
  return static_cast<int64_t>(StableHash64(links, StableHash64(content, 0x5354414366656421ULL)));
}

void AppendDouble(std::string& out, double d) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, d);
  out.append(buffer, result.ptr);
}

// Appends the links to `out` as a JSON array ("" when there are none). `text`, when given,
// is the array's text as it arrived: the links kept are copied from it (no re-serialisation,
// no allocation per link, which was 4% of the loader's CPU); without it they are minified.
absl::Status ExtraLinks(simdjson::dom::element root, std::string& out, std::string_view text = {}) {
  simdjson::dom::array links;
  if (root.get_array().get(links)) return Invalid("\"links\" must be an array");
  thread_local std::vector<Span> elements;
  elements.clear();
  if (!text.empty()) ArrayElements(text, elements);
  const bool copy_text = !text.empty() && elements.size() == links.size();
  const size_t start = out.size();
  size_t index = 0;
  for (simdjson::dom::element link : links) {
    const size_t this_index = index++;
    simdjson::dom::object object;
    if (link.get_object().get(object)) return Invalid("every link must be an object");
    std::string_view rel, href;
    if (object["href"].get_string().get(href)) return Invalid("a link has no string \"href\"");
    if (object["rel"].get_string().get(rel)) return Invalid("a link has no string \"rel\"");
    if (IsGeneratedRel(rel)) continue;
    out += out.size() == start ? "[" : ",";
    if (copy_text) {
      const Span span = elements[this_index];
      out.append(text.substr(span.begin, span.end - span.begin));
    } else {
      out += simdjson::minify(link);
    }
  }
  if (out.size() != start) out += "]";
  return absl::OkStatus();
}

struct TimeRange {
  int64_t start;
  int64_t end;
};

absl::StatusOr<int64_t> TimeProperty(simdjson::dom::object properties, std::string_view name) {
  std::string_view text;
  auto field = properties[name];
  if (field.error()) return absl::NotFoundError(StrCat("properties.", name, " is missing"));
  if (field.is_null()) return absl::NotFoundError(StrCat("properties.", name, " is null"));
  if (field.get_string().get(text)) {
    return Invalid(StrCat("properties.", name, " must be a string"));
  }
  auto parsed = ParseRfc3339(text);
  if (!parsed.ok()) return Invalid(StrCat("properties.", name, ": ", parsed.status().message()));
  return *parsed;
}

// The item's time range: datetime, or start_datetime/end_datetime when datetime is null.
absl::StatusOr<TimeRange> ItemTimeRange(simdjson::dom::object properties) {
  auto datetime = TimeProperty(properties, "datetime");
  if (datetime.ok()) {
    TimeRange range{*datetime, *datetime};
    // A range alongside datetime widens what the item covers.
    auto start = TimeProperty(properties, "start_datetime");
    auto end = TimeProperty(properties, "end_datetime");
    if (start.ok() && end.ok() && *start <= *end) range = {*start, *end};
    return range;
  }
  if (!absl::IsNotFound(datetime.status())) return datetime.status();
  auto start = TimeProperty(properties, "start_datetime");
  auto end = TimeProperty(properties, "end_datetime");
  if (!start.ok() || !end.ok()) {
    if (!absl::IsNotFound(start.status()) && !start.ok()) return start.status();
    if (!absl::IsNotFound(end.status()) && !end.ok()) return end.status();
    return Invalid(
        "properties.datetime is null or missing, so start_datetime and end_datetime are required");
  }
  if (*start > *end) return Invalid("properties.start_datetime is after end_datetime");
  return TimeRange{*start, *end};
}

// The keys of an object, in their order, and the order jsonb puts them in.
struct SortedKeys {
  std::string keys;               // the keys, one after the other
  std::vector<uint32_t> key_ends;  // where each ends in `keys`
  std::vector<uint32_t> order;     // member indexes in jsonb's order

  bool Matches(const std::vector<Member>& members) const {
    if (members.size() != key_ends.size()) return false;
    uint32_t begin = 0;
    for (size_t i = 0; i < members.size(); ++i) {
      const std::string_view key = members[i].key;
      if (key_ends[i] - begin != key.size() ||
          std::memcmp(keys.data() + begin, key.data(), key.size()) != 0) {
        return false;
      }
      begin = key_ends[i];
    }
    return true;
  }
  void Remember(const std::vector<Member>& members, const std::vector<uint32_t>& sorted) {
    keys.clear();
    key_ends.clear();
    for (const Member& member : members) {
      keys.append(member.key);
      key_ends.push_back(uint32_t(keys.size()));
    }
    order = sorted;
  }
};

// Writes the JSON object s[object] with its members in jsonb's order (shorter keys first,
// then bytewise), at every level of nesting, to `out`, and returns the end of what it wrote;
// `members` are the object's members (spans index s), in their order. PostgreSQL sorts the
// keys of every object it parses into jsonb; handed sorted keys its sort only confirms the
// order, which took the sorting from 4% of a bulk load's CPU to almost nothing. The result is
// the same jsonb value: keys with escapes (whose parsed length differs from their text) go
// out as they are and PostgreSQL sorts them itself. Never writes more than the object's
// text: only whitespace between members is dropped.
char* WriteInJsonbKeyOrder(std::string_view s, Span object, std::vector<Member>& members,
                           char* out, size_t depth) {
  auto put = [&out](std::string_view text) {
    std::memcpy(out, text.data(), text.size());
    out += text.size();
  };
  if (members.empty() ||
      std::any_of(members.begin(), members.end(), [](const Member& m) { return m.escaped_key; })) {
    put(s.substr(object.begin, object.end - object.begin));
    return out;
  }
  // The members' indexes in jsonb's order. Equal keys keep their order.
  thread_local std::deque<std::vector<uint32_t>> order_levels;
  while (order_levels.size() <= depth) order_levels.emplace_back();
  std::vector<uint32_t>& order = order_levels[depth];
  // Items of one collection nearly always have their properties' keys in one of a few
  // sequences (one schema, some properties optional), and a load or harvest goes collection
  // by collection: the order found for a recent item's properties with the same keys is
  // used again, and the sort (with its comparisons of keys, a tenth of the loader's CPU) is
  // skipped. (The benchmark's items alternate between two sequences at random.)
  thread_local std::array<SortedKeys, 4> recent;
  thread_local size_t next_replaced = 0;
  const SortedKeys* known = nullptr;
  if (depth == 0) {
    for (const SortedKeys& keys : recent) {
      if (keys.Matches(members)) known = &keys;
    }
  }
  if (known != nullptr) {
    order = known->order;
  } else {
    order.resize(members.size());
    for (uint32_t i = 0; i < members.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&members](uint32_t i, uint32_t j) {
      const std::string_view a = members[i].key, b = members[j].key;
      if (a.size() != b.size()) return a.size() < b.size();
      if (const int c = a.compare(b); c != 0) return c < 0;
      return i < j;
    });
    if (depth == 0) {
      recent[next_replaced].Remember(members, order);
      next_replaced = (next_replaced + 1) % recent.size();
    }
  }
  // One member list per nesting level below this one, kept from item to item (a deque:
  // growing it keeps the lists of the levels above, which are in use, where they are).
  thread_local std::deque<std::vector<Member>> nested_levels;
  *out++ = '{';
  bool first = true;
  for (uint32_t index : order) {
    const Member& member = members[index];
    if (!first) *out++ = ',';
    first = false;
    // The key with its quotes, as it came: s[whole.begin] is the opening quote.
    put(s.substr(member.whole.begin, member.key.size() + 2));
    *out++ = ':';
    if (s[member.value.begin] == '{') {
      while (nested_levels.size() <= depth) nested_levels.emplace_back();
      std::vector<Member>& nested = nested_levels[depth];
      if (ObjectMembers(s, member.value.begin, nested) == member.value.end) {
        out = WriteInJsonbKeyOrder(s, member.value, nested, out, depth + 1);
        continue;
      }
    }
    put(s.substr(member.value.begin, member.value.end - member.value.begin));
  }
  *out++ = '}';
  return out;
}

// Appends s[object] to `out` in jsonb's key order (WriteInJsonbKeyOrder), written in place.
void AppendInJsonbKeyOrder(std::string_view s, Span object, std::vector<Member>& members,
                           std::string& out) {
  const size_t start = out.size();
  out.resize(start + (object.end - object.begin));
  char* end = WriteInJsonbKeyOrder(s, object, members, out.data() + start, 0);
  out.resize(size_t(end - out.data()));
}

// reserve() on a string that is too small at least doubles it; a recycled item's strings
// would grow to twice the largest item seen (the loader's memory went up by two thirds).
// Reserving exactly the size needed went the other way: the next item in the slot was larger
// half of the time, so two strings per item were freed and allocated again (malloc, free and
// the page faults of fresh heap were 8% of the loader's CPU). A quarter more is both: the
// strings stop growing after a few batches and hold at most a quarter unused.
void ReserveWithHeadroom(std::string& s, size_t size) {
  if (s.capacity() >= size) return;
  std::string fresh;
  fresh.reserve(size + size / 4);
  s.swap(fresh);
}

bool HasNulEscape(std::string_view json) {
  // PostgreSQL's jsonb cannot store U+0000.
  return json.find("\\u0000") != std::string_view::npos;
}

// The reasons for the limits of staged_item.hpp, cold and out of line: they are rare, and
// the compiler inlines less into a larger PrepareItemInto.
[[gnu::cold, gnu::noinline]] absl::Status IdTooLong(std::string_view what, size_t bytes,
                                                   size_t max_bytes) {
  return Invalid(StrCat(what, " is ", bytes, " bytes long; at most ", max_bytes,
                        " are accepted (it is a database key)"));
}

// `number` in `text`, the record or its part stored as jsonb (FindNumberBeyondNumeric).
[[gnu::cold, gnu::noinline]] absl::Status NumberBeyondNumeric(std::string_view where,
                                                             std::string_view text, Span number) {
  const std::string_view shown = text.substr(number.begin, number.end - number.begin);
  return Invalid(StrCat(where, "the number ", shown.substr(0, 40), shown.size() > 40 ? "..." : "",
                        " has more than 16383 digits after the decimal point, more than"
                        " PostgreSQL's numeric type holds"));
}

}  // namespace

absl::StatusOr<size_t> MaxRecordBytesFromEnv() {
  STACFED_ASSIGN_OR_RETURN(int64_t bytes, GetEnvInt("STACFED_MAX_ITEM_BYTES", kDefaultMaxRecordBytes,
                                                    1024, kMaxMaxRecordBytes));
  return size_t(bytes);
}

absl::Status CheckRecordSize(size_t bytes, size_t max_bytes) {
  if (bytes <= max_bytes) return absl::OkStatus();
  return Invalid(StrCat("the record is ", bytes, " bytes, more than STACFED_MAX_ITEM_BYTES (",
                        max_bytes, ")"));
}

static_assert(kJsonPadding == simdjson::SIMDJSON_PADDING);

absl::StatusOr<StagedItem> PrepareItem(std::string_view json) {
  StagedItem item;
  STACFED_RETURN_IF_ERROR(PrepareItemInto(json, item));
  return item;
}

absl::Status PrepareItemInto(std::string_view json, StagedItem& item, bool padded) {
  // Every field is overwritten; the strings keep their storage.
  item.collection.clear();
  item.id.clear();
  item.geometry_ewkb.clear();
  item.properties_json.clear();
  item.content_json.clear();
  item.links_json.clear();
  item.datetime_us = item.end_datetime_us = item.content_hash = item.origin = 0;

  // The DOM parser dispatches at run time to the fastest kernel of this CPU; Debian's
  // header-only On-Demand API would be compiled for the generic baseline.
  thread_local simdjson::dom::parser parser = NewDomParser();
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size(), !padded).get(root)) {
    return Invalid(JsonErrorReason(error));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) return Invalid("an item must be a JSON object");

  std::string_view type;
  simdjson::dom::element geometry, properties, links;
  bool has_type = false, has_id = false, has_geometry = false, has_bbox = false;
  int links_count = 0, properties_count = 0;  // keys as parsed: duplicates count
  for (auto [key, value] : object) {
    if (key == "links") {
      ++links_count;
      links = value;
    } else if (key == "type") {
      has_type = true;
      if (value.get_string().get(type)) return Invalid("\"type\" must be a string");
    } else if (key == "id") {
      has_id = true;
      std::string_view id;
      if (value.get_string().get(id)) return Invalid("\"id\" must be a string");
      item.id.assign(id);
    } else if (key == "collection") {
      std::string_view collection;
      if (value.get_string().get(collection)) return Invalid("\"collection\" must be a string");
      item.collection.assign(collection);
    } else if (key == "geometry") {
      has_geometry = true;
      geometry = value;
    } else if (key == "properties") {
      ++properties_count;
      properties = value;
    } else if (key == "bbox") {
      has_bbox = true;
      simdjson::dom::array bbox;
      if (value.get_array().get(bbox) || (bbox.size() != 4 && bbox.size() != 6)) {
        return Invalid("\"bbox\" must be an array of 4 or 6 numbers");
      }
      for (auto n : bbox) {
        if (!n.is_number()) return Invalid("\"bbox\" must be an array of 4 or 6 numbers");
      }
    }
  }
  if (!has_type) return Invalid("\"type\" is missing (an item has \"type\": \"Feature\")");
  if (type != "Feature") return Invalid(StrCat("\"type\" is \"", type, "\", expected \"Feature\""));
  if (!has_id) return Invalid("\"id\" is missing");
  if (item.id.empty()) return Invalid("\"id\" is empty");
  if (item.id.size() > kMaxItemIdBytes) return IdTooLong("\"id\"", item.id.size(), kMaxItemIdBytes);
  if (item.collection.empty()) {
    return Invalid("\"collection\" is missing (every item belongs to a collection)");
  }
  if (item.collection.size() > kMaxCollectionIdBytes) {
    return IdTooLong("\"collection\"", item.collection.size(), kMaxCollectionIdBytes);
  }
  if (!has_geometry) return Invalid("\"geometry\" is missing (use null for an item without one)");
  if (properties_count == 0) return Invalid("\"properties\" is missing");
  if (HasNulEscape(json)) return Invalid("the document contains \\u0000, which cannot be stored");

  simdjson::dom::object properties_object;
  if (properties.get_object().get(properties_object)) {
    return Invalid("\"properties\" must be an object");
  }
  STACFED_ASSIGN_OR_RETURN(TimeRange range, ItemTimeRange(properties_object));
  item.datetime_us = range.start;
  item.end_datetime_us = range.end;
  ProfileProperties(properties_object, item.facets, item.property_profile);
  // The document is stored as the text it arrived in (minus its links): no re-serialisation,
  // numbers keep their exact spelling. The parser above has validated it.
  // One scan finds the item's members and those of its properties (the parser has checked
  // that "properties" is an object). It ends once it has met every "links" and "properties"
  // member the parser counted: the members after them (usually "assets", a third to a half of
  // an item) go into the content as one piece of text, unscanned. A key written with escapes
  // is not counted, so an item with one is scanned to its end.
  thread_local std::vector<Member> members, property_members;
  int links_left = links_count, properties_left = properties_count;
  const size_t scan_end = ObjectMembersUntil(
      json, json.find('{'), members, "properties", &property_members, [&](const Member& m) {
        if (m.key == "links") --links_left;
        if (m.key == "properties") --properties_left;
        return links_left == 0 && properties_left == 0;
      });
  if (scan_end == std::string_view::npos) return Invalid("not valid JSON");
  ReserveWithHeadroom(item.content_json, json.size() + 64);
  item.content_json.push_back('{');
  // A key written with escapes ("lin\u006bs") is compared by its parsed text: the parser's
  // keys, in the same order (rare, so only then collected).
  thread_local std::vector<std::string_view> parsed_keys;
  parsed_keys.clear();
  if (std::any_of(members.begin(), members.end(), [](const Member& m) { return m.escaped_key; })) {
    for (auto [key, value] : object) parsed_keys.push_back(key);
    if (parsed_keys.size() < members.size()) return Invalid("not valid JSON");
  }
  Span properties_span{}, links_span{};
  bool properties_escaped = false;
  for (size_t i = 0; i < members.size(); ++i) {
    const Member& member = members[i];
    const std::string_view key = member.escaped_key ? parsed_keys[i] : member.key;
    if (key == "links") {  // stored apart: the server writes its own around them
      links_span = member.value;  // the last one, as parsed
      continue;
    }
    if (key == "properties") {
      properties_span = member.value;  // the last one, as parsed
      properties_escaped = member.escaped_key;
    }
    if (item.content_json.size() > 1) item.content_json.push_back(',');
    item.content_json.append(json.substr(member.whole.begin, member.whole.end - member.whole.begin));
  }
  // The scan split the last "properties" whose key has no escapes. When the last one as
  // parsed has them, it is split here, once the last is known: splitting an earlier one with
  // escapes in the loop left its members paired with a later one's span, and the writer below
  // wrote more than that span holds: a heap overflow (fuzz/regressions/fuzz_item).
  if (properties_escaped) ObjectMembers(json, properties_span.begin, property_members);
  // The members the scan did not reach: from the comma after the last one it did to the
  // object's closing brace (the parser has checked that the text is one object).
  if (links_left == 0 && properties_left == 0) {
    const size_t close = json.find_last_not_of(" \t\r\n");
    size_t rest = json.find_first_not_of(" \t\r\n", scan_end);
    if (rest < close && json[rest] == ',') {
      rest = json.find_first_not_of(" \t\r\n", rest + 1);
      const size_t rest_end = json.find_last_not_of(" \t\r\n", close - 1) + 1;
      if (item.content_json.size() > 1) item.content_json.push_back(',');
      item.content_json.append(json.substr(rest, rest_end - rest));
    }
  }
  // The properties are the part stored as jsonb.
  const std::string_view properties_text =
      json.substr(properties_span.begin, properties_span.end - properties_span.begin);
  if (const std::optional<Span> number = FindNumberBeyondNumeric(properties_text)) {
    return NumberBeyondNumeric("properties: ", properties_text, *number);
  }
  ReserveWithHeadroom(item.properties_json, properties_span.end - properties_span.begin);
  AppendInJsonbKeyOrder(json, properties_span, property_members, item.properties_json);

  if (!geometry.is_null()) {
    Bounds bounds;
    STACFED_RETURN_IF_ERROR(GeometryToEwkb(geometry, item.geometry_ewkb, bounds));
    if (!has_bbox && !bounds.empty()) {
      // STAC requires bbox with a geometry; derive it rather than reject the item.
      item.content_json += ",\"bbox\":[";
      AppendDouble(item.content_json, bounds.min_x);
      item.content_json += ',';
      AppendDouble(item.content_json, bounds.min_y);
      item.content_json += ',';
      AppendDouble(item.content_json, bounds.max_x);
      item.content_json += ',';
      AppendDouble(item.content_json, bounds.max_y);
      item.content_json += ']';
    }
  }
  item.content_json += '}';
  if (links_count > 0) {
    STACFED_RETURN_IF_ERROR(ExtraLinks(
        links, item.links_json, json.substr(links_span.begin, links_span.end - links_span.begin)));
  }
  item.content_hash = ContentHash(item.content_json, item.links_json);
  return absl::OkStatus();
}

absl::StatusOr<StagedCollection> PrepareCollection(std::string_view json) {
  thread_local simdjson::dom::parser parser = NewDomParser();
  simdjson::dom::object root;
  if (auto error = parser.parse(json.data(), json.size(), true).get_object().get(root)) {
    return Invalid(JsonErrorReason(error));
  }
  std::string_view type, id;
  if (root["type"].get_string().get(type) || type != "Collection") {
    return Invalid("\"type\" must be \"Collection\"");
  }
  if (root["id"].get_string().get(id) || id.empty()) return Invalid("\"id\" is missing or empty");
  if (id.size() > kMaxCollectionIdBytes) return IdTooLong("\"id\"", id.size(), kMaxCollectionIdBytes);
  if (HasNulEscape(json)) return Invalid("the document contains \\u0000, which cannot be stored");
  simdjson::dom::object extent;
  if (!root["extent"].error() && root["extent"].get_object().get(extent)) {
    return Invalid("\"extent\" must be an object");
  }
  // The whole collection is stored as jsonb.
  if (const std::optional<Span> number = FindNumberBeyondNumeric(json)) {
    return NumberBeyondNumeric("", json, *number);
  }
  STACFED_RETURN_IF_ERROR(CheckCollectionForDatabase(root, json));
  StagedCollection collection;
  collection.id = std::string(id);
  collection.content_json.push_back('{');
  // Values are copied as the text they arrived in, like an item's: minify would write
  // numbers back from doubles ("1.5E3" as 1500.0, a 20-digit decimal cut to 17 digits), and
  // jsonb keeps a number's exact decimal value. The scan pairs with the parser's members
  // (both in document order, duplicates included); where it does not, minify.
  thread_local std::vector<Member> members;
  const bool scanned =
      ObjectMembers(json, json.find('{'), members) != std::string_view::npos && members.size() == root.size();
  size_t index = 0;
  for (auto [key, value] : root) {
    const Member* member = scanned ? &members[index++] : nullptr;
    if (member != nullptr && !member->escaped_key && member->key != key) member = nullptr;
    const std::string_view text =
        member ? json.substr(member->value.begin, member->value.end - member->value.begin) : std::string_view();
    if (key == "links") {
      STACFED_RETURN_IF_ERROR(ExtraLinks(value, collection.links_json, text));
      continue;
    }
    if (collection.content_json.size() > 1) collection.content_json += ',';
    AppendJsonString(collection.content_json, key);
    collection.content_json += ':';
    if (member != nullptr) {
      collection.content_json += text;
    } else {
      collection.content_json += simdjson::minify(value);
    }
  }
  collection.content_json += '}';
  collection.content_hash = ContentHash(collection.content_json, collection.links_json);
  return collection;
}

bool IsGeneratedRel(std::string_view rel) {
  return rel == "self" || rel == "root" || rel == "parent" || rel == "collection" ||
         rel == "items";
}

}  // namespace stacfed::ingest
