#pragma once
// Collection search as endpoints (server/search/collection_search.hpp):
//
//   GET /collections                      over every collection of the catalog
//   GET /catalogs/{id}/collections        over the collections below one catalog
//   GET /collection-queryables            what a collection filter may name (JSON Schema)
//   GET /collection-sortables             what a collection sortby may name
//
// A page is {"collections":[...],"links":[self,root,parent?,queryables,sortables,next?,
// prev?],"numberMatched":n,"numberReturned":n}; each collection carries a "related" link per
// catalog holding it (catalogs_render.hpp). Next and prev links carry signed tokens bound to
// the search (its parameters but limit and fields).

#include <boost/asio/awaitable.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "server/api/handlers.hpp"
#include "server/api/queryables_render.hpp"
#include "server/http/types.hpp"

namespace stacfed::api {

inline constexpr std::string_view kCollectionQueryablesPath = "/collection-queryables";
inline constexpr std::string_view kCollectionSortablesPath = "/collection-sortables";

// `catalog` empty: every collection; otherwise those below it (404 when it does not exist).
// Arguments by value: GCC 12 destroys a temporary bound to a reference in a co_await
// expression twice.
boost::asio::awaitable<absl::StatusOr<http::Response>> SearchCollections(
    const http::Request& request, const ApiOptions& options, std::string catalog);

// The queryables or sortables of collection search (no parameters).
absl::StatusOr<http::Response> CollectionPropertySchema(const http::Request& request,
                                                        PropertySchema schema);

}  // namespace stacfed::api
