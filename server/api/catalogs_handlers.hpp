#pragma once
// The catalog tree as STAC API resources (issue 4; Multi-Tenant Catalogs paths where they
// fit, plus the Children extension):
//
//   GET  /                                   landing page, with a child link per top-level catalog
//                                            and per collection no catalog holds, and "children"
//   GET  /children                           Children extension on the root: those same documents
//   GET  /collections/{id}/browse            Browseable: pages of `item` links, chained by `child`
//   GET  /collections                        collection search over the whole tree: q, bbox,
//                                            datetime, filter, sortby, fields, limit, token
//                                            (collection_search_handlers.hpp; replaces the api's
//                                            listing); /collection-queryables, -sortables
//   GET  /collections/{id}                   a collection with "related" links to the catalogs
//                                            holding it (replaces the api's)
//   GET  /catalogs                           catalog search: limit, token, q, bbox, datetime,
//                                            country, site and characterisation filters
//   GET  /catalogs/{id}                      a Catalog (scoped API landing page)
//   GET  /catalogs/{id}/catalogs             its sub-catalogs
//   GET  /catalogs/{id}/collections          collection search over the collections below it
//   GET  /catalogs/{id}/children             Children extension: direct sub-catalogs and collections
//   GET  /catalogs/{id}/conformance          conformance classes
//   GET  /catalogs/{id}/search, POST ...     item search restricted to the collections below it
//
// Scope: a catalog's collections come from stacfed.catalog_collections (the closure kept by
// `federation apply` and the crawler), one indexed lookup per request; the search then runs
// exactly as a search naming those collections. A search naming a collection outside the scope
// returns nothing from it (never an error that would reveal what exists elsewhere).

#include "server/api/handlers.hpp"

namespace stacfed::http {
class Router;
}

namespace stacfed::api {

// Registers the routes above. Call after RegisterRoutes: it replaces the api's routes for /,
// /collections and /collections/{id} with ones that know the catalog tree.
void RegisterCatalogRoutes(http::Router& router, const ApiOptions& options);

}  // namespace stacfed::api
