#pragma once
// The catalog tree as STAC API resources (issue 4), socket-free: parsing the /catalogs query
// and rendering catalogs from database rows. Handlers are in catalogs_handlers.cpp.
//
// A catalog row has the columns of kCatalogRowColumns (id, content, stored links, parent ids
// as a JSON array, children as a JSON array of [kind, id, title]); children that are
// collections not loaded yet are left out by the SQL, so every child link resolves.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/pg/connection.hpp"
#include "server/api/render.hpp"

namespace stacfed::api {

inline constexpr int kDefaultCatalogsLimit = 100;

enum CatalogColumn : int {
  kCatId = 0,
  kCatContent = 1,
  kCatLinks = 2,
  kCatParents = 3,   // ["dkrz", ...] in parent position order
  kCatChildren = 4,  // [["catalog","eerie","EERIE",true], ["collection","CMIP6",null,false], ...]
                     // (kind, id, title, whether it is a tree child: sql/0018)
  kCatWalkComplete = 5,  // whether child links reach every collection below it
  kCatPosition = 6,      // Children pages only: the keyset position
};

// Whether the catalog of a row may declare Browseable (kCatWalkComplete).
bool IsWalkComplete(const pg::Result& rows, int row);

// GET /catalogs: catalog search. Characterisation filters take one value or a
// comma-separated list (all must hold): api_type=REST,OpenDAP.
// Catalog search's paging, free text and extent (collection search has its own pipeline:
// server/search/collection_search.hpp).
struct CollectionSearch {
  int limit = 100;
  std::optional<std::string> after_id;  // from the token
  std::optional<std::string> q;
  std::optional<Bbox> bbox;
  std::optional<DatetimeInterval> datetime;
};

struct CatalogSearch : CollectionSearch {
  CatalogSearch() { limit = kDefaultCatalogsLimit; }
  std::optional<std::string> country;  // ISO alpha-2 (site or institution) or re3data alpha-3
  std::optional<std::string> site;     // a site id
  // {"api_type":["REST"],"data_access_type":"open",...} for characterisation @> $; "{}" none.
  std::string characterisation_filter = "{}";
};
absl::StatusOr<CatalogSearch> ParseCatalogSearch(const QueryParams& params);

// A Catalog document, the landing page of the catalog's own API: stored members plus self,
// root, one parent (its tree parent, else the root) and `related` for its other parents,
// `child` for its tree children (sub-catalogs at /catalogs/{id}, collections at their URL
// inside this catalog) and `related` for its other children, service-desc, service-doc,
// children, catalogs, data, conformance, search, queryables, sortables and aggregate links,
// and conformsTo.
// Its self link is `self_href` when given (the URL requested), else the catalog's URL.
// Per catalog id, `{"<site>":<items located there>,...}` (the site-access extension's
// site:locations counted over the items below the catalog), shown as `stacfed:site_counts`.
using SiteCounts = std::map<std::string, std::string, std::less<>>;

std::string RenderCatalog(const pg::Result& rows, int row, std::string_view base_url,
                          std::string_view self_href = {}, const SiteCounts* site_counts = nullptr);

// {"catalogs":[...],"links":[self,root,parent?,next?],"numberReturned":n}. `rows` may hold
// one row more than `limit` (then there is a next page, for the listing at `list_path`).
std::string RenderCatalogList(const pg::Result& rows, int limit, std::string_view base_url,
                              std::string_view self_href, std::string_view list_path,
                              std::string_view raw_query, std::string_view parent_href,
                              std::string_view next_href = {},
                              const SiteCounts* site_counts = nullptr);

// Collection rows everywhere in this module have the columns of CollectionColumn: the
// collection as stored plus the catalogs holding it, rendered as "related" links so that a
// collection found by search leads back into the tree.
enum CollectionColumn : int {
  kColRowId = 0,
  kColRowContent = 1,
  kColRowLinks = 2,
  kColRowHolders = 3,  // [["esgf-east","ESGF East"], ...] in catalog position order
  kColRowPosition = 4,  // Children pages only: the keyset position
};

// One Collection (the api's RenderCollection) shown in `scope`, with a `related` link per
// other catalog holding it and a `duplicate` link to its URL inside that catalog.
std::string RenderCollectionRow(const pg::Result& rows, int row, const LinkScope& scope,
                                std::string_view self_href);

// Where a Children page ends: the last child shown (a sub-catalog or a collection, at its
// position among the parent's children, with its id). Tokens carry it.
struct ChildrenCursor {
  bool catalog = true;
  int position = 0;
  std::string id;
};
std::string EncodeChildrenCursor(const ChildrenCursor& cursor);
absl::StatusOr<ChildrenCursor> DecodeChildrenCursor(std::string_view token);

// Children extension: {"children":[catalogs..., collections...],"links":[self,root,parent,
// next?],"numberReturned":n}, the same documents, in the same order, as the child links of
// the parent (sub-catalogs first, then collections, at most `limit` in all). `catalog_rows`
// are catalog rows, `collection_rows` collection rows; collections are shown in `scope`.
std::string RenderChildren(const pg::Result& catalog_rows, const pg::Result& collection_rows,
                           int limit, const LinkScope& scope, std::string_view self_href,
                           std::string_view parent_href, std::string_view next_href,
                           const SiteCounts* site_counts = nullptr);

// The landing page's extra links: a child link per top-level catalog (rows (id, title)), then
// per collection that no catalog holds (rows (id, title)), so every collection is reachable
// from the root; and the Children extension's "children" link. The inside of a links array.
std::string RootChildLinks(const pg::Result& catalog_rows, const pg::Result& collection_rows,
                           std::string_view base_url);

// Browseable: one page of a collection's items as a Catalog of `item` links (rows (id), at
// most `limit` shown); a further row means a `child` link to the next page, so a static
// walker following child/item links reaches every item.
std::string RenderBrowsePage(const pg::Result& rows, int limit, const LinkScope& scope,
                             std::string_view collection_id, std::string_view self_href);

}  // namespace stacfed::api
