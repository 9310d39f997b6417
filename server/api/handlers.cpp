#include "server/api/handlers.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libstac/base/crypto.hpp"
#include "libstac/base/env.hpp"
#include "libstac/base/expiring_cache.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libstac/base/log.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/model/datetime.hpp"
#include "libstac/pg/async_pool.hpp"
#include "server/api/catalogs_handlers.hpp"
#include "server/api/database.hpp"
#include "server/api/handler_support.hpp"
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

SearchOrigin OriginOf(const Request& request, const ApiOptions& options) {
  SearchOrigin origin;
  origin.base_url = request.base_url;
  origin.path = std::string(RawPath(request));
  origin.raw_query = request.query;
  origin.signer = options.signer.get();
  return origin;
}

absl::Status CollectionNotFound(std::string_view id) {
  return absl::NotFoundError(StrCat("collection '", id, "' does not exist"));
}

// The cache key of a count: a digest of its statement and parameter values, each
// length-prefixed, so a search of any size costs a key of 32 bytes.
Sha256Digest CountKey(const SearchQuery& query) {
  std::string key;
  StrAppend(&key, query.count_statement.name.size(), ":", query.count_statement.name);
  for (const pg::Param& param : query.count_params) {
    if (param) {
      StrAppend(&key, param->size(), ":", *param);
    } else {
      key += "-:";
    }
  }
  return Sha256(key);
}

using CountCache = ExpiringCache<std::optional<int64_t>>;

CountCache& ThreadCountCache(const ApiOptions& options) {
  thread_local CountCache cache({.ttl = options.count_cache_ttl,
                                 .max_entries = kCountCacheEntries,
                                 .max_bytes = kCountCacheBytes});
  return cache;
}

// numberMatched of a full first page: from this thread's cache, else counted.
awaitable<absl::StatusOr<std::optional<int64_t>>> CountMatches(const Database& db,
                                                               SearchQuery& query,
                                                               const ApiOptions& options) {
  CountCache& cache = ThreadCountCache(options);
  const Sha256Digest key = CountKey(query);
  if (const auto* cached = cache.Find(key, CountCache::Clock::now())) co_return *cached;
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result count,
      co_await db.Run(query.expensive ? Cost::kExpensive : Cost::kCheap,
                      pg::Statement{query.count_statement.name, query.count_statement.sql},
                      std::move(query.count_params)));
  const std::optional<int64_t> matched = CappedCount(count, options.count_limit);
  cache.Store(key, matched, 0, CountCache::Clock::now());
  co_return matched;
}

// A search with a datetime filter, restricted to the collections whose items can overlap
// it (empty: none can; nullopt: leave the request as it is). Without this, a partition with
// no item in the interval is walked to its end before the merged page can be returned.
awaitable<absl::StatusOr<std::optional<std::vector<std::string>>>> CollectionsInTime(
    const Database& db, const SearchRequest& request) {
  using Narrowed = std::optional<std::vector<std::string>>;
  if (!request.datetime || !request.ids.empty()) co_return Narrowed();
  pg::Param start, end;
  if (request.datetime->start) start = FormatPgTimestamp(*request.datetime->start);
  if (request.datetime->end) end = FormatPgTimestamp(*request.datetime->end);
  std::vector<pg::Param> params;
  params.push_back(std::move(start));
  params.push_back(std::move(end));
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result in_time,
                              co_await db.Run(Cost::kCheap, kCollectionsInTime, std::move(params)));
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

awaitable<absl::StatusOr<Response>> Search(Database db, SearchRequest request,
                                           SearchOrigin origin, const ApiOptions& options) {
  // The token is bound to the search as the client sent it: a scoped search has resolved it
  // before narrowing the collections to its scope.
  if (origin.fingerprint.empty()) origin.fingerprint = SearchFingerprint(request, origin.path);
  STACFED_CO_RETURN_IF_ERROR(ResolveToken(request, origin.fingerprint, *options.signer));
  STACFED_CO_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> in_time,
                              co_await CollectionsInTime(db, request));
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
        rows, co_await db.Run(query.expensive ? Cost::kExpensive : Cost::kCheap,
                              pg::Statement{query.statement.name, query.statement.sql},
                              std::move(query.params)));
  }
  if (rows.Rows() == 0 && !origin.collection.empty()) {
    // An empty page of /collections/{id}/items: tell a missing collection apart.
    STACFED_CO_ASSIGN_OR_RETURN(
        pg::Result exists, co_await db.Run(Cost::kCheap, kCollectionExists, Params(origin.collection)));
    if (exists.Rows() == 0) co_return CollectionNotFound(origin.collection);
  }
  std::optional<int64_t> matched;
  if (NeedsCount(request, rows)) {
    STACFED_CO_ASSIGN_OR_RETURN(matched, co_await CountMatches(db, query, options));
  }
  co_return JsonResponse(RenderItemCollection(request, rows, matched, origin), kGeoJson);
}

awaitable<absl::StatusOr<Response>> GetSearch(const Request& request, const ApiOptions& options) {
  STACFED_CO_ASSIGN_OR_RETURN(SearchRequest search, ParseSearchQuery(request.query_params));
  co_return co_await Search(Database(request), std::move(search), OriginOf(request, options),
                            options);
}

awaitable<absl::StatusOr<Response>> PostSearch(const Request& request, const ApiOptions& options) {
  STACFED_CO_RETURN_IF_ERROR(RequireJsonBody(request));
  STACFED_CO_ASSIGN_OR_RETURN(ParsedSearchBody parsed, ParseSearchBody(request.body));
  SearchOrigin origin = OriginOf(request, options);
  origin.post = true;
  origin.body_without_token = std::move(parsed.body_without_token);
  co_return co_await Search(Database(request), std::move(parsed.request), std::move(origin),
                            options);
}

awaitable<absl::StatusOr<Response>> GetCollectionItems(const Request& request,
                                                       const ApiOptions& options) {
  const std::string& collection = request.path_params.at(0);
  STACFED_CO_ASSIGN_OR_RETURN(SearchRequest search,
                              ParseSearchQuery(request.query_params, {collection}));
  SearchOrigin origin = OriginOf(request, options);
  origin.collection = collection;
  co_return co_await Search(Database(request), std::move(search), std::move(origin), options);
}

awaitable<absl::StatusOr<Response>> GetItem(const Request& request) {
  const std::string& collection = request.path_params.at(0);
  const std::string& id = request.path_params.at(1);
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result row, co_await Database(request).Run(Cost::kCheap, kItemById, Params(collection, id)));
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

absl::StatusOr<ApiOptions> ApiOptionsFromEnv(std::string token_key) {
  ApiOptions options;
  options.signer = std::make_shared<const TokenSigner>(std::move(token_key));
  STACFED_ASSIGN_OR_RETURN(options.count_limit,
                           GetEnvInt("STACFED_COUNT_LIMIT", kDefaultCountLimit, 0, 100'000'000));
  STACFED_ASSIGN_OR_RETURN(const int64_t ttl,
                           GetEnvInt("STACFED_COUNT_CACHE_SECONDS",
                                     options.count_cache_ttl.count(), 0, 86400));
  options.count_cache_ttl = std::chrono::seconds(ttl);
  options.landing = LandingInfoFromEnv();
  return options;
}

std::string ReadTokenKey(const std::string& database_url) {
  constexpr std::string_view kQuery =
      "SELECT encode(value, 'hex') FROM stacfed.server_secrets WHERE name = 'page_token_key'";
  absl::Status failure;
  if (auto conn = pg::Connection::Open(database_url); conn.ok()) {
    auto key = conn->Query(kQuery);
    if (key.ok() && key->Rows() == 1) {
      std::string bytes;
      const std::string_view hex = key->Scalar();
      for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
      }
      return bytes;
    }
    failure = key.ok() ? absl::NotFoundError("no page_token_key row (run `stacfed migrate`)")
                       : key.status();
  } else {
    failure = conn.status();
  }
  log::Warn("page tokens are signed with a key of this process only (they stop working when it "
            "restarts): the installation's key could not be read: ", failure.message());
  return RandomBytes(32);
}

absl::Status RequireJsonBody(const http::Request& request) {
  const std::string_view type = request.Header("content-type").value_or("");
  const std::string_view essence = type.substr(0, type.find(';'));
  const std::string_view trimmed = ToStd(absl::StripAsciiWhitespace(ToAbsl(essence)));
  if (absl::EqualsIgnoreCase(ToAbsl(trimmed), "application/json") ||
      (absl::StartsWithIgnoreCase(ToAbsl(trimmed), "application/") &&
       absl::EndsWithIgnoreCase(ToAbsl(trimmed), "+json"))) {
    return absl::OkStatus();
  }
  return http::WithHttpStatus(
      absl::InvalidArgumentError(StrCat(
          "the request body must be JSON, sent with Content-Type: application/json",
          type.empty() ? std::string(" (the request has no Content-Type)")
                       : StrCat(" (not '", type.substr(0, 100), "')"))),
      415);
}

awaitable<absl::StatusOr<Response>> SearchItems(const http::Request& http_request,
                                                SearchRequest request, SearchOrigin origin,
                                                const ApiOptions& options) {
  co_return co_await Search(Database(http_request), std::move(request), std::move(origin),
                            options);
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
