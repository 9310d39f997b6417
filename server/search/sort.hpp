#pragma once
// The order of a search, from which its paging follows: rows come in the order of the sort
// keys, the last keys (collection, id) break ties so the order is total, and a page token
// holds the sort key values of the boundary row. The keyset condition of a next or previous
// page is derived from the keys, so a search with another order (sortby) pages exactly like
// the default one, never with OFFSET.
//
// The default order is the one every partition of items has an index in:
// datetime DESC, collection, id (sql/0001, items_order_idx).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/search/page_token.hpp"

namespace stacfed::search {

class QueryBuilder;

enum class SortType { kTimestamp, kText, kNumber };

struct SortKey {
  std::string sql;      // the expression sorted by: "datetime", "collection"
  SortType type = SortType::kText;
  bool descending = false;
  // The page's result column holding the row's value of this key, as the token keeps it
  // (a timestamp as microseconds since the epoch).
  std::string column;

  bool operator==(const SortKey&) const = default;
};

class SortSpec {
 public:
  // datetime DESC, collection, id.
  static SortSpec Default();

  explicit SortSpec(std::vector<SortKey> keys) : keys_(std::move(keys)) {}

  const std::vector<SortKey>& keys() const { return keys_; }

  // " ORDER BY datetime DESC, collection, id"; `reversed` walks backwards (a previous page).
  std::string OrderBy(bool reversed) const;
  // The same over the page's result columns (t, collection, id).
  std::string OrderByColumns(bool reversed) const;

  // " AND ..." selecting the rows strictly after (kNext) or before (kPrev) the token's row,
  // with the token's key values bound through `builder`. The leading key is also bounded on
  // its own, so that the index scan starts at the token's row. InvalidArgument when the
  // token's keys do not fit this order.
  absl::StatusOr<std::string> Keyset(const PageToken& token, QueryBuilder& builder) const;

  bool operator==(const SortSpec&) const = default;

 private:
  std::vector<SortKey> keys_;
};

}  // namespace stacfed::search
