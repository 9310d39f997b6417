#include "libstac/base/hash.hpp"

// Header-only: the functions are inlined here, nothing to link.
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace stacfed {

uint64_t StableHash64(std::string_view data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

Hash128 StableHash128(std::string_view data, uint64_t seed) {
  const XXH128_hash_t hash = XXH3_128bits_withSeed(data.data(), data.size(), seed);
  return Hash128{hash.low64, hash.high64};
}

}  // namespace stacfed
