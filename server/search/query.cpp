#include "server/search/query.hpp"

#include <algorithm>
#include <array>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"

#include "libstac/base/hash.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/pg/text_array.hpp"

namespace stacfed::search {
namespace {

using Kind = Conditions::Kind;

constexpr std::string_view kDefaultPageColumns =
    "collection, id, (extract(epoch FROM datetime) * 1000000)::int8 AS t, content, links";
constexpr std::string_view kDefaultPageColumnNames = "collection, id, t, content, links";

// The columns of a page in `order`: the default ones, then the values of its other keys.
struct PageColumns {
  explicit PageColumns(const SortSpec& order)
      : select(kDefaultPageColumns), names(kDefaultPageColumnNames) {
    for (const SortKey& key : order.keys()) {
      if (key.select.empty()) continue;
      StrAppend(&select, ", ", key.select, " AS ", key.column);
      StrAppend(&names, ", ", key.column);
    }
  }
  std::string select;  // "collection, id, ... AS t, content, links, <select> AS s3"
  std::string names;   // "collection, id, t, content, links, s3"
};

Statement Named(std::string sql) {
  std::string name = StrCat("search_", absl::Hex(StableHash64(sql), absl::kZeroPad16));
  return Statement{std::move(name), std::move(sql)};
}

// " WHERE true AND a AND b", with the conditions `keep` accepts.
template <typename Keep>
std::string Where(const Conditions& conditions, Keep keep) {
  std::string where = " WHERE true";
  for (const Conditions::Condition& condition : conditions.list) {
    if (keep(condition.kind)) StrAppend(&where, " AND ", condition.sql);
  }
  return where;
}

std::string AllConditions(const Conditions& conditions) {
  return Where(conditions, [](Kind) { return true; });
}
std::string PlainConditions(const Conditions& conditions) {
  return Where(conditions, [](Kind kind) { return kind == Kind::kPlain; });
}

// SELECT `select` FROM items `where`, the rows after the token in `order`, at most `limit`,
// in that order. When the keyset comes as two ranges (KeysetRanges), the rows tied with the
// token's datetime are read first, then those beyond it: an Append runs its parts in turn
// (the server runs no parallel workers), so the rows come in order without a sort, and the
// outer LIMIT stops before the second part starts when the first fills the page. (Counting
// the first part in a CTE to size the second's LIMIT cost a third of the throughput of a
// later page.)
std::string OrderedScan(std::string_view relation, std::string_view select,
                        std::string_view where, const KeysetRanges& keyset, const SortSpec& order,
                        bool reversed, std::string_view limit) {
  const std::string order_by = order.OrderBy(reversed);
  if (keyset.tied.empty()) {
    return StrCat("SELECT ", select, " FROM ", relation, where, keyset.after, order_by,
                  " LIMIT ", limit);
  }
  return StrCat("SELECT * FROM ((SELECT ", select, " FROM ", relation, where, keyset.tied,
                order_by, " LIMIT ", limit, ") UNION ALL (SELECT ", select, " FROM ", relation,
                where, keyset.beyond, order_by, " LIMIT ", limit, ")) keyset LIMIT ", limit);
}

// The walk-then-index statement of a search with a spatial condition and nothing else that
// is checked on the walk: the walk carries the geometry and tests it.
//
// A spatial filter needs one of two opposite plans, and PostGIS cannot tell which: its
// estimate assumes a box selects items in proportion to the area they share, so for global
// items (most climate model output) it predicts 0.2% where 75% match, picks the GIST index
// and sorts hundreds of thousands of rows (over a second at 1M items). The statement therefore
// decides by looking: it walks the time-ordered index for at most kWalkRows items without the
// spatial condition and tests them; when that fills the page (dense matches) or exhausts the
// matches, that is the answer; otherwise (sparse matches, where the GIST index is right) the
// one-time filter switches to the plain statement. Both parts are in one statement, and the
// unused branch is never executed.
std::string SpatialWalk(const Conditions& conditions, const KeysetRanges& keyset,
                        const SortSpec& order, bool reversed, const std::string& limit,
                        const std::string& plain) {
  const PageColumns columns(order);
  std::string spatial;
  for (const Conditions::Condition& condition : conditions.list) {
    if (condition.kind == Kind::kSpatial) spatial = condition.sql;
  }
  // The walk carries the page columns: a hit is returned from the row the walk already read.
  // (Joining the hits back to items for their content set up a 20-partition Append per
  // execution, which cost more than the lookups themselves.) content stays a TOAST pointer
  // until it is sent.
  const std::string walk = OrderedScan(conditions.relation, StrCat(columns.select, ", geometry"),
                                      PlainConditions(conditions), keyset, order, reversed,
                                      StrCat(kWalkRows));
  return StrCat(
      "WITH walk AS MATERIALIZED (", walk, "), ",
      // No ORDER BY here: the materialized walk is read back in its own (page) order, and
      // without a sort the walk stops as soon as the page is full.
      "hits AS (SELECT ", columns.names, " FROM walk WHERE ", spatial, " LIMIT ", limit, "), ",
      "decided AS (SELECT CASE WHEN (SELECT count(*) FROM hits) >= ", limit,
      " THEN true ELSE (SELECT count(*) FROM walk) < ", kWalkRows, " END AS by_walk) ",
      "SELECT * FROM (",
      "SELECT * FROM hits WHERE (SELECT by_walk FROM decided)",
      " UNION ALL ",
      "SELECT * FROM (", plain, ") p WHERE NOT (SELECT by_walk FROM decided)",
      ") page", order.OrderByColumns(reversed));
}

// The walk-then-index statement of a search with a filter (and perhaps a spatial condition):
// the walk computes, per row, whether it matches; when the walk does not decide, every match
// is collected (a materialized CTE is planned for all its rows, so the planner takes the
// indexes the conditions can use, GIN on facets, GIST, instead of walking the time order to
// its end) and sorted.
std::string FilterWalk(const Conditions& conditions, const KeysetRanges& keyset,
                       const SortSpec& order, bool reversed, const std::string& limit) {
  const PageColumns columns(order);
  std::string hit;
  for (const Conditions::Condition& condition : conditions.list) {
    if (condition.kind == Kind::kPlain) continue;
    StrAppend(&hit, hit.empty() ? "" : " AND ", "(", condition.sql, ")");
  }
  // The walk is not materialized: it streams, stops once the page is full, and copies only
  // the hits. Materialized, a filter that matched nothing copied the content of all
  // kWalkRows rows into the CTE's store (13 of 20 ms for a rare facet filter on 1M items).
  // Whether it reached its end is asked only when the hits do not fill the page, of the
  // index alone (the CASE evaluates that InitPlan only then).
  const std::string walk =
      OrderedScan(conditions.relation, StrCat(columns.select, ", (", hit, ") AS hit"),
                  PlainConditions(conditions), keyset, order, reversed, StrCat(kWalkRows));
  const std::string walked = OrderedScan(conditions.relation, "1", PlainConditions(conditions),
                                         keyset, order, reversed, StrCat(kWalkRows));
  const std::string matches = StrCat("SELECT ", columns.select, " FROM ", conditions.relation,
                                     AllConditions(conditions), keyset.after);
  return StrCat(
      "WITH hits AS (SELECT ", columns.names, " FROM (", walk, ") walk WHERE hit LIMIT ",
      limit, "), ",
      "decided AS (SELECT CASE WHEN (SELECT count(*) FROM hits) >= ", limit,
      " THEN true ELSE (SELECT count(*) FROM (", walked, ") walked) < ", kWalkRows,
      " END AS by_walk), ",
      "matches AS MATERIALIZED (", matches, ") ",
      "SELECT * FROM (",
      "SELECT * FROM hits WHERE (SELECT by_walk FROM decided)",
      " UNION ALL ",
      "SELECT * FROM (SELECT * FROM matches", order.OrderByColumns(reversed), " LIMIT ", limit,
      ") p WHERE NOT (SELECT by_walk FROM decided)",
      ") page", order.OrderByColumns(reversed));
}

// The statement of a search whose filter names a facet that every match must hold (a
// condition reached through ANDs only, with an estimate: Condition::index) and whose
// matches are estimated few (IndexFirstPays): the GIN index of the facets' digests finds the
// matches whatever their place in time, so it is asked first, for at most kIndexProbeRows
// matches. When it has no more (a rare value: tens or hundreds of matches in a
// million items), they are sorted and that is the answer, without walking the time order at
// all; when it has more (a frequent value), the walk finds a page quickly and `walk` (the
// FilterWalk statement) answers. The unused branch is never executed.
std::string IndexFirst(const Conditions& conditions, const KeysetRanges& keyset,
                       const SortSpec& order, bool reversed, const std::string& limit,
                       const std::string& walk) {
  const std::string probe = StrCat("SELECT ", PageColumns(order).select, " FROM ",
                                   conditions.relation, AllConditions(conditions), keyset.after,
                                   " LIMIT ", kIndexProbeRows);
  return StrCat(
      "WITH indexed AS MATERIALIZED (", probe, "), ",
      "complete AS (SELECT count(*) < ", kIndexProbeRows, " AS by_index FROM indexed) ",
      "SELECT * FROM (",
      "SELECT * FROM (SELECT * FROM indexed", order.OrderByColumns(reversed), " LIMIT ", limit,
      ") i WHERE (SELECT by_index FROM complete)",
      " UNION ALL ",
      "SELECT * FROM (", walk, ") w WHERE NOT (SELECT by_index FROM complete)",
      ") page", order.OrderByColumns(reversed));
}

// Whether a condition's index should be asked first: its matches are few, and a walk of
// kWalkRows rows would not likely fill a page of `rows` (the walk checks the time order's
// first rows; at a match rate below rows/kWalkRows it reads them all in vain).
bool IndexFirstPays(const Conditions& conditions, int rows) {
  for (const Conditions::Condition& condition : conditions.list) {
    if (!condition.index) continue;
    const IndexEstimate& estimate = *condition.index;
    if (estimate.matches <= kIndexRows &&
        estimate.matches * kWalkRows < 2.0 * rows * estimate.items) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> PartitionTable(std::string_view partition_name) {
  constexpr std::string_view kPrefix = "items_";
  if (!partition_name.starts_with(kPrefix) || partition_name.size() == kPrefix.size() ||
      partition_name.size() > 63) {
    return std::nullopt;
  }
  for (const char c : partition_name.substr(kPrefix.size())) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return std::nullopt;
  }
  return StrCat("stacfed.", partition_name);
}

// Collections are bound one parameter each (query.hpp says why), padded to these arities.
constexpr std::array<size_t, 6> kCollectionArities = {1, 2, 4, 8, 16, 32};

std::string CollectionsIn(const std::vector<std::string>& collections, QueryBuilder& builder) {
  size_t arity = 0;
  for (size_t candidate : kCollectionArities) {
    if (collections.size() <= candidate) {
      arity = candidate;
      break;
    }
  }
  if (arity == 0) {
    return StrCat("collection = ANY(", builder.Bind(pg::TextArrayLiteral(collections)),
                  "::text[])");
  }
  std::string condition = "collection IN (";
  for (size_t i = 0; i < arity; ++i) {
    const std::string& name = collections[std::min(i, collections.size() - 1)];
    StrAppend(&condition, i > 0 ? ", " : "", builder.Bind(name), "::text");
  }
  condition += ")";
  return condition;
}

std::vector<int> TokenColumns(const SortSpec& order) {
  std::vector<int> columns;
  int extra = kColLinks;
  for (const SortKey& key : order.keys()) {
    if (!key.select.empty()) {
      columns.push_back(++extra);
    } else if (key.column == "t") {
      columns.push_back(kColDatetimeMicros);
    } else if (key.column == "collection") {
      columns.push_back(kColCollection);
    } else {
      columns.push_back(kColId);
    }
  }
  return columns;
}

std::string QueryBuilder::Bind(pg::Param value) {
  params_.push_back(std::move(value));
  return StrCat("$", params_.size());
}

bool Conditions::Has(Kind kind) const {
  for (const Condition& condition : list) {
    if (condition.kind == kind) return true;
  }
  return false;
}

namespace {

// The statements of one shape of search: what AssembleSearch returns apart from the values.
struct Shape {
  Statement page;
  Statement count;  // name empty for a later page
  std::vector<int> token_columns;
};

// What a shape's statement texts depend on (query.hpp: the shape of a search, never its
// values): the conditions' SQL and kinds, the parameters they bound, the order's keys, the
// keyset of a later page (placeholders only), the direction, whether the index is asked first
// and the limit's placeholder. The texts are the server's own SQL, which holds no NUL: NUL
// separates the fields (plain appends; formatting lengths cost more than the lookup saves).
std::string ShapeKey(const Conditions& conditions, const SortSpec& order,
                     const KeysetRanges& keyset, bool first_page, bool reversed, bool index_first,
                     std::string_view limit_param) {
  std::string key;
  key.reserve(512);
  const auto field = [&key](std::string_view text) {
    key.append(text);
    key.push_back('\0');
  };
  for (const Conditions::Condition& condition : conditions.list) {
    key.push_back(static_cast<char>('0' + static_cast<int>(condition.kind)));
    field(condition.sql);
  }
  field(conditions.relation);
  // Fixed size, so no separator is needed.
  key.append(reinterpret_cast<const char*>(&conditions.params), sizeof conditions.params);
  key.push_back(first_page ? 'f' : 'l');
  key.push_back(reversed ? 'r' : 'n');
  key.push_back(index_first ? 'i' : 'w');
  field(limit_param);
  field(keyset.after);
  field(keyset.tied);
  field(keyset.beyond);
  for (const SortKey& sort_key : order.keys()) {
    key.push_back(sort_key.descending ? 'd' : 'a');
    field(sort_key.sql);
    field(sort_key.column);
    field(sort_key.select);
  }
  return key;
}

// Assembles the statements of a shape (see AssembleSearch).
std::shared_ptr<const Shape> AssembleShape(const Conditions& conditions, const SortSpec& order,
                                           const KeysetRanges& keyset, bool first_page,
                                           bool reversed, bool index_first,
                                           const std::string& limit_param) {
  auto shape = std::make_shared<Shape>();
  const std::string limit = StrCat(limit_param, "::int");
  const std::string plain = OrderedScan(conditions.relation, PageColumns(order).select,
                                        AllConditions(conditions), keyset, order, reversed, limit);
  if (!order.WalksOrderIndex()) {
    // Sorted otherwise (sortby, relevance): the matches are found through the conditions'
    // indexes and sorted; walking an order no index gives would sort every row first.
    shape->page = Named(plain);
  } else if (conditions.Has(Kind::kFilter)) {
    std::string walk = FilterWalk(conditions, keyset, order, reversed, limit);
    shape->page = Named(index_first ? IndexFirst(conditions, keyset, order, reversed, limit, walk)
                                    : std::move(walk));
  } else if (conditions.Has(Kind::kSpatial)) {
    shape->page = Named(SpatialWalk(conditions, keyset, order, reversed, limit, plain));
  } else {
    shape->page = Named(plain);
  }
  shape->token_columns = TokenColumns(order);
  if (first_page) {
    // The count takes the conditions' parameters (the first ones) and its own cap: LIMIT
    // keeps a count of millions of rows from costing more than the page.
    shape->count = Named(StrCat("SELECT count(*) FROM (SELECT 1 FROM ", conditions.relation,
                                AllConditions(conditions), " LIMIT $", conditions.params + 1,
                                "::int) matches"));
    // A filter's count is planned with its values: the statistics of the facets' digests tell
    // the index from a scan, and the count runs once per search and cache period, so its
    // planning (a few ms over every partition) is paid rarely.
    if (conditions.Has(Kind::kFilter)) shape->count.plan = pg::Plan::kCustom;
  }
  return shape;
}

// The statements of the shapes searched lately, per thread (no lock): assembling the text
// (several concatenations of the walk variants, two digests of it) was a tenth of the
// server's own work for a cheap search. Bounded: emptied when it holds kMaxShapes.
constexpr size_t kMaxShapes = 256;

std::shared_ptr<const Shape> ShapeOf(const Conditions& conditions, const SortSpec& order,
                                     const KeysetRanges& keyset, bool first_page, bool reversed,
                                     bool index_first, const std::string& limit_param) {
  thread_local absl::flat_hash_map<std::string, std::shared_ptr<const Shape>> shapes;
  std::string key =
      ShapeKey(conditions, order, keyset, first_page, reversed, index_first, limit_param);
  if (auto found = shapes.find(key); found != shapes.end()) return found->second;
  if (shapes.size() >= kMaxShapes) shapes.clear();
  auto shape =
      AssembleShape(conditions, order, keyset, first_page, reversed, index_first, limit_param);
  shapes.emplace(std::move(key), shape);
  return shape;
}

}  // namespace

absl::StatusOr<SearchQuery> AssembleSearch(const Conditions& conditions, QueryBuilder builder,
                                           const SortSpec& order, const PageToken* token,
                                           int page_size, int64_t count_limit) {
  KeysetRanges keyset;
  const bool reversed = token != nullptr && token->direction == PageToken::Direction::kPrev;
  if (token != nullptr) {
    STACFED_ASSIGN_OR_RETURN(keyset, order.KeysetRangesOf(*token, builder));
  }
  const std::string limit_param = builder.Bind(StrCat(page_size + 1));
  const bool index_first = order.WalksOrderIndex() && conditions.Has(Kind::kFilter) &&
                           IndexFirstPays(conditions, page_size + 1);
  const std::shared_ptr<const Shape> shape =
      ShapeOf(conditions, order, keyset, token == nullptr, reversed, index_first, limit_param);

  SearchQuery query;
  query.page = shape->page;
  query.params = builder.TakeParams();
  query.token_columns = shape->token_columns;
  if (token == nullptr) {
    query.count = shape->count;
    query.count_params.assign(query.params.begin(), query.params.begin() + conditions.params);
    query.count_params.emplace_back(StrCat(std::max<int64_t>(count_limit, 0) + 1));
  }
  return query;
}

}  // namespace stacfed::search
