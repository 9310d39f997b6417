#include "server/api/search_sql.hpp"

#include <array>
#include <string>

#include "libstac/base/strings.hpp"
#include "libstac/pg/text_array.hpp"

namespace stacfed::api {
namespace {

// Shape bits: which filters are present. The collections filter also has an arity class
// (below), and the token direction multiplies the shape count.
enum ShapeBit : unsigned {
  kIds = 1u << 0,
  kGeometry = 1u << 1,
  kStart = 1u << 2,
  kEnd = 1u << 3,
};
constexpr unsigned kFilterShapes = 1u << 4;

// Collections are bound one parameter each, `collection IN ($1, $2, ...)`: PostgreSQL
// prunes partitions at execution time for a list of parameters but not for
// `= ANY($1::text[])`, and without pruning every other collection's partition would be
// scanned to its end. Lists are padded (repeating the last name) to the next of a few
// arities so the number of statements stays small; longer lists use one array parameter.
constexpr std::array<int, 6> kCollectionArities = {1, 2, 4, 8, 16, 32};
constexpr unsigned kCollectionClasses = kCollectionArities.size() + 2;  // + none + array
constexpr unsigned kArrayClass = kCollectionClasses - 1;

unsigned CollectionClass(size_t count) {
  if (count == 0) return 0;
  for (unsigned i = 0; i < kCollectionArities.size(); ++i) {
    if (count <= size_t(kCollectionArities[i])) return i + 1;
  }
  return kArrayClass;
}

enum class Page : unsigned { kFirst = 0, kNext = 1, kPrev = 2 };
constexpr unsigned kShapeCount = kFilterShapes * kCollectionClasses * 3;

unsigned ShapeIndex(unsigned collection_class, unsigned filters, Page page) {
  return (static_cast<unsigned>(page) * kCollectionClasses + collection_class) * kFilterShapes +
         filters;
}

// The query geometry from its GeoJSON parameter, computed once per execution.
std::string GeometryOf(std::string_view param) {
  return StrCat("(SELECT ST_GeomFromGeoJSON(", param, "::text))");
}

// Appends the WHERE conditions of the filters; `next_param` numbers the bind parameters in
// the order the values are pushed by BuildSearchQuery.
// With `with_geometry` false the spatial condition is left out but its parameter number is
// still taken, so every variant of a shape binds the same values.
void AppendFilters(std::string& sql, unsigned collection_class, unsigned filters,
                   int& next_param, bool with_geometry = true) {
  auto param = [&next_param] { return StrCat("$", next_param++); };
  sql += " WHERE true";
  if (collection_class == kArrayClass) {
    StrAppend(&sql, " AND collection = ANY(", param(), "::text[])");
  } else if (collection_class > 0) {
    sql += " AND collection IN (";
    for (int i = 0; i < kCollectionArities[collection_class - 1]; ++i) {
      StrAppend(&sql, i > 0 ? ", " : "", param(), "::text");
    }
    sql += ")";
  }
  if (filters & kIds) StrAppend(&sql, " AND id = ANY(", param(), "::text[])");
  if ((filters & kGeometry) && !with_geometry) {
    ++next_param;
  } else if (filters & kGeometry) {
    // The GeoJSON is parsed once per execution (an InitPlan), not once per row tested; a
    // parameter is not folded into a constant in a generic plan. ST_Intersects brings its
    // own && index condition.
    StrAppend(&sql, " AND ST_Intersects(geometry, ", GeometryOf(param()), ")");
  }
  // Ranges overlap: the item's [datetime, end_datetime] against the query's [start, end].
  if (filters & kStart) StrAppend(&sql, " AND end_datetime >= ", param(), "::timestamptz");
  if (filters & kEnd) StrAppend(&sql, " AND datetime <= ", param(), "::timestamptz");
}

void AppendKeyset(std::string& sql, Page page, int& next_param) {
  if (page == Page::kFirst) return;
  const std::string t = StrCat("$", next_param), c = StrCat("$", next_param + 1),
                    i = StrCat("$", next_param + 2);
  next_param += 3;
  // The redundant outer bound lets the planner start the index scan at the token's datetime.
  if (page == Page::kNext) {
    StrAppend(&sql, " AND datetime <= ", t, "::timestamptz AND (datetime < ", t,
              "::timestamptz OR (collection, id) > (", c, "::text, ", i, "::text))");
  } else {
    StrAppend(&sql, " AND datetime >= ", t, "::timestamptz AND (datetime > ", t,
              "::timestamptz OR (collection, id) < (", c, "::text, ", i, "::text))");
  }
}

constexpr std::string_view kPageColumns =
    "collection, id, (extract(epoch FROM datetime) * 1000000)::int8 AS t, content, links";

std::string_view OrderBy(Page page) {
  return page == Page::kPrev ? " ORDER BY datetime ASC, collection DESC, id DESC"
                             : " ORDER BY datetime DESC, collection, id";
}

// How many items, in page order, a spatial search checks before it trusts the spatial index.
constexpr int kSpatialWalkRows = 2000;

// The page statement of one shape.
//
// A spatial filter needs one of two opposite plans, and PostGIS cannot tell which: its
// estimate assumes a box selects items in proportion to the area they share, so for global
// items (most climate model output) it predicts 0.2% where 75% match, picks the GIST index
// and sorts hundreds of thousands of rows (over a second at 1M items). The statement therefore
// decides by looking: it walks the time-ordered index for at most kSpatialWalkRows items
// without the spatial condition and tests them; when that fills the page (dense matches) or
// exhausts the matches, that is the answer; otherwise (sparse matches, where the GIST index is
// right) the one-time filter switches to the plain statement. Both parts are in one statement,
// and the unused branch is never executed.
std::string BuildSql(unsigned collection_class, unsigned filters, Page page) {
  int next_param = 1;
  std::string plain = StrCat("SELECT ", kPageColumns, " FROM stacfed.items");
  AppendFilters(plain, collection_class, filters, next_param);
  AppendKeyset(plain, page, next_param);
  const std::string limit = StrCat("$", next_param, "::int");
  StrAppend(&plain, OrderBy(page), " LIMIT ", limit);
  if (!(filters & kGeometry)) return plain;

  int walk_param = 1;
  // The walk carries the page columns: a hit is returned from the row the walk already
  // read. (Joining the hits back to items for their content set up a 20-partition Append
  // per execution, which cost more than the lookups themselves.) content stays a TOAST
  // pointer until it is sent.
  std::string walk = StrCat("SELECT ", kPageColumns, ", geometry FROM stacfed.items");
  AppendFilters(walk, collection_class, filters, walk_param, /*with_geometry=*/false);
  AppendKeyset(walk, page, walk_param);
  StrAppend(&walk, OrderBy(page), " LIMIT ", kSpatialWalkRows);
  // The geometry's parameter number: after the collections and the ids.
  int geometry_param = 1;
  {
    std::string ignored;
    AppendFilters(ignored, collection_class, filters & kIds, geometry_param);
  }
  const std::string geometry = GeometryOf(StrCat("$", geometry_param));
  return StrCat(
      "WITH walk AS MATERIALIZED (", walk, "), ",
      // No ORDER BY here: the materialized walk is read back in its own (page) order, and
      // without a sort the walk stops as soon as the page is full.
      "hits AS (SELECT collection, id, t, content, links FROM walk WHERE ST_Intersects(geometry, ",
      geometry, ") LIMIT ", limit, "), ",
      "decided AS (SELECT CASE WHEN (SELECT count(*) FROM hits) >= ", limit,
      " THEN true ELSE (SELECT count(*) FROM walk) < ", kSpatialWalkRows, " END AS by_walk) ",
      "SELECT * FROM (",
      "SELECT * FROM hits WHERE (SELECT by_walk FROM decided)",
      " UNION ALL ",
      "SELECT * FROM (", plain, ") p WHERE NOT (SELECT by_walk FROM decided)",
      ") page",
      page == Page::kPrev ? " ORDER BY t ASC, collection DESC, id DESC"
                          : " ORDER BY t DESC, collection, id");
}

// Counts the matches of a filter shape up to a bound: LIMIT keeps a count of millions of rows
// from costing more than the page itself.
std::string BuildCountSql(unsigned collection_class, unsigned filters) {
  int next_param = 1;
  std::string count_sql = "SELECT 1 FROM stacfed.items";
  AppendFilters(count_sql, collection_class, filters, next_param);
  return StrCat("SELECT count(*) FROM (", count_sql, " LIMIT $", next_param, "::int) matches");
}

struct ShapeTable {
  std::array<std::string, kShapeCount> names;
  std::array<std::string, kShapeCount> sql;
  // Count statements, by ShapeIndex(..., Page::kFirst).
  std::array<std::string, kFilterShapes * kCollectionClasses> count_names;
  std::array<std::string, kFilterShapes * kCollectionClasses> count_sql;
  ShapeTable() {
    for (unsigned collection_class = 0; collection_class < kCollectionClasses;
         ++collection_class) {
      for (unsigned filters = 0; filters < kFilterShapes; ++filters) {
        const unsigned index = ShapeIndex(collection_class, filters, Page::kFirst);
        count_names[index] = StrCat("api_count_", index);
        count_sql[index] = BuildCountSql(collection_class, filters);
      }
    }
    for (unsigned page = 0; page < 3; ++page) {
      for (unsigned collection_class = 0; collection_class < kCollectionClasses;
           ++collection_class) {
        for (unsigned filters = 0; filters < kFilterShapes; ++filters) {
          const unsigned index = ShapeIndex(collection_class, filters, Page(page));
          names[index] = StrCat("api_search_", index);
          sql[index] = BuildSql(collection_class, filters, Page(page));
        }
      }
    }
  }
};

const ShapeTable& Shapes() {
  static const ShapeTable table;
  return table;
}

}  // namespace

bool IsExpensiveSearch(const SearchRequest& request) {
  return request.bbox || request.intersects || request.datetime ||
         request.ids.size() > kCheapMaxIds || request.limit > kCheapMaxLimit ||
         request.collections.size() > kCheapMaxCollections;
}

SearchQuery BuildSearchQuery(const SearchRequest& request, int64_t count_limit) {
  SearchQuery query;
  query.expensive = IsExpensiveSearch(request);
  unsigned filters = 0;
  std::vector<pg::Param>& params = query.params;
  const unsigned collection_class = CollectionClass(request.collections.size());
  if (collection_class == kArrayClass) {
    params.emplace_back(pg::TextArrayLiteral(request.collections));
  } else if (collection_class > 0) {
    for (const std::string& collection : request.collections) params.emplace_back(collection);
    for (int i = int(request.collections.size()); i < kCollectionArities[collection_class - 1];
         ++i) {
      params.emplace_back(request.collections.back());
    }
  }
  if (!request.ids.empty()) {
    filters |= kIds;
    params.emplace_back(pg::TextArrayLiteral(request.ids));
  }
  if (request.intersects || request.bbox) {
    filters |= kGeometry;
    params.emplace_back(request.intersects ? *request.intersects : BboxGeoJson(*request.bbox));
  }
  if (request.datetime && request.datetime->start) {
    filters |= kStart;
    params.emplace_back(FormatPgTimestamp(*request.datetime->start));
  }
  if (request.datetime && request.datetime->end) {
    filters |= kEnd;
    params.emplace_back(FormatPgTimestamp(*request.datetime->end));
  }
  Page page = Page::kFirst;
  if (request.token) {
    page = request.token->direction == PageToken::Direction::kNext ? Page::kNext : Page::kPrev;
    params.emplace_back(FormatPgTimestamp(request.token->datetime));
    params.emplace_back(request.token->collection);
    params.emplace_back(request.token->id);
  }
  params.emplace_back(StrCat(request.limit + 1));
  const unsigned index = ShapeIndex(collection_class, filters, page);
  query.statement = {Shapes().names[index], Shapes().sql[index]};
  if (page == Page::kFirst) {
    query.count_statement = {Shapes().count_names[index], Shapes().count_sql[index]};
    query.count_params.assign(params.begin(), params.end() - 1);
    query.count_params.emplace_back(StrCat(std::max<int64_t>(count_limit, 0) + 1));
  }
  return query;
}

}  // namespace stacfed::api
