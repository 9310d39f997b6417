#include "server/api/aggregate_handlers.hpp"

#include <memory>
#include <string>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/api/catalogs_render.hpp"
#include "server/api/database.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/links.hpp"
#include "server/http/error_response.hpp"
#include "server/http/router.hpp"
#include "server/search/aggregate.hpp"
#include "server/search/params.hpp"

namespace stacfed::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
using search::Family;

// Where an aggregation runs, from the route: the root, a collection, a catalog or a collection
// inside a catalog's API.
enum class Where { kRoot, kCollection, kCatalog, kCatalogCollection };

bool HasCollection(Where where) {
  return where == Where::kCollection || where == Where::kCatalogCollection;
}

std::string CatalogOf(const Request& request, Where where) {
  const bool in_catalog = where == Where::kCatalog || where == Where::kCatalogCollection;
  return in_catalog ? request.path_params.at(0) : std::string();
}

std::string CollectionOf(const Request& request, Where where) {
  return HasCollection(where) ? request.path_params.back() : std::string();
}

search::SearchScope ScopeOf(const Request& request, Where where) {
  search::SearchScope scope;
  scope.path = std::string(std::string_view(request.target).substr(0, request.target.find('?')));
  scope.collection = CollectionOf(request, where);
  scope.catalog = CatalogOf(request, where);
  return scope;
}

// The URL of the scope's resource: the landing page, the collection or the catalog.
std::string ScopeUrl(const Request& request, Where where) {
  const LinkScope scope = LinkScope::Catalog(request.base_url, CatalogOf(request, where));
  if (HasCollection(where)) return CollectionUrl(scope.url, CollectionOf(request, where));
  return scope.scoped() ? scope.url : StrCat(request.base_url, "/");
}

// self, root and, in a collection or catalog, that resource.
std::string LinksOf(const Request& request, Where where) {
  std::string links;
  AppendLink(links, "self", kJson, StrCat(request.base_url, request.target));
  links += ',';
  AppendLink(links, "root", kJson, StrCat(request.base_url, "/"));
  if (where != Where::kRoot) {
    links += ',';
    AppendLink(links, HasCollection(where) ? "collection" : "parent", kJson,
               ScopeUrl(request, where));
  }
  return links;
}

awaitable<absl::StatusOr<Response>> Run(const Request& request, const ApiOptions& options,
                                        search::SearchRequest aggregation, Where where) {
  const Database db(request);
  const search::SearchScope scope = ScopeOf(request, where);
  if (where == Where::kCatalogCollection) {
    STACFED_CO_RETURN_IF_ERROR(
        co_await RequireInCatalog(db, options, scope.catalog, scope.collection));
  }
  STACFED_CO_ASSIGN_OR_RETURN(
      std::string body, co_await search::Aggregate(*options.service, db, std::move(aggregation),
                                                   scope, LinksOf(request, where)));
  co_return JsonResponse(std::move(body));
}

awaitable<absl::StatusOr<Response>> GetAggregate(const Request& request, const ApiOptions& options,
                                                 Where where) {
  // In a collection the path names it (as on its items); elsewhere `collections` narrows.
  const std::string path_collection = CollectionOf(request, where);
  STACFED_CO_ASSIGN_OR_RETURN(
      search::SearchRequest aggregation,
      search::ParseQuery(request.query_params, Family::kAggregate, path_collection));
  co_return co_await Run(request, options, std::move(aggregation), where);
}

awaitable<absl::StatusOr<Response>> PostAggregate(const Request& request,
                                                  const ApiOptions& options, Where where) {
  STACFED_CO_RETURN_IF_ERROR(RequireJsonBody(request));
  STACFED_CO_ASSIGN_OR_RETURN(search::ParsedBody parsed,
                              search::ParseBody(request.body, Family::kAggregate));
  if (HasCollection(where)) parsed.request.collections = {CollectionOf(request, where)};
  co_return co_await Run(request, options, std::move(parsed.request), where);
}

awaitable<absl::StatusOr<Response>> GetAggregations(const Request& request,
                                                    const ApiOptions& options, Where where) {
  if (!request.query_params.empty()) {
    co_return absl::InvalidArgumentError("aggregations take no parameters");
  }
  const Database db(request);
  const search::SearchScope scope = ScopeOf(request, where);
  if (where == Where::kCatalogCollection) {
    STACFED_CO_RETURN_IF_ERROR(
        co_await RequireInCatalog(db, options, scope.catalog, scope.collection));
  }
  STACFED_CO_ASSIGN_OR_RETURN(std::vector<search::AggregationDef> available,
                              co_await search::AggregationsOf(*options.service, db, scope));
  co_return JsonResponse(search::RenderAggregations(available, LinksOf(request, where)));
}

}  // namespace

void AppendAggregateLinks(std::string& out, std::string_view base) {
  out += ',';
  AppendLink(out, "aggregate", kJson, StrCat(base, "/aggregate"), "GET");
  out += ',';
  AppendLink(out, "aggregate", kJson, StrCat(base, "/aggregate"), "POST");
  out += ',';
  AppendLink(out, "aggregations", kJson, StrCat(base, "/aggregations"));
}

void RegisterAggregateRoutes(http::Router& router, const ApiOptions& api_options) {
  auto options = std::make_shared<const ApiOptions>(api_options);
  using http::Method;
  for (auto [where, prefix] : {std::pair{Where::kRoot, ""},
                               std::pair{Where::kCollection, "/collections/{collectionId}"},
                               std::pair{Where::kCatalog, "/catalogs/{catalogId}"},
                               std::pair{Where::kCatalogCollection,
                                         "/catalogs/{catalogId}/collections/{collectionId}"}}) {
    router.Add(Method::kGet, StrCat(prefix, "/aggregate"),
               Wrap([options, where](const Request& request) {
                 return GetAggregate(request, *options, where);
               }));
    router.Add(Method::kPost, StrCat(prefix, "/aggregate"),
               Wrap([options, where](const Request& request) {
                 return PostAggregate(request, *options, where);
               }));
    router.Add(Method::kGet, StrCat(prefix, "/aggregations"),
               Wrap([options, where](const Request& request) {
                 return GetAggregations(request, *options, where);
               }));
  }
}

}  // namespace stacfed::api
