#pragma once
// The STAC API read endpoints, registered on the HTTP router:
//
//   GET  /                                     landing page (root Catalog)
//   GET  /conformance                          conformance classes
//   GET  /api, /api.html                       OpenAPI document and its web page
//   GET  /collections                          collections, paged (limit, token)
//   GET  /collections/{id}                     one collection
//   GET  /collections/{id}/items               item search within one collection
//   GET  /collections/{id}/items/{itemId}      one item
//   GET  /search, POST /search                 item search
//
// Each handler parses and validates (search_request.hpp), runs one prepared statement on the
// thread's pool (search_sql.hpp), and renders the rows (render.hpp).
//
// Environment:
//   STACFED_COUNT_LIMIT          the most matches counted for numberMatched (default 10000);
//                                with more, numberMatched is omitted. 0 never counts beyond
//                                the page.
//   STACFED_COUNT_CACHE_SECONDS  how long a count is reused for the same search (default 30;
//                                0 disables): see ttl_cache.hpp.

#include <chrono>
#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "absl/status/statusor.h"
#include "server/api/landing.hpp"
#include "server/api/render.hpp"
#include "server/api/search_sql.hpp"
#include "server/http/types.hpp"

namespace stacfed::http {
class Router;
}

namespace stacfed::api {

inline constexpr int kDefaultCollectionsLimit = 100;
inline constexpr size_t kCountCacheEntries = 10000;  // per I/O thread

struct ApiOptions {
  int64_t count_limit = kDefaultCountLimit;
  std::chrono::seconds count_cache_ttl{30};
  LandingInfo landing;
};

// Defaults overridden by the environment; errors name the variable.
absl::StatusOr<ApiOptions> ApiOptionsFromEnv();

void RegisterRoutes(http::Router& router, const ApiOptions& options);

// Runs an item search and renders its page, as /search does; shared with the scoped
// /catalogs/{id}/search (catalogs_handlers.cpp), which narrows request.collections first.
boost::asio::awaitable<absl::StatusOr<http::Response>> SearchItems(const SearchRequest& request,
                                                                   const SearchOrigin& origin,
                                                                   const ApiOptions& options);

}  // namespace stacfed::api
