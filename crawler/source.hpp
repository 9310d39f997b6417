#pragma once
// One harvest source as the crawler needs it. The CLI fills it from the federation file
// (libstac/federation: a catalog's `harvest` object) or from `--url/--type/--into`.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/annotate/site_registry.hpp"

namespace stacfed::crawler {

enum class SourceType { kStacApi, kStatic };

struct SourceSpec {
  std::string id;          // names the source in checkpoints, locks and the summary
  std::string catalog_id;  // harvested collections become this catalog's children
  std::string url;         // STAC API landing page, or a static catalog/collection document
  SourceType type = SourceType::kStacApi;
  std::vector<std::string> include_collections;  // empty: all
  std::vector<std::string> exclude_collections;
  std::optional<int64_t> max_items_per_collection;
  double rate_limit_per_second = 0;  // 0: unlimited
  int concurrency = 4;
  int page_size = 100;
  // Walk items with POST /search {"collections":[id]} instead of /collections/{id}/items.
  bool items_via_search = false;
  // Where the API declares CQL2-text filters, runs between full walks ask only for items
  // updated since the last cursor; a full walk (which also finds withdrawn items) runs when
  // the last one is older than this.
  int64_t full_walk_every_s = 24 * 3600;
  // The federation's sites as seen from `catalog_id`, for site locality (crawler/annotate);
  // empty when harvesting without a federation file.
  SiteRegistry sites;

  bool Wants(std::string_view collection_id) const {
    auto has = [&](const std::vector<std::string>& list) {
      return std::find(list.begin(), list.end(), collection_id) != list.end();
    };
    return (include_collections.empty() || has(include_collections)) && !has(exclude_collections);
  }
};

}  // namespace stacfed::crawler
