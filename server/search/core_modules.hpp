#pragma once
// The modules this server is built with (modules.hpp lists the enabled ones).

#include "server/search/modules.hpp"

namespace stacfed::search {

// STAC API core, collections, OGC API Features and item search (ids, collections, bbox,
// intersects, datetime, limit, token).
const Module& CoreSearchModule();
// The catalog tree's children and browseable classes (conformance only).
const Module& ChildrenBrowseableModule();
// CQL2 filter (filter, filter-lang, filter-crs) on item search and items (filter_module.cpp).
const Module& FilterModule();
// The Query extension (query) on item search and items, as CQL2 (query_module.cpp).
const Module& QueryModule();
// The Sort extension (sortby) on item search and items (sort_module.cpp).
const Module& SortByModule();
// The Aggregation extension (aggregations and its options) on /aggregate (aggregate.cpp).
const Module& AggregationModule();

}  // namespace stacfed::search
