#pragma once
// SQL for item search. Each combination of present filters ("shape") has one fixed SQL text
// and one stable statement name, so every shape is prepared once per connection and values
// only ever travel as bind parameters. The text is assembled from a small set of clause
// fragments, one per filter, in a fixed order. The server's connections use generic plans
// only (server/http/server.cpp says why): no statement's plan may depend on its values, so
// a spatial search decides at run time between the time-ordered walk and the GIST index
// (search_sql.cpp, BuildSql).
//
// Order and paging: rows come in the order (datetime DESC, collection, id), the order of
// index items_order_idx in every partition, so a page is an index range scan merged across
// partitions (never OFFSET). A token names the boundary row; the next page is every row
// strictly after it, the prev page every row strictly before it (read backwards, reversed
// by the renderer). limit+1 rows are fetched: the extra row only says a further page exists.
//
// numberMatched: a first page (no token) that is full needs a count; it is a separate
// statement (count_statement) counting at most `count_limit` + 1 matches, because an exact
// count of millions of rows would cost far more than the page: above the cap numberMatched
// is omitted. A first page that is not full needs no count (matched = rows returned), and
// later pages take the count from their token.

#include <cstdint>
#include <string_view>
#include <vector>

#include "libstac/pg/connection.hpp"
#include "server/api/search_request.hpp"

namespace stacfed::api {

// Result columns of every search statement.
enum SearchColumn : int {
  kColCollection = 0,
  kColId = 1,
  kColDatetimeMicros = 2,
  kColContent = 3,  // the item JSON without links
  kColLinks = 4,    // stored extra links: a JSON array or NULL
};

struct SqlStatement {
  std::string_view name;  // unique per SQL text, stable for the process; "" = unprepared
  std::string_view sql;
};

struct SearchQuery {
  SqlStatement statement;  // the page: limit + 1 rows
  std::vector<pg::Param> params;
  // Whether the page and its count may take long (IsExpensiveSearch): they then run in the
  // database's heavy lane (server/api/database.hpp).
  bool expensive = false;
  // First pages only (name empty otherwise): one row, one column, the capped count.
  SqlStatement count_statement;
  std::vector<pg::Param> count_params;
};

inline constexpr int64_t kDefaultCountLimit = 10000;

SearchQuery BuildSearchQuery(const SearchRequest& request, int64_t count_limit);

// Beyond these a search is expensive even without a spatial or time filter.
inline constexpr size_t kCheapMaxIds = 100;
inline constexpr int kCheapMaxLimit = 1000;
inline constexpr size_t kCheapMaxCollections = 32;

// A search whose cost is bounded by its page is cheap: collections and a few ids, walked in
// the order index for `limit` rows. A spatial or time filter can make the walk (or the
// count) read far more rows than it returns, and long id lists, many collections or large
// pages cost in proportion: those are expensive.
bool IsExpensiveSearch(const SearchRequest& request);

}  // namespace stacfed::api
