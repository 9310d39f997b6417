#include "libstac/ingest/json_scan.hpp"

#include <algorithm>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace stacfed::ingest {
namespace {

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) {
    ++pos;
  }
  return pos;
}

// Position just past the string whose opening quote is at `pos`. Sixteen bytes at a time to
// the next quote or backslash: a 3 KB item holds a hundred-odd strings, mostly short keys, and
// a call to memchr per string (plus a look back for escapes) was a tenth of the loader's CPU.
size_t SkipString(std::string_view s, size_t pos, bool* escaped = nullptr) {
  const char* const begin = s.data();
  const char* const end = begin + s.size();
  const char* p = begin + pos + 1;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned mask = unsigned(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash))));
    if (mask == 0) {
      p += 16;
      continue;
    }
    p += __builtin_ctz(mask);
    if (*p == '"') return size_t(p - begin) + 1;
    if (escaped != nullptr) *escaped = true;
    p += 2;  // a backslash and the character it escapes
  }
#endif
  while (p < end) {
    if (*p == '"') return size_t(p - begin) + 1;
    if (*p == '\\') {
      if (escaped != nullptr) *escaped = true;
      p += 2;
    } else {
      ++p;
    }
  }
  return std::string_view::npos;
}

// What a member visitor tells the walker: where the member's value ends (npos: cut short),
// and whether to stop after this member.
struct Visited {
  size_t value_end;
  bool stop = false;
};

// Walks the members of the object that starts at s[pos]:
// `visit(key, escaped_key, key_begin, value_begin)`
// finds the end of each value (skipping it, or scanning it for its own members). Returns the
// position just past the closing brace, npos when there is no object at `pos` or it is cut
// short; when the visitor stops early, the position after that member's value.
template <typename Visit>
size_t WalkObject(std::string_view s, size_t pos, Visit&& visit) {
  if (pos >= s.size() || s[pos] != '{') return std::string_view::npos;
  pos = SkipSpace(s, pos + 1);
  while (pos < s.size() && s[pos] == '"') {
    const size_t key_begin = pos;
    bool escaped_key = false;
    const size_t key_end = SkipString(s, pos, &escaped_key);
    if (key_end == std::string_view::npos) return key_end;
    pos = SkipSpace(s, key_end);
    if (pos >= s.size() || s[pos] != ':') return std::string_view::npos;
    pos = SkipSpace(s, pos + 1);
    const Visited visited =
        visit(s.substr(key_begin + 1, key_end - key_begin - 2), escaped_key, key_begin, pos);
    if (visited.value_end == std::string_view::npos || visited.stop) return visited.value_end;
    pos = SkipSpace(s, visited.value_end);
    if (pos < s.size() && s[pos] == ',') pos = SkipSpace(s, pos + 1);
  }
  if (pos >= s.size() || s[pos] != '}') return std::string_view::npos;
  return pos + 1;
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

size_t ObjectMembersUntil(std::string_view s, size_t pos, std::vector<Member>& members,
                          std::string_view nested_key, std::vector<Member>* nested,
                          const std::function<bool(const Member&)>& stop) {
  members.clear();
  if (nested != nullptr) nested->clear();
  return WalkObject(s, pos, [&](std::string_view key, bool escaped_key, size_t key_begin,
                                size_t value_begin) {
    size_t value_end;
    if (nested != nullptr && key == nested_key && s[value_begin] == '{') {
      value_end = ObjectMembers(s, value_begin, *nested);
    } else {
      value_end = SkipJsonValue(s, value_begin);
    }
    if (value_end == std::string_view::npos) return Visited{value_end};
    members.push_back(Member{key, {key_begin, value_end}, {value_begin, value_end}, escaped_key});
    return Visited{value_end, stop && stop(members.back())};
  });
}

size_t VisitObjectMembers(
    std::string_view s, size_t pos,
    absl::FunctionRef<size_t(std::string_view key, size_t key_begin, size_t value_begin)> visit) {
  return WalkObject(s, pos, [&](std::string_view key, bool, size_t key_begin, size_t value_begin) {
    return Visited{visit(key, key_begin, value_begin)};
  });
}

size_t ObjectMembers(std::string_view s, size_t pos, std::vector<Member>& members,
                     std::string_view nested_key, std::vector<Member>* nested) {
  return ObjectMembersUntil(s, pos, members, nested_key, nested, nullptr);
}

namespace {

// numeric's largest display scale (NUMERIC_DSCALE_MAX): digits after the decimal point.
constexpr int64_t kNumericMaxScale = 16383;
// A number beyond that scale has an exponent below -9999, so five digits after "e-", or,
// with an exponent of four digits at most, more than 16383 - 9999 digits of fraction.
constexpr size_t kDigitsOfFractionBeyond = kNumericMaxScale - 9999 + 1;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Whether s[minus] is the sign of an exponent of five digits or more ("e-16384").
bool LongNegativeExponentAt(std::string_view s, size_t minus) {
  if (minus == 0 || (s[minus - 1] != 'e' && s[minus - 1] != 'E')) return false;
  size_t digits = 0;
  while (minus + 1 + digits < s.size() && IsDigit(s[minus + 1 + digits])) ++digits;
  return digits >= 5;
}

// Whether `s` may hold a number beyond numeric's scale: a quick look that lets the exact scan
// run only for such texts (rarely: a typical item's properties are shorter than
// kDigitsOfFractionBeyond and hold no five-digit exponent). memchr finds the minus signs of
// dates and ids (a few dozen per item) faster than a loop of sixteen bytes at a time.
bool MayHoldNumberBeyondNumeric(std::string_view s) {
  if (s.size() >= kDigitsOfFractionBeyond) return true;
  for (size_t minus = s.find('-'); minus != std::string_view::npos; minus = s.find('-', minus + 1)) {
    if (LongNegativeExponentAt(s, minus)) return true;
  }
  return false;
}

// The end of the number at s[pos] (a JSON number: the text is valid); `beyond` tells whether
// numeric cannot hold it.
size_t ScanNumber(std::string_view s, size_t pos, bool& beyond) {
  if (pos < s.size() && s[pos] == '-') ++pos;
  while (pos < s.size() && IsDigit(s[pos])) ++pos;
  int64_t fraction_digits = 0;
  if (pos < s.size() && s[pos] == '.') {
    for (++pos; pos < s.size() && IsDigit(s[pos]); ++pos) ++fraction_digits;
  }
  int64_t exponent = 0;
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    ++pos;
    bool negative = false;
    if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) negative = s[pos++] == '-';
    for (; pos < s.size() && IsDigit(s[pos]); ++pos) {
      // Saturates: anything beyond a few million is beyond the scale either way.
      exponent = std::min<int64_t>(exponent * 10 + (s[pos] - '0'), int64_t{1} << 40);
    }
    if (negative) exponent = -exponent;
  }
  beyond = fraction_digits - exponent > kNumericMaxScale;
  return pos;
}

}  // namespace

std::optional<Span> FindNumberBeyondNumeric(std::string_view s) {
  if (!MayHoldNumberBeyondNumeric(s)) return std::nullopt;
  size_t pos = 0;
  while (pos < s.size()) {
    const char c = s[pos];
    if (c == '"') {
      pos = SkipString(s, pos);
      if (pos == std::string_view::npos) return std::nullopt;
    } else if (c == '-' || IsDigit(c)) {
      bool beyond = false;
      const size_t end = ScanNumber(s, pos, beyond);
      if (beyond) return Span{pos, end};
      pos = end;
    } else {
      ++pos;
    }
  }
  return std::nullopt;
}

std::optional<Span> TopLevelValue(std::string_view s, std::string_view key) {
  // Stops at the key: the loader asks every record for its "type", which is usually the
  // first member, and scanning the rest (assets, properties) cost a tenth of its CPU.
  std::optional<Span> value;
  WalkObject(s, SkipSpace(s, 0), [&](std::string_view k, bool, size_t, size_t value_begin) {
    const size_t value_end = SkipJsonValue(s, value_begin);
    if (k == key && value_end != std::string_view::npos) value = Span{value_begin, value_end};
    return Visited{value_end, value.has_value()};
  });
  return value;
}

std::vector<Span> ArrayElements(std::string_view s) {
  std::vector<Span> elements;
  ArrayElements(s, elements);
  return elements;
}

void ArrayElements(std::string_view s, std::vector<Span>& elements) {
  size_t pos = SkipSpace(s, 1);
  while (pos < s.size() && s[pos] != ']') {
    const size_t end = SkipJsonValue(s, pos);
    if (end == std::string_view::npos) break;
    elements.push_back({pos, end});
    pos = SkipSpace(s, end);
    if (pos < s.size() && s[pos] == ',') pos = SkipSpace(s, pos + 1);
  }
}

}  // namespace stacfed::ingest
