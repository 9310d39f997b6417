#pragma once
// Collection search (https://github.com/stac-api-extensions/collection-search) on
// GET /collections and GET /catalogs/{id}/collections: the federated search of the catalog,
// one ranked answer over every collection in the database (harvested or local), each once.
//
// The parameters are read by the modules' parameter table for Family::kCollections
// (params.hpp: unknown and repeated parameters are 400s listing the supported ones; each
// module declares its collection-search class there), so they are parsed exactly as on
// /search. The SQL is this file's: the modules' conditions and orders are written against
// the items' columns, a collection's live elsewhere (stacfed.collections: extent_geometry,
// extent_start, extent_end, search_text, content), so the collection search assembles its
// own statements with the same tools (QueryBuilder binds every value, SortSpec derives the
// keyset of a page, signed PageTokens bound to the search's fingerprint).
//
//   q         search_text (sql/0001: id and title, keywords, description) @@ the tsquery of
//             free_text.hpp (basic: comma = OR; advanced); ranked by ts_rank when no sortby
//   bbox      intersects the collection's extent geometry
//   datetime  overlaps [extent start, extent end] (an open end is infinite)
//   sortby    id, title, description, license, datetime (= start_datetime: the extent's start),
//             end_datetime (the extent's end); a collection lacking the value sorts last
//             either way; text compares bytewise (COLLATE "C"); ties broken by id
//   filter    CQL2 over CollectionQueryables()
//   fields    the fields extension with CollectionDefaultFields()
//
// Default order: relevance (with q), else id. numberMatched is exact: the statement of a
// first page counts every match (collections are few; a window count over the matches the
// page is sorted from, in the same statement), later pages take it from their token.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/search/fields.hpp"
#include "server/search/query.hpp"
#include "server/search/queryables.hpp"
#include "server/search/request.hpp"

namespace stacfed::search {

// Result columns of a collection search page: catalogs_render.hpp's CollectionColumn
// (id, content, links, holding catalogs), then the sort keys' values (token_columns), then on
// a first page the number of matches (matched_column).
inline constexpr int kCollectionSearchKeyColumn = 4;

struct CollectionSearchQuery {
  Statement page;  // limit + 1 rows, in the order walked (reversed for a prev page)
  std::vector<pg::Param> params;
  std::vector<int> token_columns;
  // First pages: the column holding the number of matches (the same in every row); -1 on
  // later pages.
  int matched_column = -1;
};

// The statements of a collection search; `catalog` non-empty limits it to the collections
// below that catalog (its closure, sql/0002). The request's token must be resolved
// (ResolveToken). InvalidArgument naming the parameter for an unsortable field, an unknown
// queryable, or a token that does not fit.
absl::StatusOr<CollectionSearchQuery> BuildCollectionSearch(const SearchRequest& request,
                                                            std::string_view catalog);

// What a collection filter may name: id, title, description, license, keywords (an array),
// datetime, start_datetime, end_datetime (the extent's interval), geometry (the extent).
const Queryables& CollectionQueryables();

// The members a collection keeps when `fields` asks for the default set: those of a valid
// STAC Collection (type, stac_version, stac_extensions, id, title, description, license,
// extent, links).
const DefaultFields& CollectionDefaultFields();

}  // namespace stacfed::search
