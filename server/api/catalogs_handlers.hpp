#pragma once
// The catalog tree as STAC API resources: every catalog is an API of its own (Multi-Tenant
// Catalogs v1.0.0, Children v1.0.0; docs/catalogs.md):
//
//   GET  /                                   landing page, with a child link per top-level catalog
//                                            and per collection no catalog holds, and "children"
//   GET  /children                           Children on the root: those same documents (limit,
//                                            token, type)
//   GET  /collections                        collection search over the whole tree
//                                            (collection_search_handlers.hpp; replaces the api's
//                                            listing); /collection-queryables, -sortables
//   GET  /collections/{id}                   a collection with "related" and "duplicate" links to
//                                            the catalogs holding it (replaces the api's)
//   GET  /collections/{id}/browse            Browseable: pages of `item` links, chained by `child`
//   GET  /catalogs                           catalog search: limit, token, q, bbox, datetime,
//                                            country, site and characterisation filters
//   GET  /catalogs/{id}                      a Catalog: the landing page of its API
//   GET  /catalogs/{id}/catalogs             its sub-catalogs
//   GET  /catalogs/{id}/children             Children: its tree children (limit, token, type)
//   GET  /catalogs/{id}/conformance          conformance classes that hold in it
//   GET  /catalogs/{id}/collections          collection search over the collections below it
//   GET  /catalogs/{id}/collections/{cid}    a collection below it (404 otherwise); /browse
//   GET  /catalogs/{id}/search, POST ...     item search restricted to the collections below it
//   GET  /catalogs/{id}/queryables, sortables of the items below it
// (handlers.cpp serves .../collections/{cid}/items[/{iid}], queryables and sortables under
// /catalogs/{id} too, and aggregate_handlers.cpp the aggregations.)
//
// Scope: a catalog's collections come from stacfed.catalog_collections (the closure kept by
// `federation apply` and the crawler), cached for 5 s; the search then runs exactly as a
// search naming those collections. A search naming a collection outside the scope returns
// nothing from it (never an error that would reveal what exists elsewhere). Child links follow
// the tree of sql/0018 (catalog_links.in_tree).

#include "server/api/handlers.hpp"

namespace stacfed::http {
class Router;
}

namespace stacfed::api {

// Registers the routes above. Call after RegisterRoutes: it replaces the api's routes for /,
// /collections and /collections/{id} with ones that know the catalog tree.
void RegisterCatalogRoutes(http::Router& router, const ApiOptions& options);

}  // namespace stacfed::api
