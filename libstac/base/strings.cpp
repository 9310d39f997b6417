#include "libstac/base/strings.hpp"

#include <array>

namespace stacfed {

void AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

std::string JsonString(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  AppendJsonString(out, value);
  return out;
}

namespace {
constexpr char kBase64Url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out.push_back(kBase64Url[(n >> 18) & 63]);
    out.push_back(kBase64Url[(n >> 12) & 63]);
    out.push_back(kBase64Url[(n >> 6) & 63]);
    out.push_back(kBase64Url[n & 63]);
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    out.push_back(kBase64Url[(n >> 18) & 63]);
    out.push_back(kBase64Url[(n >> 12) & 63]);
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out.push_back(kBase64Url[(n >> 18) & 63]);
    out.push_back(kBase64Url[(n >> 12) & 63]);
    out.push_back(kBase64Url[(n >> 6) & 63]);
  }
  return out;
}

bool Base64UrlDecode(std::string_view text, std::string& out) {
  static const std::array<int8_t, 256> kTable = [] {
    std::array<int8_t, 256> table{};
    table.fill(-1);
    for (int i = 0; i < 64; ++i) table[uint8_t(kBase64Url[i])] = int8_t(i);
    return table;
  }();
  out.clear();
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = kTable[uint8_t(c)];
    if (v < 0) return false;
    buffer = (buffer << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((buffer >> bits) & 0xff));
    }
  }
  return bits < 6;  // a dangling 6-bit group cannot come from our encoder
}

std::string PercentEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace stacfed
