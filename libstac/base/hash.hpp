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

}  // namespace stacfed
