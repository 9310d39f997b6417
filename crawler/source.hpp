#pragma once
// One harvest source as the crawler needs it. The CLI fills it from the federation file
// (libstac/federation: a catalog's `harvest` object) or from `--url/--type/--into`.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/annotate/site_registry.hpp"
#include "libstac/federation/federation.hpp"
#include "libstac/model/site_access.hpp"

namespace stacfed::crawler {

enum class SourceType { kStacApi, kStatic };

struct SourceSpec {
  std::string id;          // names the source in checkpoints, locks and the summary
  std::string catalog_id;  // harvested collections become this catalog's children
  std::string url;         // STAC API landing page, or a static catalog/collection document
  SourceType type = SourceType::kStacApi;
  // Remote collection ids, compared ignoring case (federation::NamesCollection).
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
  // The site-access extension URI annotated documents name in `stac_extensions`: `stacfed
  // harvest` sets it from STACFED_PUBLIC_URL (crawler::SiteAccessExtensionUriFromEnv).
  std::string site_access_extension{site_access::kDefaultSchemaUri};
  // Where several sources offer one collection (crawler/README.md, "Several sources of one
  // collection"), the document served is that of the source with the highest priority, then
  // the lowest position (its place in the federation file).
  int priority = 0;
  int position = std::numeric_limits<int>::max();
  // Local ids for the upstream's collections, for namesakes of another source's unrelated
  // collections: the map (upstream id compared ignoring case -> local id), else the prefix.
  std::vector<std::pair<std::string, std::string>> collection_ids;
  std::string collection_prefix;

  // The id a collection the upstream calls `upstream_id` is stored under.
  std::string LocalCollectionId(std::string_view upstream_id) const {
    for (const auto& [upstream, local] : collection_ids) {
      if (federation::NamesCollection({upstream}, upstream_id)) return local;
    }
    return collection_prefix.empty() ? std::string(upstream_id)
                                     : collection_prefix + std::string(upstream_id);
  }

  bool Wants(std::string_view collection_id) const {
    return (include_collections.empty() ||
            federation::NamesCollection(include_collections, collection_id)) &&
           !federation::NamesCollection(exclude_collections, collection_id);
  }
};

// The ids of an include or exclude list that none of `offered` (the collection ids the
// upstream advertised) matches, in list order. Unmatched include ids are configured
// collections the upstream does not have.
inline std::vector<std::string> UnmatchedIds(const std::vector<std::string>& ids,
                                             const std::vector<std::string>& offered) {
  std::vector<std::string> unmatched;
  for (const std::string& id : ids) {
    if (!federation::NamesCollection(offered, id)) unmatched.push_back(id);
  }
  return unmatched;
}

}  // namespace stacfed::crawler
