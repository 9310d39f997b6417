#include "libstac/ingest/json_scan.hpp"

#include <cstring>

namespace stacfed::ingest {
namespace {

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) {
    ++pos;
  }
  return pos;
}

// Position just past the string whose opening quote is at `pos`.
size_t SkipString(std::string_view s, size_t pos) {
  const char* begin = s.data();
  const char* end = begin + s.size();
  const char* p = begin + pos + 1;
  while (p < end) {
    const char* quote = static_cast<const char*>(std::memchr(p, '"', size_t(end - p)));
    if (quote == nullptr) return std::string_view::npos;
    // The quote is escaped when an odd number of backslashes precede it.
    size_t backslashes = 0;
    for (const char* b = quote - 1; b >= p && *b == '\\'; --b) ++backslashes;
    if (backslashes % 2 == 0) return size_t(quote - begin) + 1;
    p = quote + 1;
  }
  return std::string_view::npos;
}

}  // namespace

size_t SkipJsonValue(std::string_view s, size_t pos) {
  if (pos >= s.size()) return std::string_view::npos;
  const char first = s[pos];
  if (first == '"') return SkipString(s, pos);
  if (first == '{' || first == '[') {
    int depth = 0;
    for (size_t i = pos; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') {
        i = SkipString(s, i);
        if (i == std::string_view::npos) return i;
        --i;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::string_view::npos;
  }
  size_t i = pos;
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
         s[i] != '\n' && s[i] != '\r' && s[i] != '\t') {
    ++i;
  }
  return i;
}

namespace {

// Calls `visit(member)` for each member of the top-level object `s`, in order, until it
// returns false. False when `s` is not an object or a member is cut short; true otherwise
// (also when the visitor stopped early).
template <typename Visit>
bool ForEachTopLevelMember(std::string_view s, Visit&& visit) {
  size_t pos = SkipSpace(s, 0);
  if (pos >= s.size() || s[pos] != '{') return false;
  pos = SkipSpace(s, pos + 1);
  while (pos < s.size() && s[pos] == '"') {
    const size_t key_begin = pos;
    const size_t key_end = SkipString(s, pos);
    if (key_end == std::string_view::npos) return false;
    pos = SkipSpace(s, key_end);
    if (pos >= s.size() || s[pos] != ':') return false;
    pos = SkipSpace(s, pos + 1);
    const size_t value_end = SkipJsonValue(s, pos);
    if (value_end == std::string_view::npos) return false;
    if (!visit(Member{s.substr(key_begin + 1, key_end - key_begin - 2), {key_begin, value_end},
                      {pos, value_end}})) {
      return true;
    }
    pos = SkipSpace(s, value_end);
    if (pos < s.size() && s[pos] == ',') pos = SkipSpace(s, pos + 1);
  }
  return true;
}

}  // namespace

std::optional<std::vector<Member>> TopLevelMembers(std::string_view s) {
  std::vector<Member> members;
  if (!TopLevelMembers(s, members)) return std::nullopt;
  return members;
}

bool TopLevelMembers(std::string_view s, std::vector<Member>& members) {
  members.clear();
  return ForEachTopLevelMember(s, [&](const Member& m) {
    members.push_back(m);
    return true;
  });
}

std::optional<Span> TopLevelValue(std::string_view s, std::string_view key) {
  // Stops at the key: the loader asks every record for its "type", which is usually the
  // first member, and scanning the rest (assets, properties) cost a tenth of its CPU.
  std::optional<Span> value;
  ForEachTopLevelMember(s, [&](const Member& m) {
    if (m.key == key) value = m.value;
    return !value;
  });
  return value;
}

std::vector<Span> ArrayElements(std::string_view s) {
  std::vector<Span> elements;
  size_t pos = SkipSpace(s, 1);
  while (pos < s.size() && s[pos] != ']') {
    const size_t end = SkipJsonValue(s, pos);
    if (end == std::string_view::npos) break;
    elements.push_back({pos, end});
    pos = SkipSpace(s, end);
    if (pos < s.size() && s[pos] == ',') pos = SkipSpace(s, pos + 1);
  }
  return elements;
}

}  // namespace stacfed::ingest
