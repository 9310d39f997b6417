#pragma once
// The one write path for STAC records (DESIGN.md): `stacfed load`, the crawler's sink and any
// later transaction endpoint all validate with PrepareItem/PrepareCollection and write with
// WriteItemBatch/UpsertCollection. Nothing else inserts into stacfed.items.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/pg/connection.hpp"

namespace stacfed::ingest {

// An item validated and converted to the columns of stacfed.items.
struct StagedItem {
  std::string collection;
  std::string id;
  std::string geometry_ewkb;      // little-endian EWKB; empty: null geometry
  int64_t datetime_us = 0;        // start of the item's time range (µs since the epoch)
  int64_t end_datetime_us = 0;
  std::string properties_json;
  std::string content_json;  // the item without "links" (bbox added when it was missing)
  std::string links_json;    // the item's links other than self/root/parent/collection; "" none
  int64_t content_hash = 0;
  int64_t origin = 0;  // caller's reference (e.g. line number), reported back on rejection
  // The digests of its facet values and the profile of its properties (property_profile.hpp).
  std::vector<int64_t> facets;
  std::string property_profile;
};

// A collection document split like an item: content without links, plus its extra links.
struct StagedCollection {
  std::string id;
  std::string content_json;
  std::string links_json;
  int64_t content_hash = 0;
};

// What validation holds every record to, so that PostgreSQL never refuses one it passed (a
// refusal costs the loader a search for the record in its batch). The README lists them.
//
// An id ends up in the primary key's btree, whose entries hold at most 2704 bytes (an item's
// with its collection id; PostgreSQL compresses long keys first, so what fits depends on the
// text): these lengths stay within that for any text.
inline constexpr size_t kMaxItemIdBytes = 1024;
inline constexpr size_t kMaxCollectionIdBytes = 256;
// Nesting of objects and arrays. PostgreSQL parses jsonb recursively up to its
// max_stack_depth: PostgreSQL 15 read 13,089 nested objects with the default 2 MB and 622
// with the smallest setting, 100 kB.
inline constexpr size_t kMaxJsonDepth = 512;

// The largest item or collection document (STACFED_MAX_ITEM_BYTES). At most 32 MiB: jsonb
// holds at most 256 MB, and properties grow up to six times when stored as jsonb ("[0,0,..."
// takes 12 bytes per 2-byte element).
inline constexpr size_t kDefaultMaxRecordBytes = 4 << 20;
inline constexpr size_t kMaxMaxRecordBytes = 32 << 20;

// STACFED_MAX_ITEM_BYTES, or kDefaultMaxRecordBytes when it is unset; an error that names the
// variable when it is not a number from 1024 to kMaxMaxRecordBytes.
absl::StatusOr<size_t> MaxRecordBytesFromEnv();
// InvalidArgument "the record is N bytes, more than STACFED_MAX_ITEM_BYTES (M)" when
// `bytes` > `max_bytes`.
absl::Status CheckRecordSize(size_t bytes, size_t max_bytes);

// Validates one Item document (type Feature). Errors are InvalidArgument with a reason a
// person can act on ("properties.datetime: '2020-01-01' is not an RFC 3339 date-time ...").
// The caller checks that the collection exists (KnownCollections).
absl::StatusOr<StagedItem> PrepareItem(std::string_view json);
// The same into `item`, every field of which is overwritten while its strings keep their
// storage: the loader recycles its items from batch to batch instead of allocating six
// strings per item. `padded`: at least kJsonPadding readable bytes (any values) follow
// `json`, so the parser reads it in place instead of copying it into a padded buffer.
inline constexpr size_t kJsonPadding = 64;  // simdjson's SIMDJSON_PADDING
absl::Status PrepareItemInto(std::string_view json, StagedItem& item, bool padded = false);
absl::StatusOr<StagedCollection> PrepareCollection(std::string_view json);

// The link relations the server writes itself from its public base URL (self, root, parent,
// collection, items): a record's own links of these kinds are not stored.
bool IsGeneratedRel(std::string_view rel);

enum class WriteMode {
  kUpsert,  // insert new, update changed, leave identical items untouched
  kInsert,  // insert new; an existing item is rejected ("already exists")
  kIgnore,  // insert new; existing items are silently kept as they are
};

// How WriteItemBatch learns which items of a batch exist already.
enum class ExistenceCheck {
  kLookUp,     // read the batch's keys from the table first
  kAssumeNew,  // COPY the batch straight in; if an item exists, the unique index stops the
               // COPY, the attempt is rolled back and the batch is written again with kLookUp
};

struct BatchResult {
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;           // upsert: identical content; ignore: already present;
                                   // also the superseded copies below
  int64_t superseded = 0;          // copies of a key replaced by a later one in the batch
  std::vector<int64_t> conflicts;  // insert mode: origins of items that already existed
  bool assumed_new_wrongly = false;  // kAssumeNew found existing items (and looked them up)
};

// Writes a batch in ONE transaction: all of it or nothing. `before_commit`, when given, runs
// inside that transaction (the crawler advances its checkpoint there). Items with the same
// (collection, id) inside one batch: the last one wins. The collections must exist.
// The result is the same with either ExistenceCheck; kAssumeNew saves a first load the look-up
// (one primary key probe per item, 6% of a bulk load) and costs a wasted COPY when wrong.
absl::StatusOr<BatchResult> WriteItemBatch(
    pg::Connection& conn, std::span<const StagedItem> items, WriteMode mode,
    const std::function<absl::Status(pg::Connection&)>& before_commit = nullptr,
    ExistenceCheck check = ExistenceCheck::kLookUp);

// Inserts or updates a collection and creates its items partition, in a short transaction of
// its own (never inside an item batch: see ensure_items_partition in sql/0001_core.sql).
// Returns true when something changed.
absl::StatusOr<bool> UpsertCollection(pg::Connection& conn, const StagedCollection& collection);

}  // namespace stacfed::ingest
