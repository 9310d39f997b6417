#pragma once
// What an export is asked: any GET parameter of an item search (the search layer's table,
// server/search/params.hpp) and `client_site`; and the links that offer a search's export
// (every /search response carries them).
//
// `client_site` is read here, not by the search layer, and taken out before the search's
// parameters are parsed: the ranking module (issue 18, a module of the search layer) owns the
// parameter for searches; whether or not it is merged, the export passes the site to
// ChooseCopy (copy.hpp) itself. `token` is ignored (an export covers every match) and so is
// `limit` (the export pages on its own); `sortby` orders the rows.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/search/request.hpp"

namespace stacfed::exports {

inline constexpr std::string_view kClientSiteParameter = "client_site";
// The link types of the two exports. intake-esm catalogs have no registered media type: this
// one names the profile of the JSON (the ESM collection spec) in the vendor tree, with the
// +json suffix that tells clients it is JSON (RFC 6839).
inline constexpr std::string_view kIntakeEsmType = "application/vnd.intake-esm+json";
inline constexpr std::string_view kPythonType = "text/x-python";

struct ExportRequest {
  search::SearchRequest search;
  std::string client_site;             // "" when none
  search::QueryParams search_params;  // as given, without client_site and token
};

// InvalidArgument naming the parameter for anything the search layer refuses, and for a
// client_site that is not a site id (1-64 letters, digits, '.', '_' or '-').
absl::StatusOr<ExportRequest> ParseExportQuery(const search::QueryParams& params);

// The query string (encoded) that asks for the same search by GET as a POST body does, for
// the export links of a POST search; nullopt when a member has no GET form (an array value
// holding commas, an object other than filter, query, intersects or fields).
std::optional<std::string> QueryFromBody(std::string_view body_without_token);

// Appends `,` and the two export links of a search: `export_url` is where the export
// endpoints are ("<base>/export" or "<base>/catalogs/<id>/export"), `query` the search's
// encoded query string ("" for none).
void AppendExportLinks(std::string& out, std::string_view export_url, std::string_view query);

}  // namespace stacfed::exports
