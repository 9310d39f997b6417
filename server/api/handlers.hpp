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
//                                0 disables). Counts are cached per I/O thread, keyed by a
//                                SHA-256 digest of the count statement and its values, at
//                                most kCountCacheEntries and kCountCacheBytes
//                                (libstac/base/expiring_cache.hpp).

#include <chrono>
#include <cstdint>
#include <memory>

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
inline constexpr size_t kCountCacheEntries = 10000;         // per I/O thread
inline constexpr size_t kCountCacheBytes = size_t{2} << 20;  // per I/O thread

struct ApiOptions {
  int64_t count_limit = kDefaultCountLimit;
  std::chrono::seconds count_cache_ttl{30};
  LandingInfo landing;
  // Signs and checks page tokens (page_token.hpp); never null once the options are read.
  std::shared_ptr<const TokenSigner> signer;
};

// Defaults overridden by the environment; errors name the variable. `token_key` is the
// installation's page token key (ReadTokenKey).
absl::StatusOr<ApiOptions> ApiOptionsFromEnv(std::string token_key);

// The installation's page token key from the database (stacfed.server_secrets, sql/0011);
// when the database cannot be asked, a random key of this process (tokens then last as long
// as the process), with a warning.
std::string ReadTokenKey(const std::string& database_url);

void RegisterRoutes(http::Router& router, const ApiOptions& options);

// Runs an item search and renders its page, as /search does; shared with the scoped
// /catalogs/{id}/search (catalogs_handlers.cpp), which narrows request.collections first.
boost::asio::awaitable<absl::StatusOr<http::Response>> SearchItems(
    const http::Request& http_request, SearchRequest request, SearchOrigin origin,
    const ApiOptions& options);

// 415 unless a POST body is JSON (application/json or application/<anything>+json).
absl::Status RequireJsonBody(const http::Request& request);

}  // namespace stacfed::api
