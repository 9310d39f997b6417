#pragma once
// Items written before sql/0012 have no facet digests and no property profile. `stacfed
// migrate` computes them with the write path's own code (property_profile.hpp), for each
// collection listed in stacfed.facets_backfill, and removes it from the list when done: a
// migrate that was interrupted goes on where it stopped.

#include <cstdint>

#include "absl/status/statusor.h"
#include "libstac/pg/connection.hpp"

namespace stacfed::ingest {

// The number of items updated.
absl::StatusOr<int64_t> BackfillFacets(pg::Connection& conn);

}  // namespace stacfed::ingest
