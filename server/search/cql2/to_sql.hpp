#pragma once
// A CQL2 filter as one SQL condition over stacfed.items, every value bound as a parameter
// (the builder numbers them), every property checked against the queryables.
//
// What a property reads: the item fields (id, collection, geometry, datetime as the start of
// the item's range, start_datetime, end_datetime) their columns; any other property its
// value in items.properties, typed as the queryables say (a number compares as a number,
// however the JSON wrote it; a value of another type is NULL and matches nothing). Temporal
// functions on `datetime` compare the item's whole range [datetime, end_datetime]. An
// equality or IN on a facet (libstac/model/facets.hpp) also names its digests, so the GIN
// index of items.facets finds the items (query.hpp decides at run time whether to use it).
//
// Errors are InvalidArgument: an unknown property names it and lists the queryables; a
// comparison of mismatched types says what was expected ("eo:cloud_cover is a number; it
// cannot be compared with the string '10'").

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/search/cql2/ast.hpp"
#include "server/search/query.hpp"
#include "server/search/queryables.hpp"

namespace stacfed::search::cql2 {

// A facet that must hold one of some strings (`name IN (...)`, `name = '...'`).
struct FacetValues {
  std::string name;
  std::vector<std::string> values;
};

struct Translation {
  std::string sql;
  // The facet digests every match holds one of, per set (the facet conditions reached from
  // the top through ANDs only): when there are any, the GIN index of items.facets alone
  // finds every match, and FacetStatistics estimates how many there are.
  std::vector<std::vector<int64_t>> index_digests;
  // The facets among them compared with strings: the collections whose items can hold
  // them are known (Queryables::CollectionsHolding).
  std::vector<FacetValues> index_values;
};

absl::StatusOr<Translation> ToSql(const Node& filter, const Queryables& queryables,
                                  QueryBuilder& builder);

}  // namespace stacfed::search::cql2
