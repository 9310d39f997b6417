#include "libstac/base/strings.hpp"

#include <array>

namespace stacfed {

namespace {

// Characters a JSON string may hold as they are: not '"', '\\' or a control character.
constexpr std::array<bool, 256> kJsonPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 256; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

// RFC 3986 unreserved characters.
constexpr std::array<bool, 256> kUnreserved = [] {
  std::array<bool, 256> unreserved{};
  for (int c = 0; c < 256; ++c) {
    unreserved[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
  }
  return unreserved;
}();

// Appends value[from..] up to the first character `allowed` does not allow and returns that
// character's position (value.size() when there is none): escaping copies runs of plain
// characters whole, since hrefs and ids rarely need an escape.
size_t AppendAllowedRun(std::string& out, std::string_view value, size_t from,
                        const std::array<bool, 256>& allowed) {
  size_t end = from;
  while (end < value.size() && allowed[static_cast<unsigned char>(value[end])]) ++end;
  out.append(value.data() + from, end - from);
  return end;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  // This runs for every href of every page.
  size_t i = 0;
  while (i < value.size()) {
    const size_t run = AppendAllowedRun(out, value, i, kJsonPlain);
    if (run == value.size()) break;
    const auto c = static_cast<unsigned char>(value[run]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
    i = run + 1;
  }
  out.push_back('"');
}

namespace {

// The length of the well-formed UTF-8 sequence at text[i], or 0 when the bytes there are not
// one (the table of RFC 3629, section 4).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char low = 0x80, high = 0xbf;  // range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;   // no overlong forms
    if (lead == 0xed) high = 0x9f;  // no surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return length;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string Excerpt(std::string_view text, size_t max_bytes) {
  std::string out = ToValidUtf8(text);
  if (out.size() <= max_bytes) return out;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  return out + "...";
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
  // Sized once and written through a pointer: a page token is encoded per link, and
  // push_back's capacity check per character cost twice the encoding itself.
  std::string out((bytes.size() * 4 + 2) / 3, '\0');  // unpadded: 2 or 3 characters at the end
  char* next = out.data();
  const auto put = [&next](uint32_t n, int count) {
    for (int shift = 18; count > 0; shift -= 6, --count) *next++ = kBase64Url[(n >> shift) & 63];
  };
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    put((uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]), 4);
  }
  if (i + 1 == bytes.size()) {
    put(uint8_t(bytes[i]) << 16, 2);
  } else if (i + 2 == bytes.size()) {
    put((uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8), 3);
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
  out.reserve(text.size() * 3 / 4);
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
  // A dangling 6-bit group cannot come from an encoder, nor can set bits below the last
  // byte: every byte string has exactly one encoding, so a changed character is a change.
  return bits < 6 && (buffer & ((1u << bits) - 1)) == 0;
}

void AppendPercentEncoded(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t i = 0;
  while (i < value.size()) {
    const size_t run = AppendAllowedRun(out, value, i, kUnreserved);
    if (run == value.size()) break;
    const auto c = static_cast<unsigned char>(value[run]);
    out.push_back('%');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
    i = run + 1;
  }
}

std::string PercentEncode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  AppendPercentEncoded(out, value);
  return out;
}

}  // namespace stacfed
