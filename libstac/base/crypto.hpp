#pragma once
// Cryptographic primitives from OpenSSL (Debian's libssl-dev): digests of untrusted input
// that an attacker must not be able to collide (cache keys of client searches) and the
// authentication of values the server hands out and gets back (page tokens).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace stacfed {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);

// HMAC-SHA-256 (RFC 2104) of `data` under `key`.
Sha256Digest HmacSha256(std::string_view key, std::string_view data);

// Compares without an early exit, so the time taken does not tell how much matched.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `count` bytes from the operating system's cryptographic random source.
std::string RandomBytes(size_t count);

inline std::string_view AsBytes(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace stacfed
