#include "crawler/walk/exact_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>

#include "libstac/ingest/json_scan.hpp"

namespace stacfed::crawler {
namespace json = boost::json;
namespace {

using ingest::Member;
using ingest::Span;

std::string_view Trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") + 1 - first);
}

std::string_view Cut(std::string_view text, Span span) {
  return text.substr(span.begin, span.end - span.begin);
}

std::string_view View(json::string_view s) { return {s.data(), s.size()}; }

// Storage reused from document to document, one vector per nesting level (a deque: growing
// it leaves the levels in use where they are).
template <typename T>
std::vector<T>& Scratch(size_t depth) {
  thread_local std::deque<std::vector<T>> levels;
  if (levels.size() <= depth) levels.resize(depth + 1);
  return levels[depth];
}

// ---- comparing ---------------------------------------------------------------------------

// The member of `object` at `index` when it has key `key` (the usual case: an edited copy
// keeps the original's order), else the member with that key anywhere, else null. Saves the
// hash look-up that was a third of the splice's time.
const json::key_value_pair* FindMember(const json::object& object, size_t index,
                                       json::string_view key) {
  if (index < object.size()) {
    const json::key_value_pair& at = object.begin()[index];
    if (at.key() == key) return &at;
  }
  const auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

bool Same(const json::value& a, const json::value& b);

// boost::json's ==, without a look-up per member where both objects have the same order.
bool SameObject(const json::object& a, const json::object& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const json::key_value_pair& member = a.begin()[i];
    const json::key_value_pair* other = FindMember(b, i, member.key());
    if (other == nullptr || !Same(member.value(), other->value())) return false;
  }
  return true;
}

bool SameArray(const json::array& a, const json::array& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!Same(a[i], b[i])) return false;
  }
  return true;
}

bool Same(const json::value& a, const json::value& b) {
  if (a.is_object() && b.is_object()) return SameObject(a.get_object(), b.get_object());
  if (a.is_array() && b.is_array()) return SameArray(a.get_array(), b.get_array());
  return a == b;
}

// What the edit did to a member of the original object.
struct Fate {
  const json::value* now = nullptr;  // null: removed
  bool same = false;
};

// The fate of every member of `original`; true when none was changed or removed.
bool Fates(const json::object& edited, const json::object& original, std::vector<Fate>& fates) {
  fates.clear();
  bool untouched = true;
  for (size_t i = 0; i < original.size(); ++i) {
    const json::key_value_pair& before = original.begin()[i];
    const json::key_value_pair* now = FindMember(edited, i, before.key());
    Fate fate;
    if (now != nullptr) {
      fate.now = &now->value();
      fate.same = Same(now->value(), before.value());
    }
    untouched = untouched && fate.same;
    fates.push_back(fate);
  }
  return untouched;
}

// ---- scanning one level of a text --------------------------------------------------------

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) {
    ++pos;
  }
  return pos;
}

// Just past the value at s[pos]: an object or array through the index, anything else read.
size_t ValueEnd(std::string_view s, size_t pos, const JsonIndex& index) {
  if (pos < s.size() && (s[pos] == '{' || s[pos] == '[')) {
    const char* end = index.End(s.data() + pos);
    if (end != nullptr && end <= s.data() + s.size()) return size_t(end - s.data());
  }
  return ingest::SkipJsonValue(s, pos);
}

// The members of the object `s` (which starts with '{'); false when the text is cut short.
bool ScanMembers(std::string_view s, const JsonIndex& index, std::vector<Member>& members) {
  members.clear();
  size_t pos = SkipSpace(s, 1);
  while (pos < s.size() && s[pos] == '"') {
    const size_t key_begin = pos;
    const size_t key_end = ingest::SkipJsonValue(s, pos);
    if (key_end == std::string_view::npos) return false;
    pos = SkipSpace(s, key_end);
    if (pos >= s.size() || s[pos] != ':') return false;
    pos = SkipSpace(s, pos + 1);
    const size_t value_end = ValueEnd(s, pos, index);
    if (value_end == std::string_view::npos) return false;
    const std::string_view key = s.substr(key_begin + 1, key_end - key_begin - 2);
    members.push_back(Member{key, {key_begin, value_end}, {pos, value_end},
                             key.find('\\') != std::string_view::npos});
    pos = SkipSpace(s, value_end);
    if (pos < s.size() && s[pos] == ',') pos = SkipSpace(s, pos + 1);
  }
  return pos < s.size() && s[pos] == '}';
}

// The elements of the array `s` (which starts with '['); false when the text is cut short.
bool ScanElements(std::string_view s, const JsonIndex& index, std::vector<Span>& elements) {
  elements.clear();
  size_t pos = SkipSpace(s, 1);
  while (pos < s.size() && s[pos] != ']') {
    const size_t end = ValueEnd(s, pos, index);
    if (end == std::string_view::npos) return false;
    elements.push_back(Span{pos, end});
    pos = SkipSpace(s, end);
    if (pos < s.size() && s[pos] == ',') pos = SkipSpace(s, pos + 1);
  }
  return pos < s.size();
}

// The members of the object `text`, one per member of `object` (parsed from it) in the same
// order; false when they disagree, e.g. when a key occurs twice (the parser keeps one).
bool MatchMembers(std::string_view text, const JsonIndex& index, const json::object& object,
                  std::vector<Member>& members) {
  if (text.empty() || text.front() != '{' || !ScanMembers(text, index, members)) return false;
  if (members.size() != object.size()) return false;
  for (size_t i = 0; i < members.size(); ++i) {
    // A key written with escapes is trusted to the count: decoding it is not worth it.
    if (!members[i].escaped_key && members[i].key != View(object.begin()[i].key())) return false;
  }
  return true;
}

// The elements of the array `text`, one per element of `array` (parsed from it).
bool MatchElements(std::string_view text, const JsonIndex& index, const json::array& array,
                   std::vector<Span>& elements) {
  if (text.empty() || text.front() != '[' || !ScanElements(text, index, elements)) return false;
  return elements.size() == array.size();
}

// `text` (an object or array) without its closing bracket and the space before it; empty
// when it does not end with `close`.
std::string_view WithoutClose(std::string_view text, char close) {
  if (text.size() < 2 || text.back() != close) return {};
  return text.substr(0, text.find_last_not_of(" \t\r\n", text.size() - 2) + 1);
}

// ---- writing values that have no text ---------------------------------------------------

// A JSON string as boost::json writes it: quote, backslash and control characters escaped.
void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t plain = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(plain, i - plain));
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += "\\u00"; out += kHex[c >> 4]; out += kHex[c & 15];
    }
  }
  out.append(s.substr(plain));
  out += '"';
}

template <typename Integer>
void AppendInteger(std::string& out, Integer n) {
  char buffer[24];
  out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, n).ptr);
}

// The shortest text that reads back as `d`, with a fraction or exponent so that it stays a
// float ("-180.0", "1e+20"), as most upstreams write floats; boost::json writes "-1.8E2".
void AppendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {  // only from a number beyond the double range, such as 1e400
    out += std::isnan(d) ? "null" : d > 0 ? "1e999" : "-1e999";
    return;
  }
  char buffer[32];
  const std::string_view text(buffer, std::to_chars(buffer, buffer + sizeof buffer, d).ptr - buffer);
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

// A value that has no text of its own (changed or added), written compactly.
void AppendJson(std::string& out, const json::value& value);

void AppendJson(std::string& out, const json::array& array) {
  out += '[';
  for (size_t i = 0; i < array.size(); ++i) {
    if (i > 0) out += ',';
    AppendJson(out, array[i]);
  }
  out += ']';
}

void AppendJson(std::string& out, const json::object& object) {
  out += '{';
  for (size_t i = 0; i < object.size(); ++i) {
    if (i > 0) out += ',';
    AppendString(out, View(object.begin()[i].key()));
    out += ':';
    AppendJson(out, object.begin()[i].value());
  }
  out += '}';
}

void AppendJson(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += value.get_bool() ? "true" : "false"; break;
    case json::kind::int64: AppendInteger(out, value.get_int64()); break;
    case json::kind::uint64: AppendInteger(out, value.get_uint64()); break;
    case json::kind::double_: AppendDouble(out, value.get_double()); break;
    case json::kind::string: AppendString(out, View(value.get_string())); break;
    case json::kind::array: AppendJson(out, value.get_array()); break;
    case json::kind::object: AppendJson(out, value.get_object()); break;
  }
}

// ---- splicing ----------------------------------------------------------------------------

// Writes an edited value over the text of its original, `depth` levels down.
class Splicer {
 public:
  Splicer(std::string& out, const JsonIndex& index) : out_(out), index_(index) {}

  void Value(const json::value& edited, const json::value& original, std::string_view text,
             size_t depth) {
    if (Same(edited, original)) {
      out_.append(text);
    } else {
      Changed(edited, original, text, depth);
    }
  }

  void Changed(const json::value& edited, const json::value& original, std::string_view text,
               size_t depth) {
    if (edited.is_object() && original.is_object()) {
      Object(edited.get_object(), original.get_object(), text, depth);
    } else if (edited.is_array() && original.is_array()) {
      Array(edited.get_array(), original.get_array(), text, depth);
    } else {
      AppendJson(out_, edited);
    }
  }

  // An object only added to (what annotate does) is its text with the new members before
  // the closing brace, its members unread. Otherwise its members in the original order (the
  // removed ones left out), then the added ones in the edited order; a key keeps its
  // spelling, escapes included.
  void Object(const json::object& edited, const json::object& original, std::string_view text,
              size_t depth) {
    std::vector<Fate>& fates = Scratch<Fate>(depth);
    const bool untouched = Fates(edited, original, fates);
    const std::string_view open = WithoutClose(text, '}');
    if (untouched && !open.empty()) {
      out_.append(open);
      AddedMembers(edited, original, !original.empty());
      out_ += '}';
      return;
    }
    std::vector<Member>& members = Scratch<Member>(depth);
    if (!MatchMembers(text, index_, original, members)) {
      AppendJson(out_, edited);
      return;
    }
    out_ += '{';
    bool comma = false;
    for (size_t i = 0; i < members.size(); ++i) {
      const Fate& fate = fates[i];
      if (fate.now == nullptr) continue;
      if (comma) out_ += ',';
      comma = true;
      const Member& member = members[i];
      if (fate.same) {
        out_.append(Cut(text, member.whole));
      } else {
        out_.append(text.substr(member.whole.begin, member.value.begin - member.whole.begin));
        Changed(*fate.now, original.begin()[i].value(), Cut(text, member.value), depth + 1);
      }
    }
    AddedMembers(edited, original, comma);
    out_ += '}';
  }

  void AddedMembers(const json::object& edited, const json::object& original, bool comma) {
    for (size_t i = 0; i < edited.size(); ++i) {
      const json::key_value_pair& member = edited.begin()[i];
      if (FindMember(original, i, member.key()) != nullptr) continue;
      if (comma) out_ += ',';
      comma = true;
      AppendString(out_, View(member.key()));
      out_ += ':';
      AppendJson(out_, member.value());
    }
  }

  // Elements by index: the common ones compared, the added ones serialised. An array only
  // added to is its text with the new elements before the closing bracket.
  void Array(const json::array& edited, const json::array& original, std::string_view text,
             size_t depth) {
    size_t same = 0;
    while (same < original.size() && same < edited.size() && Same(edited[same], original[same])) ++same;
    const std::string_view open = WithoutClose(text, ']');
    if (same == original.size() && !open.empty()) {
      out_.append(open);
      for (size_t i = same; i < edited.size(); ++i) {
        if (i > 0) out_ += ',';
        AppendJson(out_, edited[i]);
      }
      out_ += ']';
      return;
    }
    std::vector<Span>& elements = Scratch<Span>(depth);
    if (!MatchElements(text, index_, original, elements)) {
      AppendJson(out_, edited);
      return;
    }
    out_ += '[';
    for (size_t i = 0; i < edited.size(); ++i) {
      if (i > 0) out_ += ',';
      if (i < same) {
        out_.append(Cut(text, elements[i]));
      } else if (i < original.size()) {
        Value(edited[i], original[i], Cut(text, elements[i]), depth + 1);
      } else {
        AppendJson(out_, edited[i]);
      }
    }
    out_ += ']';
  }

 private:
  std::string& out_;
  const JsonIndex& index_;
};

}  // namespace

JsonIndex::JsonIndex(std::string_view text) : text_(text.data()) {
  if (text.size() >= UINT32_MAX) return;  // nothing indexed: values are read to skip them
  std::vector<size_t> unclosed;            // positions in opens_
  for (size_t pos = 0; pos < text.size();) {
    const char c = text[pos];
    if (c == '"') {
      pos = ingest::SkipJsonValue(text, pos);
      if (pos == std::string_view::npos) break;
      continue;
    }
    if (c == '{' || c == '[') {
      unclosed.push_back(opens_.size());
      opens_.push_back(uint32_t(pos));
      ends_.push_back(0);
    } else if ((c == '}' || c == ']') && !unclosed.empty()) {
      ends_[unclosed.back()] = uint32_t(pos + 1);
      unclosed.pop_back();
    }
    ++pos;
  }
}

const char* JsonIndex::End(const char* open) const {
  const uintptr_t offset = uintptr_t(open) - uintptr_t(text_);  // huge when before the text
  const auto found = std::lower_bound(opens_.begin(), opens_.end(), offset);
  if (found == opens_.end() || *found != offset) return nullptr;
  const uint32_t end = ends_[size_t(found - opens_.begin())];
  return end == 0 ? nullptr : text_ + end;
}

std::string SerializeKeepingText(const json::object& edited, const json::object& original,
                                 SourceText source) {
  const std::string_view text = Trimmed(source.text);
  if (!text.empty() && SameObject(edited, original)) return std::string(text);
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  if (text.empty()) {
    AppendJson(out, edited);
    return out;
  }
  std::optional<JsonIndex> own;
  const JsonIndex& index = source.index != nullptr ? *source.index : own.emplace(text);
  Splicer(out, index).Object(edited, original, text, 0);
  return out;
}

std::optional<std::string_view> MemberText(SourceText source, const json::object& object,
                                           std::string_view key) {
  const std::string_view text = Trimmed(source.text);
  std::optional<JsonIndex> own;
  const JsonIndex& index = source.index != nullptr ? *source.index : own.emplace(text);
  std::vector<Member> members;
  if (!MatchMembers(text, index, object, members)) return std::nullopt;
  for (size_t i = 0; i < members.size(); ++i) {
    if (View(object.begin()[i].key()) == key) return Cut(text, members[i].value);
  }
  return std::nullopt;
}

std::vector<std::string_view> ElementTexts(SourceText source, const json::array& array) {
  const std::string_view text = Trimmed(source.text);
  std::optional<JsonIndex> own;
  const JsonIndex& index = source.index != nullptr ? *source.index : own.emplace(text);
  std::vector<Span> elements;
  if (!MatchElements(text, index, array, elements)) return {};
  std::vector<std::string_view> texts;
  texts.reserve(elements.size());
  for (const Span& element : elements) texts.push_back(Cut(text, element));
  return texts;
}

}  // namespace stacfed::crawler
