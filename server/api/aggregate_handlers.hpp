#pragma once
// The Aggregation extension's endpoints (server/search/aggregate.hpp): /aggregate (GET and
// POST) and /aggregations at the root, of a collection (/collections/{id}/...) and of a
// catalog (/catalogs/{id}/...).

#include "server/api/handlers.hpp"

namespace stacfed::api {

void RegisterAggregateRoutes(http::Router& router, const ApiOptions& options);

// Appends the links of a landing page, a collection or a catalog to its aggregation
// endpoints under `base` (its URL): rel "aggregate" (GET and POST) and "aggregations", each
// after a comma.
void AppendAggregateLinks(std::string& out, std::string_view base);

}  // namespace stacfed::api
