// Set-based writes: a batch is COPYed into a temporary staging table and moved into
// stacfed.items with one INSERT ... ON CONFLICT, all inside one transaction.

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "libstac/base/hash.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/ingest/property_profile.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/model/datetime.hpp"
#include "libstac/pg/sqlstate.hpp"
#include "libstac/pg/text_array.hpp"

namespace stacfed::ingest {
namespace {

constexpr std::string_view kCreateStaging =
    "CREATE TEMP TABLE IF NOT EXISTS stacfed_staging ("
    " collection text, id text, geometry geometry, datetime timestamptz,"
    " end_datetime timestamptz, properties jsonb, content text, links text,"
    " content_hash bigint, facets bigint[], origin bigint) ON COMMIT DELETE ROWS";

constexpr std::string_view kCopyStaging =
    "COPY stacfed_staging (collection, id, geometry, datetime, end_datetime, properties,"
    " content, links, content_hash, facets, origin) FROM STDIN (FORMAT binary)";

constexpr std::string_view kColumns =
    "collection, id, geometry, datetime, end_datetime, properties, content, links, content_hash,"
    " facets";

// Upsert: rows whose content is unchanged are left alone (no new tuple, no WAL), so a
// re-load or re-harvest of the same data writes nothing.
const std::string kUpsert = StrCat(
    "WITH existing AS (SELECT s.collection, s.id FROM stacfed_staging s"
    " JOIN stacfed.items i ON i.collection = s.collection AND i.id = s.id),"
    " written AS (INSERT INTO stacfed.items AS i (", kColumns, ") SELECT ", kColumns,
    " FROM stacfed_staging ON CONFLICT (collection, id) DO UPDATE SET"
    " geometry = EXCLUDED.geometry, datetime = EXCLUDED.datetime,"
    " end_datetime = EXCLUDED.end_datetime, properties = EXCLUDED.properties,"
    " content = EXCLUDED.content, links = EXCLUDED.links, content_hash = EXCLUDED.content_hash,"
    " facets = EXCLUDED.facets, updated_at = now() WHERE i.content_hash <> EXCLUDED.content_hash"
    " RETURNING collection, id)"
    // Every CTE sees the snapshot from before the INSERT, so `existing` tells updates from
    // inserts (xmax, the usual trick, cannot be read through a partitioned table).
    " SELECT w.collection, count(*) FILTER (WHERE e.id IS NULL),"
    " count(*) FILTER (WHERE e.id IS NOT NULL)"
    " FROM written w LEFT JOIN existing e ON e.collection = w.collection AND e.id = w.id"
    " GROUP BY w.collection");

// Insert/ignore: returns the origins of staged rows that already existed (with a NULL
// collection), then the number of rows inserted per collection (with a NULL origin).
const std::string kInsertNew = StrCat(
    "WITH written AS (INSERT INTO stacfed.items (", kColumns, ") SELECT ", kColumns,
    " FROM stacfed_staging ON CONFLICT (collection, id) DO NOTHING RETURNING collection, id)"
    " SELECT s.origin, NULL::text, NULL::int8 FROM stacfed_staging s WHERE NOT EXISTS"
    " (SELECT 1 FROM written w WHERE w.collection = s.collection AND w.id = s.id)"
    " UNION ALL SELECT NULL, collection, count(*) FROM written GROUP BY collection");

// Rows go to PostgreSQL in COPY's binary format. In the text format the server scanned every
// byte of every 3 KB item for escapes, parsed datetimes from text and decoded the geometry from
// hex: about a fifth of its CPU in a bulk load. In binary each field is a length and its bytes,
// datetimes are integers and the geometry is its EWKB. (json and text fields are still the
// JSON text; jsonb is a version byte and the text, which the server parses into jsonb.)
class BinaryCopyWriter {
 public:
  explicit BinaryCopyWriter(std::string& out) : out_(out) {
    static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes, NUL included
    out_.append(kSignature, sizeof kSignature);
    AppendInt32(0);  // flags: no OIDs
    AppendInt32(0);  // header extension length
  }

  void BeginRow(int16_t fields) { AppendInt16(fields); }
  void Null() { AppendInt32(-1); }
  void Text(std::string_view value) {
    AppendInt32(static_cast<int32_t>(value.size()));
    out_.append(value);
  }
  // jsonb's binary input: format version 1, then the JSON text.
  void Jsonb(std::string_view json) {
    AppendInt32(static_cast<int32_t>(json.size() + 1));
    out_ += char{1};
    out_.append(json);
  }
  void Int64(int64_t value) {
    AppendInt32(8);
    AppendInt64(value);
  }
  // bigint[]'s binary input: dimensions, no-nulls flag, element type (int8), then the
  // dimension's length and lower bound and the elements, each with its length.
  void Int64Array(std::span<const int64_t> values) {
    constexpr int32_t kInt8Oid = 20;
    const int32_t dims = values.empty() ? 0 : 1;
    AppendInt32(static_cast<int32_t>(12 + 8 * dims + 12 * values.size()));
    AppendInt32(dims);
    AppendInt32(0);
    AppendInt32(kInt8Oid);
    if (dims == 0) return;
    AppendInt32(static_cast<int32_t>(values.size()));
    AppendInt32(1);
    for (int64_t value : values) Int64(value);
  }
  // timestamptz: microseconds since 2000-01-01 00:00:00 UTC.
  void Timestamp(int64_t unix_micros) {
    constexpr int64_t kPostgresEpochMicros = 946'684'800'000'000;
    Int64(unix_micros - kPostgresEpochMicros);
  }
  void Finish() { AppendInt16(-1); }

 private:
  // Network byte order, appended in one piece.
  template <typename Unsigned>
  void AppendBigEndian(Unsigned u) {
    char bytes[sizeof u];
    for (size_t i = 0; i < sizeof u; ++i) bytes[i] = static_cast<char>(u >> (8 * (sizeof u - 1 - i)));
    out_.append(bytes, sizeof bytes);
  }
  void AppendInt16(int16_t v) { AppendBigEndian(static_cast<uint16_t>(v)); }
  void AppendInt32(int32_t v) { AppendBigEndian(static_cast<uint32_t>(v)); }
  void AppendInt64(int64_t v) { AppendBigEndian(static_cast<uint64_t>(v)); }

  std::string& out_;
};

// The columns of kCopyItems / kCopyStaging, in their order.
void AppendCopyRow(BinaryCopyWriter& copy, const StagedItem& item, bool with_origin) {
  copy.BeginRow(with_origin ? 11 : 10);
  copy.Text(item.collection);
  copy.Text(item.id);
  // geometry's binary input is its EWKB.
  if (item.geometry_ewkb.empty()) {
    copy.Null();
  } else {
    copy.Text(item.geometry_ewkb);
  }
  copy.Timestamp(item.datetime_us);
  copy.Timestamp(item.end_datetime_us);
  copy.Jsonb(item.properties_json);
  copy.Text(item.content_json);
  if (item.links_json.empty()) {
    copy.Null();
  } else {
    copy.Text(item.links_json);
  }
  copy.Int64(item.content_hash);
  copy.Int64Array(item.facets);
  if (with_origin) copy.Int64(item.origin);
}

// (collection, id) hashed with XXH3: absl's hash of a string_view (std::_Hash_bytes in
// Debian's build, a byte at a time) was 2% of the loader's CPU in a bulk load.
struct KeyHash {
  size_t operator()(const std::pair<std::string_view, std::string_view>& key) const {
    return StableHash64(key.second, StableHash64(key.first));
  }
};

// (collection, id) -> value. An open-addressing table: a batch maps thousands of keys, and
// std::unordered_map allocated a node for each.
template <typename Value>
using KeyMap = absl::flat_hash_map<std::pair<std::string_view, std::string_view>, Value, KeyHash>;

std::string IdArray(std::span<const StagedItem> items, const std::vector<size_t>& rows) {
  pg::TextArrayBuilder ids;
  for (size_t row : rows) ids.Add(items[row].id);
  return std::move(ids).Finish();
}

// Rows go to the server in CopyData messages of about this size. PostgreSQL reads each message
// whole into one buffer: a batch sent as one 16 MB message made every backend allocate, fault
// in and zero 16 MB per batch (a sixth of the database's CPU in a bulk load), and the loader
// held every batch twice.
constexpr size_t kCopyMessageBytes = 256 * 1024;

absl::Status CopyRows(pg::Connection& conn, std::string_view copy_sql, bool with_origin,
                      std::span<const StagedItem> items, const std::vector<size_t>& rows) {
  STACFED_RETURN_IF_ERROR(conn.CopyBegin(copy_sql));
  std::string data;
  data.reserve(kCopyMessageBytes + 8192);
  BinaryCopyWriter copy(data);
  absl::Status put = absl::OkStatus();
  for (size_t row : rows) {
    AppendCopyRow(copy, items[row], with_origin);
    if (data.size() >= kCopyMessageBytes) {
      put = conn.CopyPut(data);
      if (!put.ok()) break;
      data.clear();
    }
  }
  if (put.ok()) {
    copy.Finish();
    put = conn.CopyPut(data);
  }
  absl::Status end = conn.CopyEnd();
  STACFED_RETURN_IF_ERROR(put);
  return end;
}

// One look-up per collection of the batch: with the collection a bound constant the planner
// prunes to its partition and probes the primary key once per id. A join against
// unnest(collections, ids) looked equivalent but was planned as a merge join over every
// partition's whole primary key, one full index scan per batch, so a load slowed down
// quadratically as the table grew.
constexpr std::string_view kExistingHashes =
    "SELECT id, content_hash FROM stacfed.items WHERE collection = $1 AND id = ANY($2::text[])";

constexpr std::string_view kCopyItems =
    "COPY stacfed.items (collection, id, geometry, datetime, end_datetime, properties, content,"
    " links, content_hash, facets) FROM STDIN (FORMAT binary)";

constexpr std::string_view kUpdateFromStaging =
    "UPDATE stacfed.items i SET geometry = s.geometry, datetime = s.datetime,"
    " end_datetime = s.end_datetime, properties = s.properties, content = s.content,"
    " links = s.links, content_hash = s.content_hash, facets = s.facets, updated_at = now()"
    " FROM stacfed_staging s WHERE i.collection = s.collection AND i.id = s.id"
    " AND i.content_hash <> s.content_hash";

// Widens the collection's item time bounds (sql/0006) to cover the batch. The WHERE clause
// makes it a no-op, without a row lock, once the bounds already cover the batch, which after
// the first batches of a collection is nearly always.
constexpr std::string_view kWidenTimeBounds =
    "UPDATE stacfed.collections SET items_min_datetime = least(items_min_datetime, $2::timestamptz),"
    " items_max_end_datetime = greatest(items_max_end_datetime, $3::timestamptz)"
    " WHERE id = $1 AND (items_min_datetime IS NULL OR items_min_datetime > $2::timestamptz"
    " OR items_max_end_datetime < $3::timestamptz)";

// Adds the items a batch inserted to their collections' counts (sql/0014), in the order of
// the collections' ids, so that writers of the same collections lock their rows in one order.
constexpr std::string_view kAddItemCount =
    "UPDATE stacfed.collections SET item_count = item_count + $2::int8 WHERE id = $1";

absl::Status AddItemCounts(pg::Connection& conn, const std::map<std::string, int64_t>& inserted) {
  for (const auto& [collection, count] : inserted) {
    if (count == 0) continue;
    STACFED_ASSIGN_OR_RETURN(auto added, conn.Query(kAddItemCount, {collection, StrCat(count)}));
    (void)added;
  }
  return absl::OkStatus();
}

// Per (collection, digest), how many items holding it a batch adds (or, negative, removes):
// the changes to stacfed.collection_facet_counts (sql/0016). Ordered, so that they are
// written, and their rows locked, in one order by every writer.
using FacetDelta = std::map<std::pair<std::string, int64_t>, int64_t>;

// An item's facets are distinct digests (property_profile.cpp sorts and dedupes them): each
// counts the item once.
void AddFacets(FacetDelta& delta, std::string_view collection, std::span<const int64_t> facets,
               int64_t sign) {
  for (int64_t digest : facets) delta[{std::string(collection), digest}] += sign;
}

// The digests of a bigint[] as PostgreSQL prints it, "{1,-2,3}" (NULL: none).
absl::StatusOr<std::vector<int64_t>> ParseDigests(std::string_view literal) {
  std::vector<int64_t> out;
  if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}') {
    return absl::InternalError(StrCat("unexpected facets array '", Excerpt(literal, 40), "'"));
  }
  literal = literal.substr(1, literal.size() - 2);
  while (!literal.empty()) {
    const size_t comma = literal.find(',');
    const std::string_view part = literal.substr(0, comma);
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc() || end != part.data() + part.size()) {
      return absl::InternalError(StrCat("unexpected facets array element '", Excerpt(part, 40), "'"));
    }
    out.push_back(value);
    if (comma == std::string_view::npos) break;
    literal.remove_prefix(comma + 1);
  }
  return out;
}

constexpr std::string_view kAddFacetCounts =
    "INSERT INTO stacfed.collection_facet_counts AS f (collection_id, digest, items)"
    " SELECT c, d, n FROM unnest($1::text[], $2::int8[], $3::int8[]) AS u(c, d, n)"
    " ORDER BY c, d"
    " ON CONFLICT (collection_id, digest) DO UPDATE SET items = f.items + EXCLUDED.items";

// Writes a batch's changes to the facet counts, in one statement, in (collection, digest)
// order. Called last in a batch's transaction (after the collections' rows it locks), so
// that no writer waits for a collection's row while holding a count's.
absl::Status ApplyFacetCounts(pg::Connection& conn, const FacetDelta& delta) {
  pg::TextArrayBuilder collections;
  std::string digests = "{", counts = "{";
  bool any = false;
  for (const auto& [key, n] : delta) {
    if (n == 0) continue;
    collections.Add(key.first);
    StrAppend(&digests, any ? "," : "", key.second);
    StrAppend(&counts, any ? "," : "", n);
    any = true;
  }
  if (!any) return absl::OkStatus();
  digests += '}';
  counts += '}';
  STACFED_ASSIGN_OR_RETURN(
      auto added, conn.Query(kAddFacetCounts, {std::move(collections).Finish(), digests, counts}));
  (void)added;
  return absl::OkStatus();
}

// The rows of stacfed_staging that an update changes (their content differs), locked, with
// their facets as stored: what their update removes from the facet counts.
constexpr std::string_view kLockChanged =
    "SELECT i.collection, i.id, i.facets::text FROM stacfed.items i"
    " JOIN stacfed_staging s ON i.collection = s.collection AND i.id = s.id"
    " WHERE i.content_hash <> s.content_hash FOR UPDATE OF i";

// Subtracts the facets of the locked rows about to be replaced and adds those of the items
// replacing them (`rows` of `items`, keyed by collection and id).
absl::Status CountReplaced(pg::Connection& conn, std::span<const StagedItem> items,
                           const std::vector<size_t>& rows, FacetDelta& delta) {
  STACFED_ASSIGN_OR_RETURN(auto locked, conn.Query(kLockChanged));
  KeyMap<size_t> by_key;
  by_key.reserve(rows.size());
  for (size_t row : rows) by_key[{items[row].collection, items[row].id}] = row;
  for (int r = 0; r < locked.Rows(); ++r) {
    auto it = by_key.find({locked.Get(r, 0), locked.Get(r, 1)});
    if (it == by_key.end()) continue;  // not staged by this batch (cannot happen)
    const StagedItem& item = items[it->second];
    if (!locked.IsNull(r, 2)) {
      STACFED_ASSIGN_OR_RETURN(std::vector<int64_t> old, ParseDigests(locked.Get(r, 2)));
      AddFacets(delta, item.collection, old, -1);
    }
    AddFacets(delta, item.collection, item.facets, +1);
  }
  return absl::OkStatus();
}

// Conflicts with every writer's ROW EXCLUSIVE lock and with itself, not with readers.
constexpr std::string_view kLockItemWrites =
    "LOCK TABLE stacfed.items IN SHARE ROW EXCLUSIVE MODE";

// The staged rows that exist, whether their content differs, and their facets as stored.
constexpr std::string_view kStagedExisting =
    "SELECT s.collection, s.id, i.content_hash <> s.content_hash, i.facets::text"
    " FROM stacfed_staging s JOIN stacfed.items i ON i.collection = s.collection AND i.id = s.id";

// The facet counts' changes of writing the staged `rows` with `mode` (no other writer runs):
// a new item adds its facets; an upsert that changes an item replaces the old ones.
absl::Status CountStaged(pg::Connection& conn, std::span<const StagedItem> items,
                         const std::vector<size_t>& rows, WriteMode mode, FacetDelta& delta) {
  STACFED_ASSIGN_OR_RETURN(auto existing, conn.Query(kStagedExisting));
  KeyMap<int> found;  // row of `existing`
  found.reserve(size_t(existing.Rows()));
  for (int r = 0; r < existing.Rows(); ++r) found[{existing.Get(r, 0), existing.Get(r, 1)}] = r;
  for (size_t row : rows) {
    const StagedItem& item = items[row];
    auto it = found.find({item.collection, item.id});
    if (it == found.end()) {
      AddFacets(delta, item.collection, item.facets, +1);
      continue;
    }
    const int r = it->second;
    if (mode != WriteMode::kUpsert || existing.Get(r, 2) != "t") continue;
    if (!existing.IsNull(r, 3)) {
      STACFED_ASSIGN_OR_RETURN(std::vector<int64_t> old, ParseDigests(existing.Get(r, 3)));
      AddFacets(delta, item.collection, old, -1);
    }
    AddFacets(delta, item.collection, item.facets, +1);
  }
  return absl::OkStatus();
}

absl::Status WidenTimeBounds(pg::Connection& conn, std::span<const StagedItem> items,
                             const std::vector<size_t>& rows) {
  struct Bounds {
    std::string_view collection;
    int64_t min_datetime_us;
    int64_t max_end_datetime_us;
  };
  std::vector<Bounds> bounds;
  for (size_t row : rows) {
    const StagedItem& item = items[row];
    auto it = std::find_if(bounds.begin(), bounds.end(),
                           [&](const Bounds& b) { return b.collection == item.collection; });
    if (it == bounds.end()) {
      bounds.push_back({item.collection, item.datetime_us, item.end_datetime_us});
    } else {
      it->min_datetime_us = std::min(it->min_datetime_us, item.datetime_us);
      it->max_end_datetime_us = std::max(it->max_end_datetime_us, item.end_datetime_us);
    }
  }
  for (const Bounds& b : bounds) {
    STACFED_ASSIGN_OR_RETURN(
        auto widened, conn.Query(kWidenTimeBounds, {std::string(b.collection),
                                                    FormatPgTimestamp(b.min_datetime_us),
                                                    FormatPgTimestamp(b.max_end_datetime_us)}));
    (void)widened;
  }
  return absl::OkStatus();
}

// The fast path: look up which items exist (and their hashes), COPY the new ones straight
// into stacfed.items, and update only the changed ones through the staging table. A first
// load is then a plain COPY. A concurrent writer inserting one of our new items between the
// look-up and the COPY makes the COPY fail with a unique violation; the caller then retries
// the batch on the slower ON CONFLICT path, so the race costs time, never data.
// With kAssumeNew there is no look-up: every item is fresh, and the unique index catches the
// ones that are not.
absl::StatusOr<BatchResult> WriteByLookup(
    pg::Connection& conn, std::span<const StagedItem> items, const std::vector<size_t>& rows,
    WriteMode mode, const std::function<absl::Status(pg::Connection&)>& before_commit,
    ExistenceCheck check) {
  BatchResult result;
  STACFED_ASSIGN_OR_RETURN(auto txn, pg::Transaction::Begin(conn));
  // Rows grouped by collection, in order of first appearance (a load is usually one run of
  // items per collection, so this is one group per batch).
  std::vector<std::pair<std::string_view, std::vector<size_t>>> by_collection;
  for (size_t row : rows) {
    const std::string& collection = items[row].collection;
    auto group = std::find_if(by_collection.begin(), by_collection.end(),
                              [&](const auto& g) { return g.first == collection; });
    if (group == by_collection.end()) {
      by_collection.emplace_back(collection, std::vector<size_t>{});
      group = by_collection.end() - 1;
    }
    group->second.push_back(row);
  }
  // The ids found, owned here: the map's keys point into them once they are all read.
  std::vector<std::string> existing_ids;
  std::vector<std::string_view> existing_collections;
  std::vector<int64_t> existing_hashes;
  for (const auto& [collection, group_rows] : by_collection) {
    if (check == ExistenceCheck::kAssumeNew) break;
    STACFED_ASSIGN_OR_RETURN(
        auto found, conn.Query(kExistingHashes, {std::string(collection),
                                                 IdArray(items, group_rows)}));
    for (int r = 0; r < found.Rows(); ++r) {
      existing_ids.emplace_back(found.Get(r, 0));
      existing_collections.push_back(collection);
      existing_hashes.push_back(std::stoll(std::string(found.Get(r, 1))));
    }
  }
  KeyMap<int64_t> existing;
  existing.reserve(existing_ids.size());
  for (size_t k = 0; k < existing_ids.size(); ++k) {
    existing[{existing_collections[k], existing_ids[k]}] = existing_hashes[k];
  }
  std::vector<size_t> fresh, changed;
  if (existing.empty()) {
    fresh = rows;  // nothing found (or nothing looked up): no key to hash
  } else {
    for (size_t row : rows) {
      const StagedItem& item = items[row];
      auto it = existing.find({item.collection, item.id});
      if (it == existing.end()) {
        fresh.push_back(row);
      } else if (mode == WriteMode::kInsert) {
        result.conflicts.push_back(item.origin);
      } else if (mode == WriteMode::kUpsert && it->second != item.content_hash) {
        changed.push_back(row);
      } else {
        ++result.unchanged;
      }
    }
  }
  FacetDelta facet_delta;
  if (!fresh.empty()) {
    STACFED_RETURN_IF_ERROR(CopyRows(conn, kCopyItems, false, items, fresh));
    for (size_t row : fresh) AddFacets(facet_delta, items[row].collection, items[row].facets, +1);
  }
  if (!changed.empty()) {
    STACFED_RETURN_IF_ERROR(conn.Execute(kCreateStaging));
    STACFED_RETURN_IF_ERROR(CopyRows(conn, kCopyStaging, true, items, changed));
    // Locked first, so that the update changes exactly the rows whose facets were read.
    STACFED_RETURN_IF_ERROR(CountReplaced(conn, items, changed, facet_delta));
    STACFED_ASSIGN_OR_RETURN(auto updated, conn.Query(kUpdateFromStaging));
    (void)updated;
  }
  result.inserted = int64_t(fresh.size());
  result.updated = int64_t(changed.size());
  std::map<std::string, int64_t> inserted;
  for (size_t row : fresh) ++inserted[items[row].collection];
  STACFED_RETURN_IF_ERROR(AddItemCounts(conn, inserted));
  if (!fresh.empty() || !changed.empty()) {
    std::vector<size_t> written = fresh;
    written.insert(written.end(), changed.begin(), changed.end());
    STACFED_RETURN_IF_ERROR(WidenTimeBounds(conn, items, written));
  }
  STACFED_RETURN_IF_ERROR(ApplyFacetCounts(conn, facet_delta));
  if (before_commit) STACFED_RETURN_IF_ERROR(before_commit(conn));
  STACFED_RETURN_IF_ERROR(txn.Commit());
  return result;
}

// The race-proof path: everything through the staging table and INSERT ... ON CONFLICT.
absl::StatusOr<BatchResult> WriteThroughStaging(
    pg::Connection& conn, std::span<const StagedItem> items, const std::vector<size_t>& rows,
    WriteMode mode, const std::function<absl::Status(pg::Connection&)>& before_commit) {
  BatchResult result;
  STACFED_RETURN_IF_ERROR(conn.Execute(kCreateStaging));
  STACFED_ASSIGN_OR_RETURN(auto txn, pg::Transaction::Begin(conn));
  // This path is taken when a concurrent writer raced this batch for its keys. Other writers
  // wait (readers do not) until it commits: which rows exist, and their facets, then cannot
  // change between the look-up below and the write, so the facet counts (and the item
  // counts) stay exact.
  STACFED_RETURN_IF_ERROR(conn.Execute(kLockItemWrites));
  STACFED_RETURN_IF_ERROR(CopyRows(conn, kCopyStaging, true, items, rows));
  const int64_t staged = static_cast<int64_t>(rows.size());
  std::map<std::string, int64_t> inserted;
  FacetDelta facet_delta;
  STACFED_RETURN_IF_ERROR(CountStaged(conn, items, rows, mode, facet_delta));
  if (mode == WriteMode::kUpsert) {
    STACFED_ASSIGN_OR_RETURN(auto counts, conn.Query(kUpsert));
    for (int r = 0; r < counts.Rows(); ++r) {
      const int64_t added = std::stoll(std::string(counts.Get(r, 1)));
      inserted[std::string(counts.Get(r, 0))] += added;
      result.inserted += added;
      result.updated += std::stoll(std::string(counts.Get(r, 2)));
    }
    result.unchanged += staged - result.inserted - result.updated;
  } else {
    STACFED_ASSIGN_OR_RETURN(auto written, conn.Query(kInsertNew));
    int64_t existing = 0;
    for (int r = 0; r < written.Rows(); ++r) {
      if (written.IsNull(r, 0)) {
        inserted[std::string(written.Get(r, 1))] += std::stoll(std::string(written.Get(r, 2)));
        continue;
      }
      ++existing;
      int64_t origin = std::stoll(std::string(written.Get(r, 0)));
      if (mode == WriteMode::kInsert) result.conflicts.push_back(origin);
    }
    result.inserted = staged - existing;
    if (mode == WriteMode::kIgnore) result.unchanged += existing;
  }
  STACFED_RETURN_IF_ERROR(AddItemCounts(conn, inserted));
  // Conservative: the rows that turned out unchanged or already present widen nothing that
  // is not already covered, or at worst widen the bounds a little more than needed.
  STACFED_RETURN_IF_ERROR(WidenTimeBounds(conn, items, rows));
  STACFED_RETURN_IF_ERROR(ApplyFacetCounts(conn, facet_delta));
  if (before_commit) STACFED_RETURN_IF_ERROR(before_commit(conn));
  STACFED_RETURN_IF_ERROR(txn.Commit());
  return result;
}

}  // namespace

absl::StatusOr<BatchResult> WriteItemBatch(
    pg::Connection& conn, std::span<const StagedItem> items, WriteMode mode,
    const std::function<absl::Status(pg::Connection&)>& before_commit, ExistenceCheck check) {
  // One statement cannot touch a row twice: the last copy of a key in the batch wins.
  // (One hash per item: hashing the keys was a few percent of a bulk load's loader CPU.)
  KeyMap<size_t> last;
  last.reserve(items.size());
  std::vector<bool> superseded_rows(items.size());
  int64_t superseded = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    auto [it, inserted] = last.try_emplace({items[i].collection, items[i].id}, i);
    if (!inserted) {
      superseded_rows[it->second] = true;
      it->second = i;
      ++superseded;
    }
  }
  std::vector<size_t> rows;
  rows.reserve(items.size() - size_t(superseded));
  for (size_t i = 0; i < items.size(); ++i) {
    if (!superseded_rows[i]) rows.push_back(i);
  }

  // The collections' property profiles first, in their own short statement: a superset of
  // what the batch writes is harmless if it then fails, and no row lock is held for the
  // batch's transaction.
  STACFED_RETURN_IF_ERROR(MergePropertyProfiles(conn, items, rows));
  auto result = WriteByLookup(conn, items, rows, mode, before_commit, check);
  bool assumed_new_wrongly = false;
  if (check == ExistenceCheck::kAssumeNew && !result.ok() &&
      pg::SqlStateOf(result.status()) == "23505") {
    assumed_new_wrongly = true;
    result = WriteByLookup(conn, items, rows, mode, before_commit, ExistenceCheck::kLookUp);
  }
  if (!result.ok() && pg::SqlStateOf(result.status()) == "23505") {
    result = WriteThroughStaging(conn, items, rows, mode, before_commit);
  }
  if (result.ok()) {
    result->unchanged += superseded;
    result->superseded = superseded;
    result->assumed_new_wrongly = assumed_new_wrongly;
  }
  return result;
}

absl::StatusOr<bool> UpsertCollection(pg::Connection& conn, const StagedCollection& collection) {
  STACFED_ASSIGN_OR_RETURN(
      auto changed,
      conn.Query("SELECT stacfed.upsert_collection($1::jsonb, $2::jsonb, $3::bigint)",
                 {collection.content_json,
                  collection.links_json.empty() ? std::string("[]") : collection.links_json,
                  std::to_string(collection.content_hash)}));
  return changed.Scalar() == "t";
}

}  // namespace stacfed::ingest
