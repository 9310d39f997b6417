#pragma once
// How often facet values occur among the items: PostgreSQL's own statistics of the facets'
// digests (pg_stats.most_common_elems of items.facets, gathered by ANALYZE and autovacuum),
// read by the search service now and then. A filter that every match must satisfy through
// facet digests (a rare model, variable and member) is estimated from them, so its statement
// asks the GIN index first instead of walking the time order (query.hpp, Conditions).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace stacfed::search {

class FacetStatistics {
 public:
  // From pg_stats of the items table (all partitions): most_common_elems and
  // most_common_elem_freqs as their array literals (the frequencies end with the minimum,
  // maximum and null fraction), and the number of items. nullopt when they do not parse.
  static std::optional<FacetStatistics> Parse(std::string_view elements,
                                              std::string_view frequencies, double items);

  // The estimated number of items that hold, for each set of digests, one of that set's
  // (independent sets multiply, as PostgreSQL estimates them). A digest that is not among
  // the most common occurs at most half as often as the least common one listed.
  double Estimate(const std::vector<std::vector<int64_t>>& all_of) const;

  double items() const { return items_; }
  size_t size() const { return frequency_.size(); }

 private:
  absl::flat_hash_map<int64_t, double> frequency_;
  double least_ = 0;  // the lowest frequency listed
  double items_ = 0;
};

}  // namespace stacfed::search
