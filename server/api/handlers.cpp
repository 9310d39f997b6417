#include "server/api/handlers.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "libstac/base/crypto.hpp"
#include "libstac/base/env.hpp"
#include "libstac/base/log.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/pg/async_pool.hpp"
#include "server/api/aggregate_handlers.hpp"
#include "server/api/catalogs_handlers.hpp"
#include "server/api/database.hpp"
#include "server/api/extensions.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/links.hpp"
#include "server/api/openapi.hpp"
#include "server/api/queryables_render.hpp"
#include "server/api/render.hpp"
#include "server/api/export_handlers.hpp"
#include "server/export/export_request.hpp"
#include "server/http/error_response.hpp"
#include "server/http/router.hpp"
#include "server/search/client_site.hpp"
#include "server/search/params.hpp"
#include "server/search/statements.hpp"

namespace stacfed::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
using search::Family;
using search::SearchScope;

// The requested URL, exactly: the base URL and the target as received.
std::string_view RawPath(const Request& request) {
  return std::string_view(request.target).substr(0, request.target.find('?'));
}

absl::Status CollectionNotFound(std::string_view id) {
  return absl::NotFoundError(StrCat("collection '", id, "' does not exist"));
}

SearchScope ScopeOf(const Request& request) {
  SearchScope scope;
  scope.path = std::string(RawPath(request));
  return scope;
}

awaitable<absl::StatusOr<Response>> GetSearch(const Request& request, const ApiOptions& options) {
  STACFED_CO_ASSIGN_OR_RETURN(SearchRequest search,
                              search::ParseQuery(request.query_params, Family::kItemSearch));
  co_return co_await SearchItems(request, std::move(search), OriginOf(request, options),
                                 ScopeOf(request), options);
}

awaitable<absl::StatusOr<Response>> PostSearch(const Request& request, const ApiOptions& options) {
  STACFED_CO_RETURN_IF_ERROR(RequireJsonBody(request));
  STACFED_CO_ASSIGN_OR_RETURN(search::ParsedBody parsed,
                              search::ParseBody(request.body, Family::kItemSearch));
  SearchOrigin origin = OriginOf(request, options);
  origin.post = true;
  origin.body_without_token = std::move(parsed.body_without_token);
  co_return co_await SearchItems(request, std::move(parsed.request), std::move(origin),
                                 ScopeOf(request), options);
}

// The ids a route's path names: /collections/{collectionId}[/items/{itemId}] at the root, or
// the same under /catalogs/{catalogId} (a catalog's own API).
struct PathIds {
  std::string catalog;  // "" at the root
  std::string collection;
  std::string item;  // "" on routes without one
};

PathIds IdsOf(const Request& request, bool in_catalog) {
  PathIds ids;
  size_t next = 0;
  if (in_catalog) ids.catalog = request.path_params.at(next++);
  ids.collection = request.path_params.at(next++);
  if (next < request.path_params.size()) ids.item = request.path_params.at(next);
  return ids;
}

awaitable<absl::StatusOr<Response>> GetCollectionItems(const Request& request,
                                                       const ApiOptions& options,
                                                       bool in_catalog) {
  const PathIds ids = IdsOf(request, in_catalog);
  STACFED_CO_ASSIGN_OR_RETURN(
      SearchRequest search,
      search::ParseQuery(request.query_params, Family::kItems, ids.collection));
  const Database db(request);
  STACFED_CO_RETURN_IF_ERROR(co_await RequireInCatalog(db, options, ids.catalog, ids.collection));
  SearchOrigin origin = OriginOf(request, options);
  origin.collection = ids.collection;
  origin.catalog = ids.catalog;
  SearchScope scope = ScopeOf(request);
  scope.collection = ids.collection;
  scope.catalog = ids.catalog;
  co_return co_await SearchItems(request, std::move(search), std::move(origin), std::move(scope),
                                 options);
}

// The 404 of an item that is not served: one that never was, or one withdrawn because its
// source no longer lists it (a row of statements::ItemById with the source and the time; sql/0021). 404
// rather than 410 Gone: the item comes back if its source lists it again, and RFC 9110 keeps
// 410 for conditions known to be permanent.
absl::Status ItemNotFound(const PathIds& ids, const pg::Result& row) {
  if (row.IsNull(0, 3)) {
    return absl::NotFoundError(
        StrCat("item '", ids.item, "' does not exist in collection '", ids.collection, "'"));
  }
  return absl::NotFoundError(StrCat("item '", ids.item, "' was withdrawn from collection '",
                                    ids.collection, "' on ", row.Get(0, 4), ": source '",
                                    row.Get(0, 3), "' no longer lists it"));
}

awaitable<absl::StatusOr<Response>> GetItem(const Request& request, const ApiOptions& options,
                                            bool in_catalog) {
  const PathIds ids = IdsOf(request, in_catalog);
  const Database db(request);
  // Of its query, an item reads client_site alone (any other parameter is ignored, as ever).
  SearchRequest client_site;
  STACFED_CO_ASSIGN_OR_RETURN(ClientSiteSource source, TakeClientSite(request, client_site, false));
  if (source != ClientSiteSource::kNone) {
    STACFED_CO_RETURN_IF_ERROR(co_await RequireKnownSite(db, options, *client_site.client_site));
  }
  STACFED_CO_RETURN_IF_ERROR(co_await RequireInCatalog(db, options, ids.catalog, ids.collection));
  STACFED_CO_ASSIGN_OR_RETURN(std::shared_ptr<const std::string> partition,
                              co_await options.service->PartitionOf(db, ids.collection));
  const search::statements::OwnedStatement statement =
      search::statements::ItemById(partition ? *partition : search::kItemsTable);
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result row,
      co_await db.Run(Cost::kCheap, statement.view(), Params(ids.collection, ids.item)));
  if (row.Rows() == 0 || row.Get(0, 0) != "t") co_return CollectionNotFound(ids.collection);
  if (row.IsNull(0, 1)) co_return ItemNotFound(ids, row);
  Response response =
      JsonResponse(RenderItem(LinkScope::Catalog(request.base_url, ids.catalog), ids.collection,
                              ids.item, row.Get(0, 1), row.Get(0, 2),
                              client_site.client_site.value_or("")),
                   kGeoJson);
  response.etag = true;
  response.headers.emplace_back("Vary", "Client-Site");
  co_return response;
}

// /queryables or /sortables: of the items of every collection.
awaitable<absl::StatusOr<Response>> GetPropertySchema(const Request& request,
                                                      const ApiOptions& options,
                                                      PropertySchema schema) {
  // Named: GCC 12 destroys a temporary in a co_await expression twice.
  std::string no_parameters = StrCat(RawPath(request), " takes no parameters");
  STACFED_CO_RETURN_IF_ERROR(co_await OnlyClientSite(request, options, no_parameters));
  // Arguments bound to references are named: GCC 12 destroys a temporary in a co_await
  // expression twice.
  const Database db(request);
  const std::vector<std::string> every_collection;
  STACFED_CO_ASSIGN_OR_RETURN(std::shared_ptr<const search::Queryables> queryables,
                              co_await options.service->QueryablesOf(db, every_collection));
  co_return JsonResponse(RenderPropertySchema(schema, *queryables,
                                              StrCat(request.base_url, request.target),
                                              "the items of every collection"),
                         kSchemaJson);
}

// .../collections/{id}/queryables or .../collections/{id}/sortables.
awaitable<absl::StatusOr<Response>> GetCollectionPropertySchema(const Request& request,
                                                                const ApiOptions& options,
                                                                PropertySchema schema,
                                                                bool in_catalog) {
  const PathIds ids = IdsOf(request, in_catalog);
  std::string no_parameters = schema == PropertySchema::kQueryables
                                  ? "queryables take no parameters"
                                  : "sortables take no parameters";
  STACFED_CO_RETURN_IF_ERROR(co_await OnlyClientSite(request, options, no_parameters));
  const Database db(request);
  STACFED_CO_RETURN_IF_ERROR(co_await RequireInCatalog(db, options, ids.catalog, ids.collection));
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result exists,
                              co_await db.Run(Cost::kCheap, search::statements::kCollectionExists,
                                              Params(ids.collection)));
  if (exists.Rows() == 0) co_return CollectionNotFound(ids.collection);
  std::vector<std::string> scope = {ids.collection};
  STACFED_CO_ASSIGN_OR_RETURN(std::shared_ptr<const search::Queryables> queryables,
                              co_await options.service->QueryablesOf(db, scope));
  co_return JsonResponse(RenderPropertySchema(schema, *queryables,
                                              StrCat(request.base_url, request.target),
                                              StrCat("the items of ", ids.collection)),
                         kSchemaJson);
}

http::Handler Static(std::function<Response(const Request&)> render) {
  return [render = std::move(render)](const Request& request) -> awaitable<Response> {
    co_return render(request);
  };
}

// STACFED_FACET_PLAN: auto (default), index or walk (search::FacetPlan).
absl::StatusOr<search::FacetPlan> FacetPlanFromEnv() {
  const char* value = std::getenv("STACFED_FACET_PLAN");
  const std::string_view plan = value == nullptr ? "auto" : value;
  if (plan == "auto") return search::FacetPlan::kAuto;
  if (plan == "index") return search::FacetPlan::kIndex;
  if (plan == "walk") return search::FacetPlan::kWalk;
  return absl::InvalidArgumentError(
      StrCat("STACFED_FACET_PLAN is '", Excerpt(plan, 100), "': expected auto, index or walk"));
}

}  // namespace

absl::StatusOr<ApiOptions> ApiOptionsFromEnv(std::string token_key) {
  ApiOptions options;
  STACFED_ASSIGN_OR_RETURN(
      options.search.count_limit,
      GetEnvInt("STACFED_COUNT_LIMIT", search::kDefaultCountLimit, 0, 100'000'000));
  STACFED_ASSIGN_OR_RETURN(const int64_t count_wait,
                           GetEnvInt("STACFED_COUNT_WAIT_MS", options.search.count_wait.count(),
                                     -1, 60'000));
  options.search.count_wait = std::chrono::milliseconds(count_wait);
  STACFED_ASSIGN_OR_RETURN(const int64_t ttl,
                           GetEnvInt("STACFED_COUNT_CACHE_SECONDS",
                                     options.search.count_cache_ttl.count(), 0, 86400));
  options.search.count_cache_ttl = std::chrono::seconds(ttl);
  STACFED_ASSIGN_OR_RETURN(options.search.facet_plan, FacetPlanFromEnv());
  STACFED_ASSIGN_OR_RETURN(options.search.generic_plan_partitions,
                           GetEnvInt("STACFED_GENERIC_PLAN_PARTITIONS",
                                     options.search.generic_plan_partitions, 0, 1'000'000));
  STACFED_ASSIGN_OR_RETURN(options.export_max_items,
                           GetEnvInt("STACFED_EXPORT_MAX_ITEMS", options.export_max_items, 0,
                                     1'000'000'000));
  options.landing = LandingInfoFromEnv();
  options.service = std::make_shared<const search::SearchService>(
      options.search, std::make_shared<const search::TokenSigner>(std::move(token_key)));
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

awaitable<absl::Status> RequireInCatalog(const Database& db, const ApiOptions& options,
                                         std::string catalog, std::string collection) {
  if (catalog.empty()) co_return absl::OkStatus();
  STACFED_CO_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> in_catalog,
                              co_await options.service->CatalogCollections(db, catalog));
  if (!in_catalog) co_return absl::NotFoundError(StrCat("catalog '", catalog, "' does not exist"));
  if (!std::binary_search(in_catalog->begin(), in_catalog->end(), collection)) {
    co_return absl::NotFoundError(
        StrCat("collection '", collection, "' is not in catalog '", catalog, "'"));
  }
  co_return absl::OkStatus();
}

void SetExportLinks(SearchOrigin& origin) {
  if (origin.post) {
    std::optional<std::string> query = exports::QueryFromBody(origin.body_without_token);
    if (!query) return;  // a body GET cannot say: no export links
    origin.export_query = *std::move(query);
  } else {
    origin.export_query = QueryWithoutToken(origin.raw_query);
  }
  origin.export_url = StrCat(origin.catalog.empty() ? origin.base_url
                                                    : CatalogUrl(origin.base_url, origin.catalog),
                             "/export");
}

SearchOrigin OriginOf(const Request& request, const ApiOptions& options) {
  SearchOrigin origin;
  origin.base_url = request.base_url;
  origin.path = std::string(RawPath(request));
  origin.raw_query = request.query;
  origin.signer = &options.service->signer();
  return origin;
}

absl::StatusOr<ClientSiteSource> TakeClientSite(const http::Request& http_request,
                                                SearchRequest& request, bool post) {
  using search::kClientSiteParameter;
  if (post) {
    // pystac-client's `parameters` go into the query string of every request, POSTs too.
    for (const auto& [name, value] : http_request.query_params) {
      if (name != kClientSiteParameter) continue;
      STACFED_ASSIGN_OR_RETURN(std::string site, search::ParseClientSite(value));
      if (!request.client_site) {
        request.client_site = std::move(site);
        return ClientSiteSource::kPostQuery;
      }
      if (*request.client_site != site) {
        return absl::InvalidArgumentError(
            StrCat("client_site is '", Excerpt(*request.client_site, 100), "' in the body but '",
                   Excerpt(site, 100), "' in the query string"));
      }
    }
  } else if (!request.client_site) {
    // GET /search has read it with the other parameters; a single item reads it here.
    for (const auto& [name, value] : http_request.query_params) {
      if (name != kClientSiteParameter) continue;
      STACFED_ASSIGN_OR_RETURN(request.client_site, search::ParseClientSite(value));
    }
  }
  if (request.client_site) return ClientSiteSource::kParameter;
  const std::optional<std::string_view> header = http_request.Header(search::kClientSiteHeader);
  if (!header) return ClientSiteSource::kNone;
  STACFED_ASSIGN_OR_RETURN(request.client_site, search::ParseClientSite(*header));
  return ClientSiteSource::kHeader;
}

awaitable<absl::Status> RequireKnownSite(const Database& db, const ApiOptions& options,
                                         std::string site) {
  STACFED_CO_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<std::string>> sites,
                              co_await options.service->KnownSites(db));
  if (std::binary_search(sites->begin(), sites->end(), site)) co_return absl::OkStatus();
  co_return absl::InvalidArgumentError(
      StrCat("unknown client_site '", Excerpt(site, 100), "'; known sites: ",
             sites->empty() ? std::string("none (the federation names no site)")
                            : absl::StrJoin(*sites, ", ")));
}

awaitable<absl::Status> OnlyClientSite(const Request& request, const ApiOptions& options,
                                       std::string no_parameters) {
  if (request.query_params.empty()) co_return absl::OkStatus();
  std::optional<std::string> site;
  for (const auto& [name, value] : request.query_params) {
    if (name != search::kClientSiteParameter) {
      co_return absl::InvalidArgumentError(std::move(no_parameters));
    }
    STACFED_CO_ASSIGN_OR_RETURN(std::string parsed, search::ParseClientSite(value));
    if (site && *site != parsed) {
      co_return absl::InvalidArgumentError("parameter 'client_site' is given more than once");
    }
    site = std::move(parsed);
  }
  const Database db(request);
  co_return co_await RequireKnownSite(db, options, *site);
}

void CarryClientSite(ClientSiteSource source, std::string_view site, SearchOrigin& origin) {
  if (source == ClientSiteSource::kHeader && !origin.post) {
    std::string& query = origin.raw_query;
    if (!query.empty()) query += '&';
    StrAppend(&query, search::kClientSiteParameter, "=");
    AppendPercentEncoded(query, site);
  } else if (source == ClientSiteSource::kHeader || source == ClientSiteSource::kPostQuery) {
    // The POST links repeat the body: the site goes in as its first member.
    std::string& body = origin.body_without_token;
    std::string member;
    AppendJsonString(member, search::kClientSiteParameter);
    member += ':';
    AppendJsonString(member, site);
    if (body.size() > 2) member += ',';
    body.insert(1, member);
  }
}

awaitable<absl::StatusOr<Response>> SearchItems(const http::Request& http_request,
                                                SearchRequest request, SearchOrigin origin,
                                                search::SearchScope scope,
                                                const ApiOptions& options) {
  const Database db(http_request);
  STACFED_CO_ASSIGN_OR_RETURN(ClientSiteSource source,
                              TakeClientSite(http_request, request, origin.post));
  if (source != ClientSiteSource::kNone) {
    STACFED_CO_RETURN_IF_ERROR(co_await RequireKnownSite(db, options, *request.client_site));
    CarryClientSite(source, *request.client_site, origin);
  }
  if (origin.collection.empty()) SetExportLinks(origin);
  STACFED_CO_ASSIGN_OR_RETURN(search::SearchResult result,
                              co_await options.service->Search(db, std::move(request), scope));
  origin.fingerprint = std::move(result.fingerprint);
  Response response = JsonResponse(RenderItemCollection(result.request, result.rows,
                                                        result.token_columns, result.counted,
                                                        origin),
                                   kGeoJson);
  response.headers.emplace_back("Vary", "Client-Site");
  co_return response;
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
  // Collections and items at the root, and the same inside every catalog's own API.
  for (const bool in_catalog : {false, true}) {
    const std::string prefix = in_catalog ? "/catalogs/{catalogId}" : "";
    router.Add(Method::kGet, StrCat(prefix, "/collections/{collectionId}/items"),
               Wrap([options, in_catalog](const Request& request) {
                 return GetCollectionItems(request, *options, in_catalog);
               }));
    router.Add(Method::kGet, StrCat(prefix, "/collections/{collectionId}/items/{itemId}"),
               Wrap([options, in_catalog](const Request& request) {
                 return GetItem(request, *options, in_catalog);
               }));
    for (auto [schema, name] : {std::pair{PropertySchema::kQueryables, "queryables"},
                                 std::pair{PropertySchema::kSortables, "sortables"}}) {
      router.Add(Method::kGet, StrCat(prefix, "/collections/{collectionId}/", name),
                 Wrap([options, schema, in_catalog](const Request& request) {
                   return GetCollectionPropertySchema(request, *options, schema, in_catalog);
                 }));
    }
  }
  for (auto [schema, name] : {std::pair{PropertySchema::kQueryables, "queryables"},
                               std::pair{PropertySchema::kSortables, "sortables"}}) {
    router.Add(Method::kGet, StrCat("/", name), Wrap([options, schema](const Request& request) {
                 return GetPropertySchema(request, *options, schema);
               }));
  }
  router.Add(Method::kGet, "/search", Wrap([options](const Request& request) {
               return GetSearch(request, *options);
             }));
  router.Add(Method::kPost, "/search", Wrap([options](const Request& request) {
               return PostSearch(request, *options);
             }));
  // The landing page, /collections and /collections/{id} live with the catalog tree
  // (catalogs_handlers.cpp): they link catalogs and offer collection search.
  RegisterCatalogRoutes(router, api_options);
  RegisterAggregateRoutes(router, api_options);
  RegisterExtensionRoutes(router);
  RegisterExportRoutes(router, api_options);
}

}  // namespace stacfed::api
