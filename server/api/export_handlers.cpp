#include "server/api/export_handlers.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libstac/base/log.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/api/database.hpp"
#include "server/api/handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/links.hpp"
#include "server/api/render.hpp"
#include "server/export/export_request.hpp"
#include "server/export/intake_esm.hpp"
#include "server/export/xarray_snippet.hpp"
#include "server/http/body_stream.hpp"
#include "server/http/error_response.hpp"
#include "server/http/router.hpp"
#include "server/search/query.hpp"

namespace stacfed::api {
namespace {

using boost::asio::awaitable;
using exports::ExportRequest;
using http::Request;
using http::Response;

// Items per page of the export's walk: a page of the cheap lane (server/search/service.hpp,
// kCheapMaxLimit) whose rows (about 3 KB of JSON each) and CSV stay within a few MB.
constexpr int kExportPageItems = 1000;

// Where an export runs: at the root, or in a catalog's own API.
struct ExportTarget {
  search::SearchScope scope;  // of the search it runs: /search or /catalogs/{id}/search
  std::string api_url;        // the root ("<base>/") or the catalog's URL
  std::string export_url;     // "<base>/export" or "<catalog URL>/export"
  std::string search_url;     // the search it runs
};

ExportTarget TargetOf(const Request& request, bool in_catalog) {
  ExportTarget target;
  if (in_catalog) {
    const std::string& catalog = request.path_params.at(0);
    const std::string catalog_url = CatalogUrl(request.base_url, catalog);
    target.scope.catalog = catalog;
    target.scope.path = StrCat(catalog_url.substr(request.base_url.size()), "/search");
    target.api_url = catalog_url;
    target.export_url = StrCat(catalog_url, "/export");
    target.search_url = StrCat(catalog_url, "/search");
  } else {
    target.scope.path = "/search";
    target.api_url = StrCat(request.base_url, "/");
    target.export_url = StrCat(request.base_url, "/export");
    target.search_url = StrCat(request.base_url, "/search");
  }
  return target;
}

std::string QuerySuffix(const Request& request) {
  const std::string query = QueryWithoutToken(request.query);
  return query.empty() ? std::string() : StrCat("?", query);
}

// An unknown client_site is a 400 listing the known sites, as on the item endpoints.
awaitable<absl::Status> CheckClientSite(const Database& db, const ApiOptions& options,
                                        std::string site) {
  if (site.empty()) co_return absl::OkStatus();
  co_return co_await RequireKnownSite(db, options, std::move(site));
}

// 400 when more items match than an export may cover; else how many match.
awaitable<absl::StatusOr<int64_t>> CountWithinLimit(const Database& db, const ApiOptions& options,
                                                    search::SearchRequest search,
                                                    search::SearchScope scope) {
  const int64_t limit = options.export_max_items;
  STACFED_CO_ASSIGN_OR_RETURN(std::optional<int64_t> matched,
                              co_await options.service->CountUpTo(db, std::move(search), scope,
                                                                  limit));
  if (matched && *matched <= limit) co_return *matched;
  co_return absl::InvalidArgumentError(StrCat(
      matched ? StrCat(*matched) : StrCat("more than ", limit), " items match; the export limit is ",
      limit, " (STACFED_EXPORT_MAX_ITEMS): narrow the search (collections, bbox, datetime, "
      "filter) or export it in parts"));
}

// The CSV columns of a search: from the queryables of the collections it covers.
awaitable<absl::StatusOr<exports::Columns>> ColumnsOf(const Database& db,
                                                      const ApiOptions& options,
                                                      std::vector<std::string> collections,
                                                      std::string catalog) {
  if (!catalog.empty()) {
    STACFED_CO_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> in_catalog,
                                co_await options.service->CatalogCollections(db, catalog));
    if (!in_catalog) co_return absl::NotFoundError(StrCat("catalog '", catalog, "' does not exist"));
    collections = search::RestrictToScope(collections, *in_catalog);
  }
  STACFED_CO_ASSIGN_OR_RETURN(std::shared_ptr<const search::Queryables> queryables,
                              co_await options.service->QueryablesOf(db, collections));
  co_return exports::ColumnsFor(*queryables);
}

awaitable<absl::StatusOr<Response>> GetIntakeEsmJson(const Request& request,
                                                     const ApiOptions& options, bool in_catalog) {
  STACFED_CO_ASSIGN_OR_RETURN(ExportRequest parsed, exports::ParseExportQuery(request.query_params));
  const ExportTarget target = TargetOf(request, in_catalog);
  const Database db(request);
  STACFED_CO_RETURN_IF_ERROR(co_await CheckClientSite(db, options, parsed.client_site));
  STACFED_CO_ASSIGN_OR_RETURN(const int64_t matched,
                              co_await CountWithinLimit(db, options, parsed.search, target.scope));
  STACFED_CO_ASSIGN_OR_RETURN(
      exports::Columns columns,
      co_await ColumnsOf(db, options, parsed.search.collections, target.scope.catalog));
  exports::EsmCollectionInfo info;
  info.id = in_catalog ? StrCat("stacfed-", target.scope.catalog, "-search") : "stacfed-search";
  info.title = StrCat("A search of ", target.api_url);
  info.description = StrCat(
      "The ", matched, " items of the search ", target.search_url, QuerySuffix(request),
      ", one row per data asset",
      parsed.client_site.empty() ? std::string()
                                 : StrCat(", from the copies chosen for site ", parsed.client_site),
      ". Exported by stacfed.");
  info.catalog_file = StrCat(target.export_url, "/intake-esm.csv", QuerySuffix(request));
  co_return JsonResponse(exports::RenderEsmCollection(columns, info));
}

// The CSV, one page of items per chunk: the search walked with keyset tokens of its own
// (never a signed one: they stay inside this stream).
class CsvStream : public http::BodyStream {
 public:
  CsvStream(const Request& request, std::shared_ptr<const ApiOptions> options,
            search::SearchRequest search, search::SearchScope scope, exports::Columns columns,
            std::string client_site)
      : db_(request),
        options_(std::move(options)),
        search_(std::move(search)),
        scope_(std::move(scope)),
        writer_(std::move(columns), std::move(client_site)) {
    search_.limit = kExportPageItems;
    search_.token_text.reset();
    search_.token.reset();
    search_.fields.reset();
  }

  awaitable<absl::StatusOr<bool>> Next(std::string& chunk) override {
    if (done_) co_return false;
    chunk.clear();
    if (!header_written_) {
      writer_.AppendHeader(chunk);
      header_written_ = true;
    }
    STACFED_CO_ASSIGN_OR_RETURN(search::SearchResult page,
                                co_await options_->service->Search(db_, search_, scope_, false));
    const int fetched = page.rows.Rows();
    const int shown = std::min(fetched, search_.limit);
    for (int row = 0; row < shown; ++row) {
      STACFED_CO_ASSIGN_OR_RETURN(
          const int rows,
          writer_.AppendItem(chunk, page.rows.Get(row, search::kColCollection),
                             page.rows.Get(row, search::kColId),
                             page.rows.Get(row, search::kColContent)));
      rows_ += rows;
    }
    items_ += shown;
    if (fetched > search_.limit) {
      search_.token = NextToken(page, shown - 1);
    } else {
      done_ = true;
      log::Debug("intake-esm export: ", items_, " items, ", rows_, " rows");
    }
    co_return true;
  }

 private:
  static search::PageToken NextToken(const search::SearchResult& page, int last) {
    search::PageToken token;
    token.direction = search::PageToken::Direction::kNext;
    for (int column : page.token_columns) {
      if (page.rows.IsNull(last, column)) {
        token.keys.emplace_back();
      } else {
        token.keys.emplace_back(std::string(page.rows.Get(last, column)));
      }
    }
    token.search = page.fingerprint;
    // The page read one row more than it returned: the row after `last`.
    token.past_ties = PastTies(LeadOf(page.rows, last, page.token_columns),
                               LeadOf(page.rows, last + 1, page.token_columns));
    return token;
  }

  const Database db_;
  std::shared_ptr<const ApiOptions> options_;
  search::SearchRequest search_;
  search::SearchScope scope_;
  exports::CsvWriter writer_;
  bool header_written_ = false;
  bool done_ = false;
  int64_t items_ = 0;
  int64_t rows_ = 0;
};

awaitable<absl::StatusOr<Response>> GetIntakeEsmCsv(const Request& request,
                                                    std::shared_ptr<const ApiOptions> options,
                                                    bool in_catalog) {
  STACFED_CO_ASSIGN_OR_RETURN(ExportRequest parsed, exports::ParseExportQuery(request.query_params));
  const ExportTarget target = TargetOf(request, in_catalog);
  const Database db(request);
  STACFED_CO_RETURN_IF_ERROR(co_await CheckClientSite(db, *options, parsed.client_site));
  STACFED_CO_RETURN_IF_ERROR(
      (co_await CountWithinLimit(db, *options, parsed.search, target.scope)).status());
  STACFED_CO_ASSIGN_OR_RETURN(
      exports::Columns columns,
      co_await ColumnsOf(db, *options, parsed.search.collections, target.scope.catalog));
  Response response;
  response.content_type = "text/csv; charset=utf-8; header=present";
  response.stream =
      std::make_shared<CsvStream>(request, std::move(options), std::move(parsed.search),
                                  target.scope, std::move(columns), std::move(parsed.client_site));
  co_return response;
}

awaitable<absl::StatusOr<Response>> GetXarraySnippet(const Request& request,
                                                     const ApiOptions& options, bool in_catalog) {
  STACFED_CO_ASSIGN_OR_RETURN(ExportRequest parsed, exports::ParseExportQuery(request.query_params));
  const ExportTarget target = TargetOf(request, in_catalog);
  {
    const Database db(request);
    STACFED_CO_RETURN_IF_ERROR(co_await CheckClientSite(db, options, parsed.client_site));
  }
  if (in_catalog) {
    const Database db(request);
    STACFED_CO_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> in_scope,
                                co_await options.service->CatalogCollections(db, target.scope.catalog));
    if (!in_scope) {
      co_return absl::NotFoundError(
          StrCat("catalog '", target.scope.catalog, "' does not exist"));
    }
  }
  exports::SnippetInput input;
  input.root_url = target.api_url;
  input.source_url = StrCat(request.base_url, request.target);
  input.parameters = std::move(parsed.search_params);
  input.client_site = std::move(parsed.client_site);
  Response response;
  response.content_type = "text/x-python; charset=utf-8";
  response.body = exports::RenderXarraySnippet(input);
  co_return response;
}

}  // namespace

void RegisterExportRoutes(http::Router& router, const ApiOptions& api_options) {
  auto options = std::make_shared<const ApiOptions>(api_options);
  using http::Method;
  for (const bool in_catalog : {false, true}) {
    const std::string prefix = in_catalog ? "/catalogs/{catalogId}/export" : "/export";
    router.Add(Method::kGet, StrCat(prefix, "/intake-esm.json"),
               Wrap([options, in_catalog](const Request& request) {
                 return GetIntakeEsmJson(request, *options, in_catalog);
               }));
    router.Add(Method::kGet, StrCat(prefix, "/intake-esm.csv"),
               Wrap([options, in_catalog](const Request& request) {
                 return GetIntakeEsmCsv(request, options, in_catalog);
               }));
    router.Add(Method::kGet, StrCat(prefix, "/xarray.py"),
               Wrap([options, in_catalog](const Request& request) {
                 return GetXarraySnippet(request, *options, in_catalog);
               }));
  }
}

}  // namespace stacfed::api
