#include "server/search/collection_search.hpp"

#include <algorithm>

#include "libstac/base/hash.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/cql2/to_sql.hpp"
#include "server/search/free_text.hpp"
#include "server/search/sort.hpp"
#include "server/search/statements.hpp"

namespace stacfed::search {
namespace {

// The tsquery of q, bound once per use (free_text.hpp writes it; PostgreSQL parses it).
std::string TsQuery(const SearchRequest& request, QueryBuilder& builder) {
  return TsQuerySql(builder.Bind(*request.q));
}

// The conditions of a search, values bound in order: " AND ..." each.
absl::StatusOr<std::string> WhereOf(const SearchRequest& request, std::string_view catalog,
                                    QueryBuilder& builder) {
  std::string where;
  if (!catalog.empty()) {
    StrAppend(&where,
              " AND EXISTS (SELECT 1 FROM stacfed.catalog_collections cc WHERE cc.catalog_id = ",
              builder.Bind(std::string(catalog)), "::text AND cc.collection_id = c.id)");
  }
  if (request.q) StrAppend(&where, " AND c.search_text @@ ", TsQuery(request, builder));
  if (request.bbox) {
    StrAppend(&where, " AND ST_Intersects(c.extent_geometry, (SELECT ST_SetSRID(ST_GeomFromGeoJSON(",
              builder.Bind(BboxGeoJson(*request.bbox)), "::text), 4326)))");
  }
  // Ranges overlap: the extent's [start, end] (an open end infinite) against the query's.
  if (request.datetime && request.datetime->start) {
    StrAppend(&where, " AND coalesce(c.extent_end, 'infinity') >= ",
              builder.Bind(FormatPgTimestamp(*request.datetime->start)), "::timestamptz");
  }
  if (request.datetime && request.datetime->end) {
    StrAppend(&where, " AND coalesce(c.extent_start, '-infinity') <= ",
              builder.Bind(FormatPgTimestamp(*request.datetime->end)), "::timestamptz");
  }
  if (request.filter) {
    STACFED_ASSIGN_OR_RETURN(cql2::Translation filter,
                             cql2::ToSql(*request.filter, CollectionQueryables(), builder));
    StrAppend(&where, " AND ", filter.sql);
  }
  return where;
}

// A timestamp expression as a token keeps it: microseconds since the epoch.
std::string Micros(std::string_view timestamp) {
  return StrCat("(extract(epoch FROM ", timestamp, ") * 1000000)::int8");
}

// Every key is selected (as s<i>), so the token columns follow the row columns.
SortKey Key(std::string sql, SortType type, bool descending, size_t index) {
  SortKey key{std::move(sql), type, descending, StrCat("s", index), ""};
  key.select = type == SortType::kTimestamp ? Micros(key.sql) : key.sql;
  return key;
}

// A value some collections lack: (value IS NULL) first, so they sort last either way, then
// the value with a placeholder where it is missing (a token never holds NULL).
void AppendNullableKeys(std::vector<SortKey>& keys, std::string_view value, SortType type,
                        bool descending) {
  keys.push_back(Key(StrCat("(", value, " IS NULL)"), SortType::kBool, false, keys.size()));
  const std::string_view missing = type == SortType::kTimestamp ? "'epoch'::timestamptz" : "''";
  std::string present = StrCat("coalesce(", value, ", ", missing, ")");
  if (type == SortType::kText) present = StrCat(present, " COLLATE \"C\"");
  keys.push_back(Key(std::move(present), type, descending, keys.size()));
}

absl::Status NotSortable(std::string_view field) {
  return absl::InvalidArgumentError(
      StrCat("invalid 'sortby': '", Excerpt(field, 100),
             "' is not sortable; see /collection-sortables for the fields that are "
             "(id, title, description, license, datetime, start_datetime, end_datetime)"));
}

// Whether a search's order is relevance to its q (no sortby): OrderOf's first key.
bool RanksByRelevance(const SearchRequest& request) {
  return request.sortby.empty() && request.q.has_value();
}

// The order of a collection search: sortby, else relevance with q, else id; id breaks ties.
absl::StatusOr<SortSpec> OrderOf(const SearchRequest& request, QueryBuilder& builder) {
  std::vector<SortKey> keys;
  std::vector<std::string> named;
  if (request.sortby.size() > kMaxSortFields) {
    return absl::InvalidArgumentError(
        StrCat("invalid 'sortby': at most ", kMaxSortFields, " fields may be given"));
  }
  for (const SortField& field : request.sortby) {
    std::string name = field.field == "start_datetime" ? "datetime" : field.field;
    if (std::find(named.begin(), named.end(), name) != named.end()) {
      return absl::InvalidArgumentError(
          StrCat("invalid 'sortby': '", Excerpt(field.field, 100), "' is named twice"));
    }
    if (name == "id") {
      keys.push_back(Key("c.id COLLATE \"C\"", SortType::kText, field.descending, keys.size()));
    } else if (name == "title" || name == "license") {  // stored columns (sql/0017)
      AppendNullableKeys(keys, StrCat("c.search_", name), SortType::kText, field.descending);
    } else if (name == "description") {
      AppendNullableKeys(keys, "(c.content->>'description')", SortType::kText, field.descending);
    } else if (name == "datetime") {
      AppendNullableKeys(keys, "c.extent_start", SortType::kTimestamp, field.descending);
    } else if (name == "end_datetime") {
      AppendNullableKeys(keys, "c.extent_end", SortType::kTimestamp, field.descending);
    } else {
      return NotSortable(field.field);
    }
    named.push_back(std::move(name));
  }
  if (RanksByRelevance(request)) {
    keys.push_back(Key(RelevanceSql("c.search_text", TsQuery(request, builder)),
                       SortType::kNumber, true, keys.size()));
  }
  if (std::find(named.begin(), named.end(), "id") == named.end()) {
    keys.push_back(Key("c.id COLLATE \"C\"", SortType::kText, false, keys.size()));
  }
  return SortSpec(std::move(keys));
}

// Whether a search only lists collections, in some order (within a catalog at most): no
// condition on what they hold.
bool IsListing(const SearchRequest& request) {
  return !request.q && !request.bbox && !request.datetime && !request.filter;
}

Statement Named(std::string sql) {
  std::string name = StrCat("colsearch_", absl::Hex(StableHash64(sql), absl::kZeroPad16));
  return Statement{std::move(name), std::move(sql)};
}

}  // namespace

absl::StatusOr<CollectionSearchQuery> BuildCollectionSearch(const SearchRequest& request,
                                                            std::string_view catalog) {
  QueryBuilder builder;
  STACFED_ASSIGN_OR_RETURN(std::string where, WhereOf(request, catalog, builder));
  CollectionSearchQuery query;
  STACFED_ASSIGN_OR_RETURN(SortSpec order, OrderOf(request, builder));
  // The page's ids and keys first, then the documents of those rows only: written as one
  // select, PostgreSQL would turn every match's content into text before the top-N sort.
  std::string keys = "SELECT c.id AS page_id";
  std::string select(statements::kCollectionRowSelect);
  for (size_t i = 0; i < order.keys().size(); ++i) {
    const SortKey& key = order.keys()[i];
    StrAppend(&keys, ", ", key.select, " AS ", key.column);
    StrAppend(&select, ", p.", key.column);
    query.token_columns.push_back(kCollectionSearchKeyColumn + int(i));
  }
  if (!request.token) {
    // numberMatched, exact, in the same statement. A search with conditions reads every match
    // to sort its page from them: a window counts them in that pass. A plain listing (a
    // catalog's scope at most) walks an index for its page alone, which a window would turn
    // into a walk over every collection (5 ms for 5,000 against 0.1): there a scalar subquery
    // counts them from the id index (0.9 ms). So does a search of every collection ranked by
    // relevance: its window would keep every match's text search vector until the rank above
    // it is computed (1.3-1.7 times the time of counting the matches again from the index).
    // Within a catalog the count would repeat the scope's semi-join, which costs more (0.56
    // times the requests a second).
    if (IsListing(request) || (RanksByRelevance(request) && catalog.empty())) {
      StrAppend(&keys, ", (SELECT count(*) FROM stacfed.collections c WHERE true", where,
                ") AS matched");
    } else {
      keys += ", count(*) OVER () AS matched";
    }
    select += ", p.matched";
    query.matched_column = kCollectionSearchKeyColumn + int(order.keys().size());
  }
  std::string keyset;
  if (request.token) {
    STACFED_ASSIGN_OR_RETURN(keyset, order.Keyset(*request.token, builder));
  }
  const bool backwards =
      request.token && request.token->direction == PageToken::Direction::kPrev;
  std::string sql = StrCat(select, " FROM (", keys, " FROM stacfed.collections c WHERE true",
                           where, keyset, order.OrderBy(backwards), " LIMIT ",
                           builder.Bind(StrCat(request.limit + 1)), "::int) p",
                           " JOIN stacfed.collections c ON c.id = p.page_id",
                           order.OrderByColumns(backwards));
  query.page = Named(std::move(sql));
  query.params = builder.TakeParams();
  return query;
}

const Queryables& CollectionQueryables() {
  static const Queryables queryables = Queryables::Collections();
  return queryables;
}

const DefaultFields& CollectionDefaultFields() {
  static const DefaultFields fields{
      .paths = {"type", "stac_version", "stac_extensions", "id", "title", "description",
                "license", "extent", "links"},
      .null_path = {},
      .paths_when_null = {},
      // As for items: with an include, what says what the collection is.
      .with_include = {"type", "stac_version", "id", "links"},
  };
  return fields;
}

}  // namespace stacfed::search
