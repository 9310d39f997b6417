#pragma once
// What upsert_collection (sql/0001_core.sql) reads out of a collection document and casts,
// checked before it gets there: the first extent bbox (to double precision), the first
// interval's bounds (to timestamptz) and id, title, keywords and description (to a tsvector).
// PrepareCollection's share of holding records to what PostgreSQL stores. A bound that is a
// string PostgreSQL cannot read as a time is left to it: collections are written one at a
// time, and the rejection names it. (A file of its own: in staged_item.cpp the compiler
// inlined less into PrepareItemInto, which cost the loader 1.5% more instructions per item.)

#include <string_view>

#include "absl/status/status.h"
#include "simdjson.h"

namespace stacfed::ingest {

// `root` is the collection document `json`, parsed.
absl::Status CheckCollectionForDatabase(simdjson::dom::object root, std::string_view json);

}  // namespace stacfed::ingest
