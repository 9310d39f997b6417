#include "server/api/catalogs_handlers.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <set>

#include "absl/strings/numbers.h"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/model/facets.hpp"
#include "libstac/pg/text_array.hpp"
#include "libstac/pg/async_pool.hpp"
#include "server/api/catalogs_render.hpp"
#include "server/api/collection_search_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/landing.hpp"
#include "server/api/links.hpp"
#include "server/api/render.hpp"
#include "server/api/database.hpp"
#include "server/api/queryables_render.hpp"
#include "server/http/error_response.hpp"
#include "server/http/router.hpp"
#include "server/http/server_context.hpp"
#include "server/search/params.hpp"
#include "server/search/statements.hpp"

namespace stacfed::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;

using namespace search::statements;  // every statement of the server, in one place

// Item links per browse page: small enough for a quick page, large enough that a walk of a
// big collection is not mostly page documents.
constexpr int kBrowsePageSize = 1000;


std::string SelfHref(const Request& request) { return StrCat(request.base_url, request.target); }

std::string RawPath(const Request& request) {
  return std::string(std::string_view(request.target).substr(0, request.target.find('?')));
}

absl::Status CatalogNotFound(std::string_view id) {
  return absl::NotFoundError(StrCat("catalog '", id, "' does not exist"));
}

// Every statement of the catalog tree is cheap: small tables and indexed look-ups.
awaitable<absl::StatusOr<pg::Result>> Execute(const Request& request,
                                              const pg::Statement& statement,
                                              std::vector<pg::Param> params) {
  const Database db(request);
  co_return co_await db.Run(Cost::kCheap, statement, std::move(params));
}

// Per catalog of `rows` (at most `limit` of them), its items per site of the federation:
// the facet counts of `site:locations` (issue 18), two cheap statements.
awaitable<absl::StatusOr<SiteCounts>> CountItemsBySite(const Request& request,
                                                       const pg::Result& rows, int limit) {
  SiteCounts counts;
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result sites,
                              co_await Execute(request, kSiteIds, std::vector<pg::Param>()));
  if (sites.Rows() == 0 || rows.Rows() == 0) co_return counts;
  pg::TextArrayBuilder catalog_ids, site_ids, digests;
  for (int row = 0; row < std::min(rows.Rows(), limit); ++row) catalog_ids.Add(rows.Get(row, kCatId));
  for (int row = 0; row < sites.Rows(); ++row) {
    site_ids.Add(sites.Get(row, 0));
    digests.Add(std::to_string(FacetHash("site:locations", sites.Get(row, 0))));
  }
  std::vector<pg::Param> params;
  params.push_back(std::move(catalog_ids).Finish());
  params.push_back(std::move(site_ids).Finish());
  params.push_back(std::move(digests).Finish());
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result found,
                              co_await Execute(request, kCatalogSiteCounts, std::move(params)));
  for (int row = 0; row < found.Rows(); ++row) {
    std::string& json = counts[std::string(found.Get(row, 0))];
    json += json.empty() ? "{" : ",";
    AppendJsonString(json, found.Get(row, 1));
    StrAppend(&json, ":", found.Get(row, 2));
  }
  for (auto& [id, json] : counts) json += '}';
  co_return counts;
}

awaitable<absl::Status> RequireCatalog(const Request& request, const std::string& id) {
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result row,
                              co_await Execute(request, kCatalogExists, Params(id)));
  if (row.Rows() == 0) co_return CatalogNotFound(id);
  co_return absl::OkStatus();
}

pg::Param OptionalParam(const std::optional<std::string>& value) {
  return value ? pg::Param(*value) : pg::Param();
}
pg::Param OptionalMicros(const std::optional<DatetimeInterval>& interval, bool start) {
  if (!interval) return std::nullopt;
  const std::optional<Micros>& bound = start ? interval->start : interval->end;
  return bound ? pg::Param(StrCat(*bound)) : pg::Param();
}

awaitable<absl::StatusOr<Response>> GetLanding(const Request& request, const ApiOptions& options) {
  std::string child_links;
  if (http::ServerContext::Current().pool != nullptr) {
    STACFED_CO_ASSIGN_OR_RETURN(pg::Result catalogs,
                                co_await Execute(request, kTopLevelCatalogLinks, std::vector<pg::Param>()));
    STACFED_CO_ASSIGN_OR_RETURN(pg::Result collections,
                                co_await Execute(request, kOrphanCollectionLinks, std::vector<pg::Param>()));
    child_links = RootChildLinks(catalogs, collections, request.base_url);
  }
  co_return JsonResponse(RenderLanding(options.landing, request.base_url, child_links));
}

// /collections/{id} at the root, or /catalogs/{catalogId}/collections/{id} inside a catalog's
// API (404 when the collection is not below the catalog).
awaitable<absl::StatusOr<Response>> GetCollection(const Request& request,
                                                  const ApiOptions& options, bool in_catalog) {
  const std::string catalog = in_catalog ? request.path_params.at(0) : std::string();
  const std::string& id = request.path_params.back();
  const Database db(request);
  STACFED_CO_RETURN_IF_ERROR(co_await RequireInCatalog(db, options, catalog, id));
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result row, co_await Execute(request, kCollectionRowById, Params(id)));
  if (row.Rows() == 0) {
    co_return absl::NotFoundError(StrCat("collection '", id, "' does not exist"));
  }
  Response response = JsonResponse(RenderCollectionRow(
      row, 0, LinkScope::Catalog(request.base_url, catalog), SelfHref(request)));
  response.etag = true;
  co_return response;
}

awaitable<absl::StatusOr<Response>> GetBrowsePage(const Request& request,
                                                  const ApiOptions& options, bool in_catalog) {
  const std::string catalog = in_catalog ? request.path_params.at(0) : std::string();
  const std::string& collection = request.path_params.back();
  std::optional<std::string> after;
  for (const auto& [name, value] : request.query_params) {
    if (name != "token") {
      co_return absl::InvalidArgumentError(StrCat("unknown parameter '", name, "' (only token)"));
    }
    STACFED_CO_ASSIGN_OR_RETURN(after, DecodeCollectionsToken(value));
  }
  const Database db(request);
  STACFED_CO_RETURN_IF_ERROR(co_await RequireInCatalog(db, options, catalog, collection));
  STACFED_CO_ASSIGN_OR_RETURN(std::shared_ptr<const std::string> partition,
                              co_await options.service->PartitionOf(db, collection));
  const search::statements::OwnedStatement browse =
      search::statements::BrowseItems(partition ? *partition : search::kItemsTable);
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result rows,
      co_await Execute(request, browse.view(),
                       Params(collection, OptionalParam(after), StrCat(kBrowsePageSize + 1))));
  if (rows.Rows() == 0) {
    STACFED_CO_ASSIGN_OR_RETURN(pg::Result exists,
                                co_await Execute(request, kCollectionExists, Params(collection)));
    if (exists.Rows() == 0) {
      co_return absl::NotFoundError(StrCat("collection '", collection, "' does not exist"));
    }
  }
  co_return JsonResponse(RenderBrowsePage(rows, kBrowsePageSize,
                                          LinkScope::Catalog(request.base_url, catalog),
                                          collection, SelfHref(request)));
}

int PositionAt(const pg::Result& rows, int row, int column) {
  int position = 0;
  if (!absl::SimpleAtoi(ToAbsl(rows.Get(row, column)), &position)) return 0;
  return position;
}

// GET .../children: limit (default and most: ChildrenPage), token, type.
struct ChildrenPage {
  static constexpr int kDefaultLimit = 1000;
  static constexpr int kMaxLimit = 10000;
  int limit = kDefaultLimit;
  bool catalogs = true;     // type=Catalog or no type
  bool collections = true;  // type=Collection or no type
  // After this child (a catalog or a collection, at this position, with this id).
  std::optional<ChildrenCursor> after;
};

absl::StatusOr<ChildrenPage> ParseChildrenPage(const QueryParams& params) {
  ChildrenPage page;
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : params) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return absl::InvalidArgumentError(StrCat("parameter '", name, "' is given more than once"));
    }
    seen.push_back(name);
    if (name == "limit") {
      STACFED_ASSIGN_OR_RETURN(page.limit, ParseLimitText(value));
      page.limit = std::min(page.limit, ChildrenPage::kMaxLimit);
    } else if (name == "token") {
      STACFED_ASSIGN_OR_RETURN(page.after, DecodeChildrenCursor(value));
    } else if (name == "type") {
      if (value == "Catalog") {
        page.collections = false;
      } else if (value == "Collection") {
        page.catalogs = false;
      } else {
        return absl::InvalidArgumentError(
            StrCat("type: '", Excerpt(value, 100), "' is neither Catalog nor Collection"));
      }
    } else {
      return absl::InvalidArgumentError(StrCat("unknown parameter '", Excerpt(name, 100),
                                               "' for children (allowed: limit, token, type)"));
    }
  }
  return page;
}

// The keyset of one kind of child: after the cursor when it is of this kind, from the start
// when the cursor is of the kind listed before, nothing when it is of the kind listed after.
std::optional<std::vector<pg::Param>> KindParams(const ChildrenPage& page, bool catalogs,
                                                 const std::string& parent, int limit) {
  std::vector<pg::Param> params;
  params.push_back(parent.empty() ? pg::Param() : pg::Param(parent));
  if (page.after && page.after->catalog == catalogs) {
    params.push_back(StrCat(page.after->position));
    params.push_back(page.after->id);
  } else if (page.after && !catalogs && page.after->catalog) {
    params.push_back(pg::Param());
    params.push_back(pg::Param());
  } else if (page.after) {
    return std::nullopt;  // a collection cursor: the catalogs are behind
  } else {
    params.push_back(pg::Param());
    params.push_back(pg::Param());
  }
  params.push_back(StrCat(limit));
  return params;
}

// /children of the root (`catalog` empty) or of a catalog: its tree children, sub-catalogs
// first, keyset-paged.
awaitable<absl::StatusOr<Response>> GetChildren(const Request& request, bool in_catalog) {
  const std::string catalog = in_catalog ? request.path_params.at(0) : std::string();
  STACFED_CO_ASSIGN_OR_RETURN(ChildrenPage page, ParseChildrenPage(request.query_params));
  if (in_catalog) STACFED_CO_RETURN_IF_ERROR(co_await RequireCatalog(request, catalog));
  const pg::Statement& catalog_rows = in_catalog ? kTreeSubCatalogs : kTopLevelCatalogRows;
  const pg::Statement& collection_rows =
      in_catalog ? kTreeChildCollections : kOrphanCollectionRows;
  pg::Result catalogs;
  pg::Result collections;
  // One row more than the page, to know whether there is a next page.
  const int wanted = page.limit + 1;
  if (page.catalogs) {
    if (auto params = KindParams(page, true, catalog, wanted)) {
      STACFED_CO_ASSIGN_OR_RETURN(catalogs,
                                  co_await Execute(request, catalog_rows, std::move(*params)));
    }
  }
  if (page.collections && catalogs.Rows() < wanted) {
    if (auto params = KindParams(page, false, catalog, wanted - catalogs.Rows())) {
      STACFED_CO_ASSIGN_OR_RETURN(collections,
                                  co_await Execute(request, collection_rows, std::move(*params)));
    }
  }
  const LinkScope scope = LinkScope::Catalog(request.base_url, catalog);
  const std::string parent = in_catalog ? scope.url : StrCat(request.base_url, "/");
  std::string next;
  if (catalogs.Rows() + collections.Rows() > page.limit && page.limit > 0) {
    // The last child shown: a catalog when the page holds no collection.
    ChildrenCursor last;
    const int shown_catalogs = std::min(catalogs.Rows(), page.limit);
    if (shown_catalogs == page.limit) {
      last = {true, PositionAt(catalogs, shown_catalogs - 1, kCatPosition),
              std::string(catalogs.Get(shown_catalogs - 1, kCatId))};
    } else {
      const int row = page.limit - shown_catalogs - 1;
      last = {false, PositionAt(collections, row, kColRowPosition),
              std::string(collections.Get(row, kColRowId))};
    }
    next = StrCat(request.base_url, RawPath(request), "?",
                  QueryWithToken(request.query, EncodeChildrenCursor(last)));
  }
  // Catalog children are the catalogs' landing pages, per-site counts included.
  STACFED_CO_ASSIGN_OR_RETURN(SiteCounts site_counts,
                              co_await CountItemsBySite(request, catalogs, page.limit));
  co_return JsonResponse(RenderChildren(catalogs, collections, page.limit, scope,
                                        SelfHref(request), parent, next, &site_counts));
}

awaitable<absl::StatusOr<Response>> GetCatalogs(const Request& request) {
  STACFED_CO_ASSIGN_OR_RETURN(CatalogSearch search, ParseCatalogSearch(request.query_params));
  std::optional<std::string> bbox;
  if (search.bbox) bbox = BboxGeoJson(*search.bbox);
  std::vector<pg::Param> params;
  params.push_back(OptionalParam(search.after_id));
  params.push_back(OptionalParam(search.q));
  params.push_back(OptionalParam(search.country));
  params.push_back(OptionalParam(search.site));
  params.push_back(search.characterisation_filter);
  params.push_back(OptionalParam(bbox));
  params.push_back(OptionalMicros(search.datetime, true));
  params.push_back(OptionalMicros(search.datetime, false));
  params.push_back(StrCat(search.limit + 1));
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result rows, co_await Execute(request, kCatalogSearch, std::move(params)));
  STACFED_CO_ASSIGN_OR_RETURN(SiteCounts site_counts,
                              co_await CountItemsBySite(request, rows, search.limit));
  co_return JsonResponse(RenderCatalogList(rows, search.limit, request.base_url, SelfHref(request),
                                           "/catalogs", request.query, "", {}, &site_counts));
}

awaitable<absl::StatusOr<Response>> GetCatalog(const Request& request) {
  const std::string& id = request.path_params.at(0);
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result row, co_await Execute(request, kCatalogById, Params(id)));
  if (row.Rows() == 0) co_return CatalogNotFound(id);
  STACFED_CO_ASSIGN_OR_RETURN(SiteCounts site_counts, co_await CountItemsBySite(request, row, 1));
  Response response =
      JsonResponse(RenderCatalog(row, 0, request.base_url, SelfHref(request), &site_counts));
  response.etag = true;
  co_return response;
}

// /catalogs/{id}/catalogs: every sub-catalog (tree children or not), paged as /children.
awaitable<absl::StatusOr<Response>> GetSubCatalogs(const Request& request) {
  const std::string& id = request.path_params.at(0);
  STACFED_CO_ASSIGN_OR_RETURN(ChildrenPage page, ParseChildrenPage(request.query_params));
  if (!page.catalogs || !page.collections) {
    co_return absl::InvalidArgumentError(
        "type is a parameter of children, not of catalogs (allowed: limit, token)");
  }
  std::optional<std::vector<pg::Param>> params = KindParams(page, true, id, page.limit + 1);
  if (!params) co_return absl::InvalidArgumentError("token: not a token of this listing");
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result rows,
                              co_await Execute(request, kSubCatalogs, std::move(*params)));
  if (rows.Rows() == 0) STACFED_CO_RETURN_IF_ERROR(co_await RequireCatalog(request, id));
  std::string next;
  if (rows.Rows() > page.limit && page.limit > 0) {
    const int last = page.limit - 1;
    const ChildrenCursor cursor{true, PositionAt(rows, last, kCatPosition),
                                std::string(rows.Get(last, kCatId))};
    next = StrCat(request.base_url, RawPath(request), "?",
                  QueryWithToken(request.query, EncodeChildrenCursor(cursor)));
  }
  STACFED_CO_ASSIGN_OR_RETURN(SiteCounts site_counts,
                              co_await CountItemsBySite(request, rows, page.limit));
  co_return JsonResponse(RenderCatalogList(rows, page.limit, request.base_url, SelfHref(request),
                                           RawPath(request), request.query,
                                           CatalogUrl(request.base_url, id), next, &site_counts));
}

awaitable<absl::StatusOr<Response>> GetScopedConformance(const Request& request) {
  const std::string& id = request.path_params.at(0);
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result row, co_await Execute(request, kCatalogById, Params(id)));
  if (row.Rows() == 0) co_return CatalogNotFound(id);
  co_return JsonResponse(RenderConformance(IsWalkComplete(row, 0)));
}

search::SearchScope ScopeOf(const Request& request) {
  search::SearchScope scope;
  scope.path = RawPath(request);
  scope.catalog = request.path_params.at(0);
  return scope;
}

// A catalog's search: the search of its collections (and, among them, of those the request
// names). The collections below a catalog come from the search service, which reads them
// once per 5 s rather than once per scoped search.
awaitable<absl::StatusOr<Response>> GetScopedSearch(const Request& request,
                                                    const ApiOptions& options) {
  STACFED_CO_ASSIGN_OR_RETURN(
      SearchRequest search, search::ParseQuery(request.query_params, search::Family::kItemSearch));
  SearchOrigin origin = OriginOf(request, options);
  origin.catalog = request.path_params.at(0);
  co_return co_await SearchItems(request, std::move(search), std::move(origin), ScopeOf(request),
                                 options);
}

awaitable<absl::StatusOr<Response>> PostScopedSearch(const Request& request,
                                                     const ApiOptions& options) {
  STACFED_CO_RETURN_IF_ERROR(RequireJsonBody(request));
  STACFED_CO_ASSIGN_OR_RETURN(search::ParsedBody parsed,
                              search::ParseBody(request.body, search::Family::kItemSearch));
  SearchOrigin origin = OriginOf(request, options);
  origin.catalog = request.path_params.at(0);
  origin.post = true;
  origin.body_without_token = std::move(parsed.body_without_token);
  co_return co_await SearchItems(request, std::move(parsed.request), std::move(origin),
                                 ScopeOf(request), options);
}

// /catalogs/{id}/queryables or /catalogs/{id}/sortables: of the items below the catalog.
awaitable<absl::StatusOr<Response>> GetCatalogPropertySchema(const Request& request,
                                                             const ApiOptions& options,
                                                             PropertySchema schema) {
  const std::string& id = request.path_params.at(0);
  std::string no_parameters = schema == PropertySchema::kQueryables
                                  ? "queryables take no parameters"
                                  : "sortables take no parameters";
  STACFED_CO_RETURN_IF_ERROR(co_await OnlyClientSite(request, options, no_parameters));
  const Database db(request);
  STACFED_CO_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> collections,
                              co_await options.service->CatalogCollections(db, id));
  if (!collections) co_return CatalogNotFound(id);
  std::shared_ptr<const search::Queryables> queryables;
  if (collections->empty()) {
    queryables = std::make_shared<const search::Queryables>(search::Queryables::Builtin());
  } else {
    auto found = co_await options.service->QueryablesOf(db, *collections);
    if (!found.ok()) co_return found.status();
    queryables = std::move(*found);
  }
  co_return JsonResponse(RenderPropertySchema(schema, *queryables,
                                              StrCat(request.base_url, request.target),
                                              StrCat("the items of catalog ", id)),
                         kSchemaJson);
}

awaitable<absl::StatusOr<Response>> Ready(absl::StatusOr<Response> response) {
  co_return response;
}

}  // namespace

void RegisterCatalogRoutes(http::Router& router, const ApiOptions& api_options) {
  auto options = std::make_shared<const ApiOptions>(api_options);
  using http::Method;
  router.Add(Method::kGet, "/", Wrap([options](const Request& request) {
               return GetLanding(request, *options);
             }));
  for (const bool in_catalog : {false, true}) {
    const std::string prefix = in_catalog ? "/catalogs/{catalogId}" : "";
    router.Add(Method::kGet, StrCat(prefix, "/children"), Wrap([in_catalog](const Request& request) {
                 return GetChildren(request, in_catalog);
               }));
    router.Add(Method::kGet, StrCat(prefix, "/collections/{collectionId}"),
               Wrap([options, in_catalog](const Request& request) {
                 return GetCollection(request, *options, in_catalog);
               }));
    router.Add(Method::kGet, StrCat(prefix, "/collections/{collectionId}/browse"),
               Wrap([options, in_catalog](const Request& request) {
                 return GetBrowsePage(request, *options, in_catalog);
               }));
  }
  router.Add(Method::kGet, "/collections", Wrap([options](const Request& request) {
               return SearchCollections(request, *options, std::string());
             }));
  router.Add(Method::kGet, std::string(kCollectionQueryablesPath), Wrap([](const Request& request) {
               return Ready(CollectionPropertySchema(request, PropertySchema::kQueryables));
             }));
  router.Add(Method::kGet, std::string(kCollectionSortablesPath), Wrap([](const Request& request) {
               return Ready(CollectionPropertySchema(request, PropertySchema::kSortables));
             }));
  router.Add(Method::kGet, "/catalogs", Wrap(GetCatalogs));
  router.Add(Method::kGet, "/catalogs/{catalogId}", Wrap(GetCatalog));
  router.Add(Method::kGet, "/catalogs/{catalogId}/catalogs", Wrap(GetSubCatalogs));
  router.Add(Method::kGet, "/catalogs/{catalogId}/collections",
             Wrap([options](const Request& request) {
               return SearchCollections(request, *options, request.path_params.at(0));
             }));
  router.Add(Method::kGet, "/catalogs/{catalogId}/conformance", Wrap(GetScopedConformance));
  for (auto [schema, path] :
       {std::pair{PropertySchema::kQueryables, "/catalogs/{catalogId}/queryables"},
        std::pair{PropertySchema::kSortables, "/catalogs/{catalogId}/sortables"}}) {
    router.Add(Method::kGet, path, Wrap([options, schema](const Request& request) {
                 return GetCatalogPropertySchema(request, *options, schema);
               }));
  }
  router.Add(Method::kGet, "/catalogs/{catalogId}/search", Wrap([options](const Request& request) {
               return GetScopedSearch(request, *options);
             }));
  router.Add(Method::kPost, "/catalogs/{catalogId}/search",
             Wrap([options](const Request& request) { return PostScopedSearch(request, *options); }));
}

}  // namespace stacfed::api
