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
#include "server/search/request.hpp"

namespace stacfed::search {

class QueryBuilder;
class Queryables;
struct Queryable;

enum class SortType { kTimestamp, kText, kNumber, kBool };

struct SortKey {
  std::string sql;      // the expression sorted by: "datetime", "collection"
  SortType type = SortType::kText;
  bool descending = false;
  // The page's result column holding the row's value of this key, as the token keeps it
  // (a timestamp as microseconds since the epoch).
  std::string column;
  // The expression of `column`, when the page does not select it anyway (it selects t,
  // collection and id, query.hpp's PageColumn); empty for those.
  std::string select;

  bool operator==(const SortKey&) const = default;
};

// The rows after a page token's row, as conditions (" AND ...") of a statement.
struct KeysetRanges {
  // The rows strictly after (a next page) or before (a previous page) the token's row.
  std::string after;
  // When the order walks the order index: the same rows as two ranges of it, `tied` (those
  // sharing the token row's datetime, after it in the other keys) and `beyond` (those past
  // its datetime). With the one condition `after`, each partition's index scan starts at the
  // first row of the token's datetime and filters out every tied row before the token's:
  // paging through a group of n items sharing a datetime (295,843 generated CMIP6 datasets
  // start in January 1850) read about n * n / (2 * page) rows, and any page inside it paid
  // the whole group at once (2.4 s at 1,000,000 items). Both empty otherwise.
  std::string tied;
  std::string beyond;
};

class SortSpec {
 public:
  // datetime DESC, collection, id.
  static SortSpec Default();

  explicit SortSpec(std::vector<SortKey> keys) : keys_(std::move(keys)) {}

  const std::vector<SortKey>& keys() const { return keys_; }
  // Whether the rows come in the order of an index every partition has (items_order_idx,
  // forwards or backwards): datetime first. Only then can a search walk the order and test
  // its filters on the rows it meets; any other order sorts the matches.
  bool WalksOrderIndex() const { return !keys_.empty() && keys_.front().sql == "datetime"; }

  // " ORDER BY datetime DESC, collection, id"; `reversed` walks backwards (a previous page).
  std::string OrderBy(bool reversed) const;
  // The same over the page's result columns (t, collection, id).
  std::string OrderByColumns(bool reversed) const;

  // " AND ..." selecting the rows strictly after (kNext) or before (kPrev) the token's row,
  // with the token's key values bound through `builder`. The leading key is also bounded on
  // its own, so that the index scan starts at the token's row. InvalidArgument when the
  // token's keys do not fit this order.
  absl::StatusOr<std::string> Keyset(const PageToken& token, QueryBuilder& builder) const;

  // The same rows, and for an order that walks the order index the same rows as two index
  // ranges (KeysetRanges).
  absl::StatusOr<KeysetRanges> KeysetRangesOf(const PageToken& token,
                                             QueryBuilder& builder) const;

  bool operator==(const SortSpec&) const = default;

 private:
  std::vector<SortKey> keys_;
};

// Whether items can be sorted by a queryable: one of their fields (id, collection, datetime,
// start_datetime, end_datetime) or a property whose values are of one scalar type (strings,
// numbers, booleans or times), not an array, an object, a geometry or a mix of types.
bool IsSortable(const Queryable& queryable);

// Whether a requested order walks the order index (items_order_idx) rather than sorting every
// match: the default, or datetime first, either way.
bool IsIndexedOrder(const std::vector<SortField>& sortby);

// The most fields a sortby may name.
inline constexpr size_t kMaxSortFields = 8;

// The order a sortby asks for: its fields, each read as its queryable's type, then collection
// and id (unless named) so that the order is total; property names are bound through
// `builder`. A property some items lack sorts those items after the others in either
// direction: its key is (value IS NULL, coalesce(value, ...)). The tie-breakers run against
// the first field (ascending after a descending first field, like the default order), so that
// `datetime` either way walks the order index, forwards or backwards. InvalidArgument naming a
// field that is unknown, unsortable or repeated.
absl::StatusOr<SortSpec> SortSpecFor(const std::vector<SortField>& sortby,
                                     const Queryables& queryables, QueryBuilder& builder);

}  // namespace stacfed::search
