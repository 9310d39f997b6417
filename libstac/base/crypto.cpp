#include "libstac/base/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <string>

#include "libstac/base/log.hpp"

namespace stacfed {

namespace {

// OpenSSL 3 looks an algorithm up by name, under a lock of its provider store, in every
// one-shot call (SHA256(), HMAC()): a few microseconds per request of the server, which hashes
// and signs several times per search. The algorithms are fetched once, and each thread keeps
// its contexts: a digest context, and an HMAC context per key (the server has one key).
const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};

struct MacContext {
  std::string key;
  EVP_MAC_CTX* ctx = nullptr;
  ~MacContext() { EVP_MAC_CTX_free(ctx); }
};

[[noreturn]] void CryptoFailure(const char* what) {
  log::Error(what);
  std::abort();
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  thread_local DigestContext context;
  Sha256Digest digest;
  unsigned int length = 0;
  if (Sha256Algorithm() == nullptr || context.ctx == nullptr ||
      EVP_DigestInit_ex2(context.ctx, Sha256Algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, digest.data(), &length) != 1 || length != digest.size()) {
    CryptoFailure("OpenSSL cannot compute SHA-256");
  }
  return digest;
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  thread_local MacContext context;
  const unsigned char* key_bytes = reinterpret_cast<const unsigned char*>(key.data());
  bool ok = mac != nullptr;
  if (ok && (context.ctx == nullptr || context.key != key)) {
    EVP_MAC_CTX_free(context.ctx);
    context.ctx = EVP_MAC_CTX_new(mac);
    context.key = std::string(key);
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    ok = context.ctx != nullptr && EVP_MAC_init(context.ctx, key_bytes, key.size(), params) == 1;
  } else if (ok) {
    ok = EVP_MAC_init(context.ctx, nullptr, 0, nullptr) == 1;  // the same key again
  }
  Sha256Digest digest;
  size_t length = 0;
  if (!ok || EVP_MAC_update(context.ctx, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) != 1 ||
      EVP_MAC_final(context.ctx, digest.data(), &length, digest.size()) != 1 ||
      length != digest.size()) {
    EVP_MAC_CTX_free(context.ctx);
    context.ctx = nullptr;
    CryptoFailure("OpenSSL cannot compute HMAC-SHA-256");
  }
  return digest;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    // Without a random source no secret can be made; continuing would hand out forgeable
    // tokens.
    log::Error("the system's random source failed");
    std::abort();
  }
  return bytes;
}

}  // namespace stacfed
