#pragma once
// A small per-I/O-thread cache of values that may trail the database by a few seconds, so
// that work repeated by many requests is done once: numberMatched counts (counting up to
// STACFED_COUNT_LIMIT rows costs many times more than a page of 10) and the collections
// below a catalog (a scoped search would otherwise ask for them on every request). Entries
// live `ttl`; a zero ttl disables the cache. One cache per I/O thread: no locks.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace stacfed::api {

template <typename Value>
class TtlCache {
 public:
  using Clock = std::chrono::steady_clock;

  TtlCache(std::chrono::seconds ttl, size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}

  // The cached value for `key` unless missing or expired.
  const Value* Find(const std::string& key, Clock::time_point now) const {
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.expires <= now) return nullptr;
    return &it->second.value;
  }

  void Store(std::string key, Value value, Clock::time_point now) {
    if (ttl_.count() <= 0 || max_entries_ == 0) return;
    if (entries_.size() >= max_entries_) {
      // Drop expired entries; if the cache is still full of live ones, start over rather than
      // track recency on every hit.
      std::erase_if(entries_, [now](const auto& entry) { return entry.second.expires <= now; });
      if (entries_.size() >= max_entries_) entries_.clear();
    }
    entries_.insert_or_assign(std::move(key), Entry{std::move(value), now + ttl_});
  }

 private:
  struct Entry {
    Value value;
    Clock::time_point expires;
  };
  std::chrono::seconds ttl_;
  size_t max_entries_;
  std::unordered_map<std::string, Entry> entries_;
};

// numberMatched of a search; nullopt means "counted, above the limit". Entries live
// STACFED_COUNT_CACHE_SECONDS (default 30), so a count can trail fresh writes by that long.
using CountCache = TtlCache<std::optional<int64_t>>;

}  // namespace stacfed::api
