#pragma once
// A search exported for analysis tools (server/export):
//
//   GET /export/intake-esm.json?<search>   the ESM collection JSON (intake-esm); its
//                                          catalog_file is the CSV below, same parameters
//   GET /export/intake-esm.csv?<search>    the CSV: one row per data asset of every match,
//                                          streamed page by page (chunked), memory flat
//   GET /export/xarray.py?<search>         a Python program opening the matches with xarray
//   GET /catalogs/{id}/export/...          the same for the search scoped to a catalog
//
// <search>: any GET parameter of /search, and client_site (export_request.hpp). The
// intake-esm exports count the matches first: more than STACFED_EXPORT_MAX_ITEMS (default
// 1,000,000) answer 400 naming the limit. GET only: a POST search links its exports with its
// body translated into GET parameters (render.hpp, SearchOrigin::export_url).

#include "server/api/handlers.hpp"

namespace stacfed::api {

void RegisterExportRoutes(http::Router& router, const ApiOptions& options);

}  // namespace stacfed::api
