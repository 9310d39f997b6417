#pragma once
// The STAC API read endpoints, registered on the HTTP router:
//
//   GET  /                                     landing page (root Catalog)
//   GET  /conformance                          conformance classes
//   GET  /api, /api.html                       OpenAPI document and its web page
//   GET  /queryables                           what a filter may name (JSON Schema)
//   GET  /collections                          collections, paged (limit, token)
//   GET  /collections/{id}                     one collection
//   GET  /collections/{id}/queryables          what a filter on its items may name
//   GET  /collections/{id}/items               item search within one collection
//   GET  /collections/{id}/items/{itemId}      one item
//   GET  /search, POST /search                 item search
//   GET  /export/intake-esm.json|.csv, /export/xarray.py   a search's exports
//                                              (export_handlers.hpp)
//
// A handler parses and validates through the search layer's parameter table
// (server/search/params.hpp), runs the search service (server/search/service.hpp) over the
// thread's database pools, and renders the rows (render.hpp).
//
// Environment:
//   STACFED_COUNT_LIMIT          the most matches counted for numberMatched (default 10000);
//                                with more, numberMatched is omitted. 0 never counts beyond
//                                the page.
//   STACFED_COUNT_CACHE_SECONDS  how long a count is reused for the same search (default 30;
//                                0 disables). Counts are cached by the search service, keyed
//                                by a SHA-256 digest of the count statement and its values,
//                                bounded in entries and bytes (libstac/base/expiring_cache.hpp).
//   STACFED_EXPORT_MAX_ITEMS     the most items an export may cover (default 1,000,000);
//                                more answer 400.
//   STACFED_FACET_PLAN           how a filter that facet digests answer is run: auto (default:
//                                PostgreSQL's statistics of the digests decide whether the
//                                GIN index is asked first), index (always) or walk (never).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "server/api/landing.hpp"
#include "server/api/render.hpp"
#include "server/http/types.hpp"
#include "server/search/service.hpp"

namespace stacfed::http {
class Router;
}

namespace stacfed::api {

inline constexpr int kDefaultCollectionsLimit = 100;

struct ApiOptions {
  search::SearchOptions search;
  LandingInfo landing;
  // The search service every handler shares (its caches are shared by the threads); never
  // null once the options are read.
  std::shared_ptr<const search::SearchService> service;
  // STACFED_EXPORT_MAX_ITEMS: the most items an export (export_handlers.hpp) may cover.
  int64_t export_max_items = 1'000'000;
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
// /catalogs/{id}/search (catalogs_handlers.cpp), which names its catalog in `scope`.
// Arguments are taken by value or as named objects: GCC 12 destroys a temporary bound to a
// reference in a co_await expression twice.
boost::asio::awaitable<absl::StatusOr<http::Response>> SearchItems(
    const http::Request& http_request, search::SearchRequest request, SearchOrigin origin,
    search::SearchScope scope, const ApiOptions& options);

class Database;
// OK at the root (`catalog` empty) and for a collection below `catalog`; NotFound when the
// catalog does not exist or the collection is not in its subtree.
boost::asio::awaitable<absl::Status> RequireInCatalog(const Database& db,
                                                      const ApiOptions& options,
                                                      std::string catalog,
                                                      std::string collection);

// Where a request named the client's site (client_site, docs/client-site.md).
enum class ClientSiteSource {
  kNone,
  kParameter,  // the query string of a GET, the body of a POST
  kPostQuery,  // the query string of a POST (pystac-client's `parameters`)
  kHeader,     // the Client-Site header, when no parameter names a site
};
// Reads the client's site into `request` when the parameter parsing has not: from the query
// string (a single item's GET; a POST's, which must agree with its body) or, when no
// parameter names one, the Client-Site header. Checks its form, not that the site exists.
absl::StatusOr<ClientSiteSource> TakeClientSite(const http::Request& http_request,
                                                search::SearchRequest& request, bool post);
// InvalidArgument listing the known sites unless `site` is one of the federation's.
boost::asio::awaitable<absl::Status> RequireKnownSite(const Database& db,
                                                      const ApiOptions& options,
                                                      std::string site);
// For endpoints that take no parameters but client_site: pystac-client sends its
// `parameters` with every request (Client.get_queryables too). Any other parameter is
// InvalidArgument(`no_parameters`); client_site (once, or repeated with the same value) must
// name a known site.
boost::asio::awaitable<absl::Status> OnlyClientSite(const http::Request& request,
                                                    const ApiOptions& options,
                                                    std::string no_parameters);
// Puts a site the request did not name as a parameter of its own (the header, a POST's query
// string) into the links of its page: a link followed without the header ranks the same.
void CarryClientSite(ClientSiteSource source, std::string_view site, SearchOrigin& origin);
// Adds the export links to an item search's origin (/search, /catalogs/{id}/search): its GET
// query, or its POST body as one (none when the body has no GET form).
void SetExportLinks(SearchOrigin& origin);

// The search's origin for its links: base URL, path and query as requested.
SearchOrigin OriginOf(const http::Request& request, const ApiOptions& options);

// 415 unless a POST body is JSON (application/json or application/<anything>+json).
absl::Status RequireJsonBody(const http::Request& request);

}  // namespace stacfed::api
