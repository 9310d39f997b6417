#pragma once
// The SQL of an item search, assembled from the conditions the modules add, with every
// value bound as a parameter: the builder numbers the placeholders ($n is never counted by
// hand), and untrusted values never reach the SQL text.
//
// Statements: the page (limit + 1 rows: the extra row only says that a further page exists)
// and, for a first page that is full, the count (numberMatched, capped: an exact count of
// millions of rows would cost far more than the page). The text of a statement depends on
// the shape of the search only (which filters, how many collections, which page), never on
// its values, so each shape is prepared once per database connection and planned generically
// (server/http/server.cpp says why): a statement decides at run time what plans would
// otherwise guess. Conditions whose selectivity nobody knows in advance (a spatial filter,
// a CQL2 filter) are checked on the rows the time-ordered walk reads first; when that fills
// the page or exhausts the matches it is the answer, otherwise the statement switches to the
// indexes (GIST, the facets' GIN) and sorts.
//
// Collections are bound one parameter each, `collection IN ($1, $2, ...)`: PostgreSQL prunes
// partitions at execution time for a list of parameters but not for `= ANY($1::text[])`.
// Lists are padded (repeating the last name) to the next of a few arities so the number of
// statements stays small; longer lists use one array parameter.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/pg/connection.hpp"
#include "server/search/sort.hpp"

namespace stacfed::search {

// Binds values and numbers their placeholders.
class QueryBuilder {
 public:
  // The placeholder of `value`, bound as the next parameter: "$7".
  std::string Bind(pg::Param value);
  const std::vector<pg::Param>& params() const { return params_; }
  std::vector<pg::Param> TakeParams() { return std::move(params_); }

 private:
  std::vector<pg::Param> params_;
};

inline constexpr std::string_view kItemsTable = "stacfed.items";

// The table of a collection's partition (stacfed.collections.partition_name, sql/0001), or
// nullopt when the name is not one the schema makes ("items_" and lowercase hex): it is
// written into the statement's text, not bound.
std::optional<std::string> PartitionTable(std::string_view partition_name);

// `collection IN ($1, ...)` for a non-empty list of collections (padded, see above).
std::string CollectionsIn(const std::vector<std::string>& collections, QueryBuilder& builder);

// What the statistics say of a condition an index alone can answer: how many of how many
// items match (FacetStatistics).
struct IndexEstimate {
  double matches = 0;
  double items = 0;
};

// What restricts a search, in the order the statement lists it.
struct Conditions {
  enum class Kind {
    kPlain,    // narrows the walk itself (collections, ids, time)
    kSpatial,  // the intersects/bbox condition: checked on the walked rows first
    kFilter,   // a module's filter (CQL2): checked on the walked rows first
  };
  struct Condition {
    std::string sql;
    Kind kind = Kind::kPlain;
    // Set when an index the condition names (the facets' GIN) finds every match: how many
    // it would find. When they are few, the statement asks that index first (IndexFirst in
    // query.cpp) rather than walking the time order.
    std::optional<IndexEstimate> index;
  };
  std::vector<Condition> list;
  // How many parameters the conditions bound (the first ones): the count takes only these.
  size_t params = 0;
  // The table the statements read: the partitioned items, or the partition of the one
  // collection a search names (PartitionTable). A cached generic plan over the partitioned
  // table locks every partition and each of its indexes on every execution, before it
  // prunes them (PostgreSQL 15): read directly, the database runs 1.16-1.42 times as many
  // of these statements a second (bench/README.md).
  std::string relation = std::string(kItemsTable);

  void Add(std::string sql, Kind kind = Kind::kPlain,
           std::optional<IndexEstimate> index = std::nullopt) {
    list.push_back({std::move(sql), kind, index});
  }
  bool Has(Kind kind) const;
};

// A statement with its name: a digest of its text, so equal shapes share one prepared
// statement per connection.
struct Statement {
  std::string name;
  std::string sql;
  pg::Plan plan = pg::Plan::kGeneric;
};

struct SearchQuery {
  Statement page;  // limit + 1 rows
  std::vector<pg::Param> params;
  // First pages only (name empty otherwise): one row, one column, the capped count.
  Statement count;
  std::vector<pg::Param> count_params;
  // For each key of the order, the page's result column holding its value (TokenColumns).
  std::vector<int> token_columns;
};

// Result columns of every page statement.
enum PageColumn : int {
  kColCollection = 0,
  kColId = 1,
  kColDatetimeMicros = 2,
  kColContent = 3,  // the item JSON without links
  kColLinks = 4,    // stored extra links: a JSON array or NULL
  // Then the values of the order's keys that are not among these (SortKey::select), in the
  // order of the keys.
};

// For each key of `order`, the page's result column holding its value: what a page token
// keeps of a row.
std::vector<int> TokenColumns(const SortSpec& order);

// The statements of a search with `conditions` (values already bound through `builder`, in
// order, then those of `order`), walked in `order` from `token` (none: the first page),
// `limit` rows a page; the count (first pages) takes only the conditions' parameters and stops
// at `count_limit` + 1. InvalidArgument when the token does not fit the order.
absl::StatusOr<SearchQuery> AssembleSearch(const Conditions& conditions, QueryBuilder builder,
                                           const SortSpec& order, const PageToken* token,
                                           int limit, int64_t count_limit);

// How many rows, in page order, a search checks before it trusts an index.
inline constexpr int kWalkRows = 2000;

// A filter an index answers (Condition::index) asks the index first when it is estimated to
// match at most kIndexRows items and too few for a walk of kWalkRows to fill the page; the
// index is then read for at most kIndexProbeRows matches (estimates err) before the
// statement gives up sorting them and walks the time order instead.
inline constexpr int kIndexRows = 2000;
inline constexpr int kIndexProbeRows = 4000;

}  // namespace stacfed::search
