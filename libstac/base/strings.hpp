#pragma once
// Small string helpers shared by the server, the loader and the crawler.

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace stacfed {

// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW
// is 0), which does not convert from std::string_view. These bridge the two; prefer
// stacfed::StrCat/StrAppend, which accept std::string_view arguments, to absl's.
inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

namespace internal {
template <typename T>
decltype(auto) AbslArg(const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view> &&
                !std::is_convertible_v<const T&, absl::string_view>) {
    return ToAbsl(std::string_view(value));
  } else {
    return (value);
  }
}
}  // namespace internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(internal::AbslArg(args)...);
}
template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  absl::StrAppend(out, internal::AbslArg(args)...);
}

// Appends `value` to `out` as a JSON string literal (with quotes), escaping per RFC 8259.
void AppendJsonString(std::string& out, std::string_view value);
std::string JsonString(std::string_view value);

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code
// points beyond U+10FFFF).
bool IsValidUtf8(std::string_view text);
// `text` with every byte that does not belong to a well-formed UTF-8 sequence replaced by
// U+FFFD, for echoing untrusted bytes into a JSON response.
std::string ToValidUtf8(std::string_view text);
// `text` as valid UTF-8 of at most `max_bytes` (plus "..." when cut), cut between characters:
// what a message quotes of a client's input.
std::string Excerpt(std::string_view text, size_t max_bytes);

// Base64url without padding, for opaque paging tokens.
std::string Base64UrlEncode(std::string_view bytes);
bool Base64UrlDecode(std::string_view text, std::string& out);

// Percent-encodes a query-string component (RFC 3986 unreserved characters pass). The
// result never needs escaping inside a JSON string.
std::string PercentEncode(std::string_view value);
void AppendPercentEncoded(std::string& out, std::string_view value);

}  // namespace stacfed
