#pragma once
// Recently counted numberMatched values, so that repeating a search (a client reloading, a
// portal polling, pages reached again through prev) does not count the same matches again:
// counting up to STACFED_COUNT_LIMIT rows costs many times more than a page of 10. Entries
// live `ttl` (STACFED_COUNT_CACHE_SECONDS, default 30; 0 disables), so a count can trail
// fresh writes by that long. One cache per I/O thread: no locks.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace stacfed::api {

class CountCache {
 public:
  using Clock = std::chrono::steady_clock;
  // nullopt as a value means "counted, above the limit".
  using Count = std::optional<int64_t>;

  CountCache(std::chrono::seconds ttl, size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}

  // The cached count for `key` unless missing or expired.
  std::optional<Count> Find(const std::string& key, Clock::time_point now) const;
  void Store(std::string key, Count count, Clock::time_point now);

 private:
  struct Entry {
    Count count;
    Clock::time_point expires;
  };
  std::chrono::seconds ttl_;
  size_t max_entries_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace stacfed::api
