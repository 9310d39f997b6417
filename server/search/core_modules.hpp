#pragma once
// The modules this server is built with (modules.hpp lists the enabled ones).

#include "server/search/modules.hpp"

namespace stacfed::search {

// STAC API core, collections, OGC API Features and item search (ids, collections, bbox,
// intersects, datetime, limit, token).
const Module& CoreSearchModule();
// The catalog tree: Multi-Tenant Catalogs, Children and Browseable (conformance only).
const Module& ChildrenBrowseableModule();
// The Fields extension (fields) on item search and items: which members of each item are
// returned (fields_module.cpp, fields.hpp).
const Module& FieldsModule();
// Copies ranked for the client's site (client_site) on item search and items
// (client_site_module.cpp, client_site.hpp).
const Module& ClientSiteModule();
// CQL2 filter (filter, filter-lang, filter-crs) on item search and items (filter_module.cpp).
const Module& FilterModule();
// The Query extension (query) on item search and items, as CQL2 (query_module.cpp).
const Module& QueryModule();
// The Sort extension (sortby) on item search and items (sort_module.cpp).
const Module& SortByModule();
// The Free-Text extension (q) on item search and items, with relevance ranking
// (free_text_module.cpp).
const Module& FreeTextModule();
// The Aggregation extension (aggregations and its options) on /aggregate (aggregate.cpp).
const Module& AggregationModule();

}  // namespace stacfed::search
