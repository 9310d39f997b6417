#include "server/api/handlers.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libstac/base/env.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/model/datetime.hpp"
#include "libstac/pg/async_pool.hpp"
#include "server/api/catalogs_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/ttl_cache.hpp"
#include "server/api/links.hpp"
#include "server/api/openapi.hpp"
#include "server/api/page_token.hpp"
#include "server/api/render.hpp"
#include "server/api/search_request.hpp"
#include "server/http/error_response.hpp"
#include "server/http/router.hpp"
#include "server/http/server_context.hpp"

namespace stacfed::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;

constexpr pg::Statement kCollectionExists{
    "api_collection_exists", "SELECT 1 FROM stacfed.collections WHERE id = $1"};
// One row always: whether the collection exists, and the item when it does; so a 404 can say
// which of the two is missing without a second round trip.
constexpr pg::Statement kItemById{
    "api_item",
    "SELECT c.id IS NOT NULL, i.content, i.links FROM (SELECT $1::text AS cid) q "
    "LEFT JOIN stacfed.collections c ON c.id = q.cid "
    "LEFT JOIN stacfed.items i ON i.collection = q.cid AND i.id = $2::text"};

// Collections whose items can overlap a datetime interval (sql/0006 keeps the bounds), with
// the number of collections: a search in time then reads only those partitions. A NULL bound
// of the interval is open.
constexpr pg::Statement kCollectionsInTime{
    "api_collections_in_time",
    "SELECT id, (SELECT count(*) FROM stacfed.collections) FROM stacfed.collections"
    " WHERE items_max_end_datetime >= coalesce($1::timestamptz, '-infinity')"
    " AND items_min_datetime <= coalesce($2::timestamptz, 'infinity')"};

// Up to this many collections the narrowed search binds them one parameter each (runtime
// partition pruning, search_sql.cpp); beyond it narrowing is skipped.
constexpr size_t kMaxNarrowedCollections = 32;


// The requested URL, exactly: the base URL and the target as received.

std::string_view RawPath(const Request& request) {
  return std::string_view(request.target).substr(0, request.target.find('?'));
}

SearchOrigin OriginOf(const Request& request) {
  SearchOrigin origin;
  origin.base_url = request.base_url;
  origin.path = std::string(RawPath(request));
  origin.raw_query = request.query;
  return origin;
}

absl::StatusOr<pg::AsyncPool*> Pool() {
  pg::AsyncPool* pool = http::ServerContext::Current().pool;
  if (pool == nullptr) return absl::UnavailableError("the server has no database configured");
  return pool;
}

absl::Status CollectionNotFound(std::string_view id) {
  return absl::NotFoundError(StrCat("collection '", id, "' does not exist"));
}

awaitable<absl::StatusOr<pg::Result>> Execute(const pg::Statement& statement,
                                              std::vector<pg::Param> params) {
  STACFED_CO_ASSIGN_OR_RETURN(pg::AsyncPool * pool, Pool());
  co_return co_await pool->Execute(statement, std::move(params));
}

// The cache key of a count: its statement and parameter values (NUL cannot occur in either).
std::string CountKey(const SearchQuery& query) {
  std::string key(query.count_statement.name);
  for (const pg::Param& param : query.count_params) {
    key += '\0';
    if (param) key += *param;
  }
  return key;
}

CountCache& ThreadCountCache(const ApiOptions& options) {
  thread_local CountCache cache(options.count_cache_ttl, kCountCacheEntries);
  return cache;
}

// numberMatched of a full first page: from this thread's cache, else counted.
awaitable<absl::StatusOr<std::optional<int64_t>>> CountMatches(SearchQuery& query,
                                                               const ApiOptions& options) {
  CountCache& cache = ThreadCountCache(options);
  std::string key = CountKey(query);
  const auto now = CountCache::Clock::now();
  if (auto cached = cache.Find(key, now)) co_return *cached;
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result count,
      co_await Execute(pg::Statement{query.count_statement.name, query.count_statement.sql},
                       std::move(query.count_params)));
  const std::optional<int64_t> matched = CappedCount(count, options.count_limit);
  cache.Store(std::move(key), matched, now);
  co_return matched;
}

// A search with a datetime filter, restricted to the collections whose items can overlap
// it (empty: none can; nullopt: leave the request as it is). Without this, a partition with
// no item in the interval is walked to its end before the merged page can be returned.
awaitable<absl::StatusOr<std::optional<std::vector<std::string>>>> CollectionsInTime(
    const SearchRequest& request) {
  using Narrowed = std::optional<std::vector<std::string>>;
  if (!request.datetime || !request.ids.empty()) co_return Narrowed();
  pg::Param start, end;
  if (request.datetime->start) start = FormatPgTimestamp(*request.datetime->start);
  if (request.datetime->end) end = FormatPgTimestamp(*request.datetime->end);
  std::vector<pg::Param> params;
  params.push_back(std::move(start));
  params.push_back(std::move(end));
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result in_time,
                              co_await Execute(kCollectionsInTime, std::move(params)));
  std::vector<std::string> narrowed;
  if (request.collections.empty()) {
    const bool prunes = in_time.Rows() == 0 || in_time.Get(0, 1) != StrCat(in_time.Rows());
    if (!prunes || size_t(in_time.Rows()) > kMaxNarrowedCollections) co_return Narrowed();
    for (int r = 0; r < in_time.Rows(); ++r) narrowed.emplace_back(in_time.Get(r, 0));
    co_return narrowed;
  }
  for (const std::string& collection : request.collections) {
    for (int r = 0; r < in_time.Rows(); ++r) {
      if (in_time.Get(r, 0) == collection) {
        narrowed.push_back(collection);
        break;
      }
    }
  }
  if (narrowed.size() == request.collections.size()) co_return Narrowed();
  co_return narrowed;
}

awaitable<absl::StatusOr<Response>> Search(const SearchRequest& request,
                                           const SearchOrigin& origin,
                                           const ApiOptions& options) {
  STACFED_CO_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> in_time,
                              co_await CollectionsInTime(request));
  SearchQuery query;
  pg::Result rows;
  if (in_time && in_time->empty()) {
    // No collection has items in the interval: an empty page, without asking.
  } else if (in_time) {
    SearchRequest narrowed = request;  // the links still show the request as it was sent
    narrowed.collections = std::move(*in_time);
    query = BuildSearchQuery(narrowed, options.count_limit);
  } else {
    query = BuildSearchQuery(request, options.count_limit);
  }
  if (!query.statement.sql.empty()) {
    STACFED_CO_ASSIGN_OR_RETURN(
        rows, co_await Execute(pg::Statement{query.statement.name, query.statement.sql},
                               std::move(query.params)));
  }
  if (rows.Rows() == 0 && !origin.collection.empty()) {
    // An empty page of /collections/{id}/items: tell a missing collection apart.
    STACFED_CO_ASSIGN_OR_RETURN(pg::Result exists,
                                co_await Execute(kCollectionExists, Params(origin.collection)));
    if (exists.Rows() == 0) co_return CollectionNotFound(origin.collection);
  }
  std::optional<int64_t> matched;
  if (NeedsCount(request, rows)) {
    STACFED_CO_ASSIGN_OR_RETURN(matched, co_await CountMatches(query, options));
  }
  co_return JsonResponse(RenderItemCollection(request, rows, matched, origin), kGeoJson);
}

awaitable<absl::StatusOr<Response>> GetSearch(const Request& request, const ApiOptions& options) {
  STACFED_CO_ASSIGN_OR_RETURN(SearchRequest search, ParseSearchQuery(request.query_params));
  co_return co_await Search(search, OriginOf(request), options);
}

awaitable<absl::StatusOr<Response>> PostSearch(const Request& request, const ApiOptions& options) {
  STACFED_CO_ASSIGN_OR_RETURN(ParsedSearchBody parsed, ParseSearchBody(request.body));
  SearchOrigin origin = OriginOf(request);
  origin.post = true;
  origin.body_without_token = std::move(parsed.body_without_token);
  co_return co_await Search(parsed.request, origin, options);
}

awaitable<absl::StatusOr<Response>> GetCollectionItems(const Request& request,
                                                       const ApiOptions& options) {
  const std::string& collection = request.path_params.at(0);
  STACFED_CO_ASSIGN_OR_RETURN(SearchRequest search,
                              ParseSearchQuery(request.query_params, {collection}));
  SearchOrigin origin = OriginOf(request);
  origin.collection = collection;
  co_return co_await Search(search, origin, options);
}

awaitable<absl::StatusOr<Response>> GetItem(const Request& request) {
  const std::string& collection = request.path_params.at(0);
  const std::string& id = request.path_params.at(1);
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result row, co_await Execute(kItemById, Params(collection, id)));
  if (row.Rows() == 0 || row.Get(0, 0) != "t") co_return CollectionNotFound(collection);
  if (row.IsNull(0, 1)) {
    co_return absl::NotFoundError(
        StrCat("item '", id, "' does not exist in collection '", collection, "'"));
  }
  Response response =
      JsonResponse(RenderItem(request.base_url, collection, id, row.Get(0, 1), row.Get(0, 2)),
                   kGeoJson);
  response.etag = true;
  co_return response;
}

// Adapts a handler returning StatusOr to the router's signature: errors become the one
// {"code","description"} error response.
template <typename Fn>
http::Handler Wrap(Fn fn) {
  return [fn = std::move(fn)](const Request& request) -> awaitable<Response> {
    absl::StatusOr<Response> response = co_await fn(request);
    if (!response.ok()) co_return http::ErrorResponse(response.status());
    co_return std::move(response).value();
  };
}

http::Handler Static(std::function<Response(const Request&)> render) {
  return [render = std::move(render)](const Request& request) -> awaitable<Response> {
    co_return render(request);
  };
}

}  // namespace

absl::StatusOr<ApiOptions> ApiOptionsFromEnv() {
  ApiOptions options;
  STACFED_ASSIGN_OR_RETURN(options.count_limit,
                           GetEnvInt("STACFED_COUNT_LIMIT", kDefaultCountLimit, 0, 100'000'000));
  STACFED_ASSIGN_OR_RETURN(const int64_t ttl,
                           GetEnvInt("STACFED_COUNT_CACHE_SECONDS",
                                     options.count_cache_ttl.count(), 0, 86400));
  options.count_cache_ttl = std::chrono::seconds(ttl);
  options.landing = LandingInfoFromEnv();
  return options;
}

awaitable<absl::StatusOr<Response>> SearchItems(const SearchRequest& request,
                                                const SearchOrigin& origin,
                                                const ApiOptions& options) {
  co_return co_await Search(request, origin, options);
}

void RegisterRoutes(http::Router& router, const ApiOptions& api_options) {
  // Shared by every handler for the server's lifetime.
  auto options = std::make_shared<const ApiOptions>(api_options);
  using http::Method;
  router.Add(Method::kGet, "/conformance",
             Static([](const Request&) { return JsonResponse(RenderConformance()); }));
  router.Add(Method::kGet, "/api", Static([](const Request& request) {
               return JsonResponse(RenderOpenApi(request.base_url), kOpenApiJson);
             }));
  router.Add(Method::kGet, "/api.html", Static([](const Request&) {
               return JsonResponse(OpenApiHtml(), "text/html; charset=utf-8");
             }));
  router.Add(Method::kGet, "/collections/{collectionId}/items",
             Wrap([options](const Request& request) {
               return GetCollectionItems(request, *options);
             }));
  router.Add(Method::kGet, "/collections/{collectionId}/items/{itemId}", Wrap(GetItem));
  router.Add(Method::kGet, "/search", Wrap([options](const Request& request) {
               return GetSearch(request, *options);
             }));
  router.Add(Method::kPost, "/search", Wrap([options](const Request& request) {
               return PostSearch(request, *options);
             }));
  // The landing page, /collections and /collections/{id} live with the catalog tree
  // (catalogs_handlers.cpp): they link catalogs and offer collection search.
  RegisterCatalogRoutes(router, api_options);
}

}  // namespace stacfed::api
