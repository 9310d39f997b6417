#pragma once
// A minimal structural scanner over JSON text that a full parser has validated (or will):
// it finds where top-level members and array elements start and end, so that records can be
// stored as the exact text they arrived in (no re-serialisation) and errors can name the line
// of a feature inside a FeatureCollection. It does not validate.

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"

namespace stacfed::ingest {

struct Span {
  size_t begin;
  size_t end;  // one past the last byte
};

struct Member {
  std::string_view key;  // raw key text without quotes (escapes left as they are)
  Span whole;            // from the key's opening quote to the end of the value
  Span value;
  bool escaped_key = false;  // the key's text holds a backslash escape
};

// Position just past the JSON value starting at `pos` (npos when unterminated).
size_t SkipJsonValue(std::string_view s, size_t pos);
// The members of the object that starts at s[pos], in order, into `members` (cleared first;
// spans index `s`). Returns the position just past its closing brace; npos when there is no
// object at `pos` or it is cut short. With `nested`, the value of the member `nested_key`,
// when it is an object, is split into `*nested` in the same pass instead of being skipped
// (the loader needs an item's members and its properties' members: one scan, not two).
size_t ObjectMembers(std::string_view s, size_t pos, std::vector<Member>& members,
                     std::string_view nested_key = {}, std::vector<Member>* nested = nullptr);
// The same, but the scan ends after the first member for which `stop(member)` is true (the
// members before it and that member are in `members`); it then returns the position just past
// that member's value, and the rest of the object is not looked at.
size_t ObjectMembersUntil(std::string_view s, size_t pos, std::vector<Member>& members,
                          std::string_view nested_key, std::vector<Member>* nested,
                          const std::function<bool(const Member&)>& stop);
// Walks the members of the object that starts at s[pos], each once: `visit(key, key_begin,
// value_begin)` (key raw, without quotes) returns where the member's value ends, having
// skipped it (SkipJsonValue) or walked it itself (a nested object, with this function), or
// npos to give up. Returns the position just past the closing brace; npos when there is no
// object at `pos`, it is cut short, or a visitor gave up. A recursive walk of nested objects
// reads every byte once, where ObjectMembers on each level reads a nested value again.
size_t VisitObjectMembers(
    std::string_view s, size_t pos,
    absl::FunctionRef<size_t(std::string_view key, size_t key_begin, size_t value_begin)> visit);
// The first number in the JSON text `s` (valid JSON) that PostgreSQL's numeric type, and so
// jsonb, cannot hold: more than 16383 digits after the decimal point once its exponent is
// applied ("1e-16384", "0.5e-16383", or a fraction that long). simdjson reads such numbers
// as doubles without complaint. Strings are skipped.
std::optional<Span> FindNumberBeyondNumeric(std::string_view s);
// The value of top-level `key`, if present.
std::optional<Span> TopLevelValue(std::string_view s, std::string_view key);
// The elements of the array `s` (which starts with '[').
std::vector<Span> ArrayElements(std::string_view s);
// The same into `elements` (appended), reusing its storage.
void ArrayElements(std::string_view s, std::vector<Span>& elements);

}  // namespace stacfed::ingest
