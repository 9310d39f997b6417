#include "server/search/page_token.hpp"

#include <charconv>

#include "absl/strings/ascii.h"

#include "libstac/base/crypto.hpp"
#include "libstac/base/strings.hpp"

namespace stacfed::search {
namespace {

// Layout before base64url: payload + 16 bytes of HMAC-SHA-256(key, payload). Payload of an
// item search token: "i3" <direction n|p, or N|P past the ties> ":" <matched or empty> ":"
// <search, sized> <number of keys> ":" then each key, "-" for NULL or sized. A sized field is
// "<byte length>:<bytes>": lengths, not separators, delimit the fields, so they may hold any
// byte.
constexpr std::string_view kItemsVersion = "i3";
constexpr std::string_view kCollectionsVersion = "c1:";
constexpr size_t kMacBytes = 16;
constexpr int64_t kMaxKeys = 16;

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

void AppendSized(std::string& out, std::string_view field) {
  StrAppend(&out, field.size(), ":", field);
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
  const bool next = token.direction == PageToken::Direction::kNext;
  const std::string_view direction =
      token.past_ties ? (next ? "N" : "P") : (next ? "n" : "p");
  std::string payload = StrCat(kItemsVersion, direction, ":");
  if (token.matched) StrAppend(&payload, *token.matched);
  payload += ':';
  AppendSized(payload, token.search);
  StrAppend(&payload, token.keys.size(), ":");
  for (const std::optional<std::string>& key : token.keys) {
    if (key) {
      AppendSized(payload, *key);
    } else {
      payload += '-';
    }
  }
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
  const char direction = rest[0];
  if (std::string_view("npNP").find(direction) == std::string_view::npos) return BadToken();
  token.direction = absl::ascii_tolower(direction) == 'n' ? PageToken::Direction::kNext
                                                          : PageToken::Direction::kPrev;
  token.past_ties = absl::ascii_isupper(direction);
  if (rest[1] != ':') return BadToken();
  rest.remove_prefix(2);
  std::string_view matched, fingerprint, count_text;
  int64_t count = 0;
  if (!ReadField(rest, matched) || !ReadSized(rest, fingerprint) ||
      !ReadField(rest, count_text) || !ToInt(count_text, count) || count < 0 ||
      count > kMaxKeys) {
    return BadToken();
  }
  for (int64_t i = 0; i < count; ++i) {
    if (rest.starts_with('-')) {
      rest.remove_prefix(1);
      token.keys.emplace_back();
      continue;
    }
    std::string_view key;
    if (!ReadSized(rest, key)) return BadToken();
    token.keys.emplace_back(std::string(key));
  }
  if (!rest.empty()) return BadToken();
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

}  // namespace stacfed::search
