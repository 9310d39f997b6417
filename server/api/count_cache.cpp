#include "server/api/count_cache.hpp"

#include <iterator>

namespace stacfed::api {

std::optional<CountCache::Count> CountCache::Find(const std::string& key,
                                                  Clock::time_point now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
  return it->second.count;
}

void CountCache::Store(std::string key, Count count, Clock::time_point now) {
  if (ttl_.count() <= 0 || max_entries_ == 0) return;
  if (entries_.size() >= max_entries_) {
    // Drop expired entries; if the cache is still full of live ones, start over rather than
    // track recency on every hit.
    std::erase_if(entries_, [now](const auto& entry) { return entry.second.expires <= now; });
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  entries_.insert_or_assign(std::move(key), Entry{count, now + ttl_});
}

}  // namespace stacfed::api
