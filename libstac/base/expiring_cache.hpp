#pragma once
// A cache that cannot grow with what clients send: keys are fixed-size digests (a search of
// 1 MB costs a 32-byte key), the entries and the bytes they hold are capped, and entries
// expire on time rather than when the cache happens to fill. Every entry lives the same
// `ttl`, so insertion order is expiry order: a queue in that order drops expired entries
// from its front on every call (amortised O(1)), and the oldest entry makes room when the
// cache is full. Not thread-safe: one per thread or per owner.
//
//   ExpiringCache<int64_t> counts({.ttl = 30s, .max_entries = 10000, .max_bytes = 4 << 20});
//   if (const int64_t* hit = counts.Find(digest, now)) ...;
//   counts.Store(digest, 42, /*bytes=*/0, now);

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "libstac/base/crypto.hpp"

namespace stacfed {

struct ExpiringCacheLimits {
  std::chrono::seconds ttl{30};  // 0 disables the cache
  size_t max_entries = 10000;
  size_t max_bytes = size_t{4} << 20;  // keys, values and bookkeeping together
};

template <typename Value>
class ExpiringCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Key = Sha256Digest;

  // What one entry costs besides its value's own heap bytes: key, value object, the map's
  // slot and control byte, the queue's record.
  static constexpr size_t kEntryOverhead = sizeof(Key) + sizeof(Value) + 64;

  explicit ExpiringCache(ExpiringCacheLimits limits) : limits_(limits) {}

  // The live value for `key`, or nullptr.
  const Value* Find(const Key& key, Clock::time_point now) {
    DropExpired(now);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second.value;
  }

  // Stores `value`, which holds `value_bytes` of heap memory of its own (0 for plain
  // values), for `ttl` from `now`. A value larger than the whole budget is not stored.
  void Store(const Key& key, Value value, size_t value_bytes, Clock::time_point now) {
    if (limits_.ttl.count() <= 0 || limits_.max_entries == 0) return;
    const size_t cost = kEntryOverhead + value_bytes;
    if (cost > limits_.max_bytes) return;
    DropExpired(now);
    Erase(key);
    // The queue may also hold records of keys stored again since: it is bounded too.
    while (!order_.empty() &&
           (entries_.size() >= limits_.max_entries || bytes_ + cost > limits_.max_bytes ||
            order_.size() >= 2 * limits_.max_entries)) {
      DropOldest();
    }
    const uint64_t sequence = ++last_sequence_;
    entries_.emplace(key, Entry{std::move(value), cost, sequence});
    order_.push_back(Expiry{key, now + limits_.ttl, sequence});
    bytes_ += cost;
  }

  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    Value value;
    size_t cost;
    uint64_t sequence;  // tells the entry's own queue record from one of an earlier store
  };
  struct Expiry {
    Key key;
    Clock::time_point at;
    uint64_t sequence;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      // The key is a cryptographic digest already: its first bytes are as good as any hash.
      size_t h;
      static_assert(sizeof h <= sizeof(Key));
      __builtin_memcpy(&h, key.data(), sizeof h);
      return h;
    }
  };

  void Erase(const Key& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    bytes_ -= it->second.cost;
    entries_.erase(it);  // its queue record is skipped when it reaches the front
  }

  // Pops the front record; erases its entry unless the key was stored again since.
  void DropOldest() {
    const Expiry front = order_.front();
    order_.pop_front();
    auto it = entries_.find(front.key);
    if (it != entries_.end() && it->second.sequence == front.sequence) {
      bytes_ -= it->second.cost;
      entries_.erase(it);
    }
  }

  void DropExpired(Clock::time_point now) {
    while (!order_.empty() && order_.front().at <= now) DropOldest();
  }

  ExpiringCacheLimits limits_;
  absl::flat_hash_map<Key, Entry, KeyHash> entries_;
  std::deque<Expiry> order_;
  size_t bytes_ = 0;
  uint64_t last_sequence_ = 0;
};

}  // namespace stacfed
