#pragma once
// A 64-bit hash that is the same in every process, on every machine and in every version of
// stacfed (absl::Hash is salted per process): what the database stores (content hashes) and
// what must not depend on the process (which loader writer takes an item) use it.

#include <cstdint>
#include <string_view>

namespace stacfed {

// XXH3 (xxHash 0.8, Debian's libxxhash-dev): a few times faster than the byte- or
// word-serial hashes it replaced in the loader, where it runs for every item.
uint64_t StableHash64(std::string_view data, uint64_t seed = 0);

// XXH3's 128-bit form, for digests that stand in for keys: among a billion keys, two share a
// digest with a chance of about 1e-21 (with 64 bits: 3%).
struct Hash128 {
  uint64_t low;
  uint64_t high;
  bool operator==(const Hash128&) const = default;
};
Hash128 StableHash128(std::string_view data, uint64_t seed = 0);

}  // namespace stacfed
