#include "server/api/page_token.hpp"

#include <charconv>

#include "libstac/base/crypto.hpp"
#include "libstac/base/strings.hpp"

namespace stacfed::api {
namespace {

// Layout before base64url: payload + 16 bytes of HMAC-SHA-256(key, payload). Payload of an
// item search token: "i2" <direction n|p> ":" <micros> ":" <matched or empty> ":"
// <byte length of search> ":" <search> <byte length of collection> ":" <collection> <id>.
// Lengths, not separators, delimit the binary and id fields, so they may hold any byte.
constexpr std::string_view kItemsVersion = "i2";
constexpr std::string_view kCollectionsVersion = "c1:";
constexpr size_t kMacBytes = 16;

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "invalid token: use the token of a next or prev link exactly as the server gave it");
}

// Reads a field up to the next ':' and moves past it.
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

// Reads "<length>:" and then that many bytes.
bool ReadSized(std::string_view& rest, std::string_view& field) {
  std::string_view size_text;
  int64_t size = 0;
  if (!ReadField(rest, size_text) || !ToInt(size_text, size) || size < 0 ||
      size_t(size) > rest.size()) {
    return false;
  }
  field = rest.substr(0, size_t(size));
  rest.remove_prefix(size_t(size));
  return true;
}

}  // namespace

std::string TokenSigner::Sign(std::string_view payload) const {
  const Sha256Digest mac = HmacSha256(key_, payload);
  return Base64UrlEncode(StrCat(payload, AsBytes(mac).substr(0, kMacBytes)));
}

absl::StatusOr<std::string> TokenSigner::Verify(std::string_view text) const {
  std::string raw;
  if (!Base64UrlDecode(text, raw) || raw.size() < kMacBytes) return BadToken();
  const std::string_view payload = std::string_view(raw).substr(0, raw.size() - kMacBytes);
  const std::string_view mac = std::string_view(raw).substr(raw.size() - kMacBytes);
  if (!ConstantTimeEquals(mac, AsBytes(HmacSha256(key_, payload)).substr(0, kMacBytes))) {
    return BadToken();
  }
  return std::string(payload);
}

std::string TokenSigner::Encode(const PageToken& token) const {
  std::string payload =
      StrCat(kItemsVersion, token.direction == PageToken::Direction::kNext ? "n" : "p", ":",
             token.datetime, ":");
  if (token.matched) StrAppend(&payload, *token.matched);
  StrAppend(&payload, ":", token.search.size(), ":", token.search, token.collection.size(), ":",
            token.collection, token.id);
  return Sign(payload);
}

absl::StatusOr<PageToken> TokenSigner::Decode(std::string_view text,
                                              std::string_view search) const {
  absl::StatusOr<std::string> payload = Verify(text);
  if (!payload.ok()) return payload.status();
  std::string_view rest = *payload;
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
  std::string_view datetime, matched, fingerprint, collection;
  if (!ReadField(rest, datetime) || !ToInt(datetime, token.datetime) ||
      !IsParsedRange(token.datetime) || !ReadField(rest, matched) ||
      !ReadSized(rest, fingerprint) || !ReadSized(rest, collection)) {
    return BadToken();
  }
  if (!matched.empty()) {
    int64_t value = 0;
    if (!ToInt(matched, value) || value < 0) return BadToken();
    token.matched = value;
  }
  if (fingerprint != search) {
    return absl::InvalidArgumentError(
        "invalid token: it belongs to another search; a token may only be sent with the "
        "parameters of the page that gave it (limit aside)");
  }
  token.search = std::string(fingerprint);
  token.collection = std::string(collection);
  token.id = std::string(rest);
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
