#include "server/api/collection_search_handlers.hpp"

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/api/catalogs_render.hpp"
#include "server/api/database.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/handlers.hpp"
#include "server/api/links.hpp"
#include "server/api/render.hpp"
#include "server/search/collection_search.hpp"
#include "server/search/fields.hpp"
#include "server/search/params.hpp"
#include "server/search/statements.hpp"

namespace stacfed::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;

// The page: collections in display order (a prev page is fetched backwards), then the links
// and the counts. `counted` is the exact count of a first page.
std::string RenderPage(const SearchRequest& request, const pg::Result& rows,
                       const std::vector<int>& token_columns, std::optional<int64_t> counted,
                       const SearchOrigin& origin, std::string_view parent_href) {
  const LinkScope scope = LinkScope::Catalog(origin.base_url, origin.catalog);
  const int fetched = rows.Rows();
  const int shown = std::min(fetched, request.limit);
  const bool more = fetched > request.limit;
  const bool backwards =
      request.token && request.token->direction == PageToken::Direction::kPrev;
  std::optional<int64_t> matched = counted;
  if (request.token) matched = request.token->matched;

  std::optional<search::FieldsFilter> fields;
  if (request.fields) fields.emplace(*request.fields, search::CollectionDefaultFields());
  std::string out;
  out.reserve(2048 * size_t(shown + 1));
  out += R"({"collections":[)";
  for (int i = 0; i < shown; ++i) {
    const int row = backwards ? shown - 1 - i : i;
    if (i > 0) out += ',';
    const std::string collection = RenderCollectionRow(
        rows, row, scope, CollectionUrl(scope.url, rows.Get(row, kColRowId)));
    if (fields) {
      fields->Append(collection, out);
    } else {
      out += collection;
    }
  }
  out += R"(],"links":[)";
  AppendLink(out, "self", kJson,
             origin.raw_query.empty() ? StrCat(origin.base_url, origin.path)
                                      : StrCat(origin.base_url, origin.path, "?", origin.raw_query));
  out += ',';
  AppendLink(out, "root", kJson, StrCat(origin.base_url, "/"));
  if (!parent_href.empty()) {
    out += ',';
    AppendLink(out, "parent", kJson, parent_href);
  }
  out += ',';
  AppendLink(out, kQueryablesRel, kSchemaJson,
             StrCat(origin.base_url, kCollectionQueryablesPath));
  out += ',';
  AppendLink(out, kSortablesRel, kSchemaJson, StrCat(origin.base_url, kCollectionSortablesPath));
  if (shown > 0) {
    const int first = backwards ? shown - 1 : 0;
    const int last = backwards ? 0 : shown - 1;
    if (backwards || more) {
      out += ',';
      AppendPageLink(out, "next",
                     TokenForRow(rows, last, token_columns, PageToken::Direction::kNext, matched,
                                 origin),
                     origin, kJson);
    }
    if (backwards ? more : request.token.has_value()) {
      out += ',';
      AppendPageLink(out, "prev",
                     TokenForRow(rows, first, token_columns, PageToken::Direction::kPrev, matched,
                                 origin),
                     origin, kJson);
    }
  }
  out += ']';
  if (matched) StrAppend(&out, R"(,"numberMatched":)", *matched);
  StrAppend(&out, R"(,"numberReturned":)", shown, "}");
  return out;
}

}  // namespace

awaitable<absl::StatusOr<Response>> SearchCollections(const Request& http_request,
                                                      const ApiOptions& options,
                                                      std::string catalog) {
  STACFED_CO_ASSIGN_OR_RETURN(
      SearchRequest request,
      search::ParseQuery(http_request.query_params, search::Family::kCollections));
  const bool limit_given =
      std::any_of(http_request.query_params.begin(), http_request.query_params.end(),
                  [](const auto& param) { return param.first == "limit"; });
  if (!limit_given) request.limit = kDefaultCollectionsLimit;
  if (request.client_site) {
    // Taken (pystac-client sends it with every request) and checked, but collections are
    // written as stored.
    const Database db(http_request);
    STACFED_CO_RETURN_IF_ERROR(co_await RequireKnownSite(db, options, *request.client_site));
  }

  SearchOrigin origin;
  origin.base_url = http_request.base_url;
  origin.path = std::string(std::string_view(http_request.target)
                                .substr(0, http_request.target.find('?')));
  origin.raw_query = http_request.query;
  origin.catalog = catalog;
  origin.signer = &options.service->signer();
  origin.fingerprint = search::SearchFingerprint(request, origin.path);
  STACFED_CO_RETURN_IF_ERROR(
      search::ResolveToken(request, origin.fingerprint, options.service->signer()));
  STACFED_CO_ASSIGN_OR_RETURN(search::CollectionSearchQuery query,
                              search::BuildCollectionSearch(request, catalog));

  const Database db(http_request);
  // A CQL2 filter may test every collection at length; the rest is cheap at any size the
  // collections table reaches.
  const Cost cost = request.filter ? Cost::kExpensive : Cost::kCheap;
  const pg::Statement page{query.page.name, query.page.sql, query.page.plan};
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result rows,
                              co_await db.Run(cost, page, std::move(query.params)));
  std::string parent_href;
  if (!catalog.empty()) {
    parent_href = CatalogUrl(http_request.base_url, catalog);
    if (rows.Rows() == 0) {
      STACFED_CO_ASSIGN_OR_RETURN(
          pg::Result exists,
          co_await db.Run(Cost::kCheap, search::statements::kCatalogExists, Params(catalog)));
      if (exists.Rows() == 0) {
        co_return absl::NotFoundError(StrCat("catalog '", catalog, "' does not exist"));
      }
    }
  }
  std::optional<int64_t> counted;
  if (query.matched_column >= 0) {
    int64_t value = 0;
    if (rows.Rows() == 0) {
      counted = 0;
    } else if (absl::SimpleAtoi(ToAbsl(rows.Get(0, query.matched_column)), &value)) {
      counted = value;
    }
  }
  co_return JsonResponse(
      RenderPage(request, rows, query.token_columns, counted, origin, parent_href));
}

absl::StatusOr<Response> CollectionPropertySchema(const Request& request, PropertySchema schema) {
  if (!request.query_params.empty()) {
    return absl::InvalidArgumentError(
        schema == PropertySchema::kQueryables ? "queryables take no parameters"
                                              : "sortables take no parameters");
  }
  return JsonResponse(RenderPropertySchema(schema, search::CollectionQueryables(),
                                           StrCat(request.base_url, request.target),
                                           "collection search (collection fields; any other "
                                           "name is a summary)"),
                      kSchemaJson);
}

}  // namespace stacfed::api
