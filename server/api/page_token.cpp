#include "server/api/page_token.hpp"

#include <charconv>

#include "libstac/base/strings.hpp"

namespace stacfed::api {
namespace {

// Layout before base64url: "i1" <direction n|p> ":" <micros> ":" <matched or empty> ":"
// <byte length of collection> ":" <collection> <id>. Lengths, not separators, delimit the
// ids, so ids may contain any byte.
constexpr std::string_view kItemsVersion = "i1";
constexpr std::string_view kCollectionsVersion = "c1:";

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "invalid token: use the token of a next or prev link exactly as the server gave it");
}

// Reads an integer up to the next ':' and moves past it.
bool ReadField(std::string_view& rest, std::string_view& field) {
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return false;
  field = rest.substr(0, colon);
  rest.remove_prefix(colon + 1);
  return true;
}

bool ToInt(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string EncodePageToken(const PageToken& token) {
  std::string raw = StrCat(kItemsVersion, token.direction == PageToken::Direction::kNext ? "n" : "p",
                           ":", token.datetime, ":");
  if (token.matched) StrAppend(&raw, *token.matched);
  StrAppend(&raw, ":", token.collection.size(), ":", token.collection, token.id);
  return Base64UrlEncode(raw);
}

absl::StatusOr<PageToken> DecodePageToken(std::string_view text) {
  std::string raw;
  if (!Base64UrlDecode(text, raw)) return BadToken();
  std::string_view rest = raw;
  if (!rest.starts_with(kItemsVersion) || rest.size() < kItemsVersion.size() + 2) {
    return BadToken();
  }
  rest.remove_prefix(kItemsVersion.size());
  PageToken token;
  if (rest[0] == 'n') {
    token.direction = PageToken::Direction::kNext;
  } else if (rest[0] == 'p') {
    token.direction = PageToken::Direction::kPrev;
  } else {
    return BadToken();
  }
  if (rest[1] != ':') return BadToken();
  rest.remove_prefix(2);
  std::string_view datetime, matched, collection_size;
  int64_t size = 0;
  if (!ReadField(rest, datetime) || !ToInt(datetime, token.datetime) ||
      !ReadField(rest, matched) || !ReadField(rest, collection_size) ||
      !ToInt(collection_size, size) || size < 0 || size_t(size) > rest.size()) {
    return BadToken();
  }
  if (!matched.empty()) {
    int64_t value = 0;
    if (!ToInt(matched, value) || value < 0) return BadToken();
    token.matched = value;
  }
  token.collection = std::string(rest.substr(0, size_t(size)));
  token.id = std::string(rest.substr(size_t(size)));
  return token;
}

std::string EncodeCollectionsToken(std::string_view last_id) {
  return Base64UrlEncode(StrCat(kCollectionsVersion, last_id));
}

absl::StatusOr<std::string> DecodeCollectionsToken(std::string_view text) {
  std::string raw;
  if (!Base64UrlDecode(text, raw) || !std::string_view(raw).starts_with(kCollectionsVersion)) {
    return BadToken();
  }
  return raw.substr(kCollectionsVersion.size());
}

}  // namespace stacfed::api
