// Set-based writes: a batch is COPYed into a temporary staging table and moved into
// stacfed.items with one INSERT ... ON CONFLICT, all inside one transaction.

#include <cstring>
#include <unordered_map>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/model/datetime.hpp"
#include "libstac/pg/sqlstate.hpp"

namespace stacfed::ingest {
namespace {

constexpr std::string_view kCreateStaging =
    "CREATE TEMP TABLE IF NOT EXISTS stacfed_staging ("
    " collection text, id text, geometry geometry, datetime timestamptz,"
    " end_datetime timestamptz, properties jsonb, content json, links json,"
    " content_hash bigint, origin bigint) ON COMMIT DELETE ROWS";

constexpr std::string_view kCopyStaging =
    "COPY stacfed_staging (collection, id, geometry, datetime, end_datetime, properties,"
    " content, links, content_hash, origin) FROM STDIN";

constexpr std::string_view kColumns =
    "collection, id, geometry, datetime, end_datetime, properties, content, links, content_hash";

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
    " updated_at = now() WHERE i.content_hash <> EXCLUDED.content_hash"
    " RETURNING collection, id)"
    // Every CTE sees the snapshot from before the INSERT, so `existing` tells updates from
    // inserts (xmax, the usual trick, cannot be read through a partitioned table).
    " SELECT count(*) FILTER (WHERE e.id IS NULL), count(*) FILTER (WHERE e.id IS NOT NULL)"
    " FROM written w LEFT JOIN existing e ON e.collection = w.collection AND e.id = w.id");

// Insert/ignore: returns the origins of staged rows that already existed.
const std::string kInsertNew = StrCat(
    "WITH written AS (INSERT INTO stacfed.items (", kColumns, ") SELECT ", kColumns,
    " FROM stacfed_staging ON CONFLICT (collection, id) DO NOTHING RETURNING collection, id)"
    " SELECT s.origin FROM stacfed_staging s WHERE NOT EXISTS"
    " (SELECT 1 FROM written w WHERE w.collection = s.collection AND w.id = s.id)");

// COPY text format: backslash, newline, carriage return and tab must be escaped. This runs
// over every byte of every item, so runs without those bytes are found with strcspn (SIMD in
// glibc) and copied whole. `value` is a std::string for its terminating NUL; JSON text never
// contains a raw NUL byte.
void AppendCopyField(std::string& out, const std::string& value) {
  const char* p = value.c_str();
  const char* end = p + value.size();
  while (p < end) {
    const size_t run = std::strcspn(p, "\\\n\r\t");
    out.append(p, run);
    p += run;
    if (p >= end) break;
    switch (*p) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += "\\t"; break;
    }
    ++p;
  }
}

void AppendCopyRow(std::string& out, const StagedItem& item, bool with_origin) {
  AppendCopyField(out, item.collection);
  out += '\t';
  AppendCopyField(out, item.id);
  out += '\t';
  if (item.geometry_ewkb_hex.empty()) {
    out += "\\N";
  } else {
    out += item.geometry_ewkb_hex;
  }
  out += '\t';
  out += FormatRfc3339(item.datetime_us);
  out += '\t';
  out += FormatRfc3339(item.end_datetime_us);
  out += '\t';
  AppendCopyField(out, item.properties_json);
  out += '\t';
  AppendCopyField(out, item.content_json);
  out += '\t';
  if (item.links_json.empty()) {
    out += "\\N";
  } else {
    AppendCopyField(out, item.links_json);
  }
  out += '\t';
  out += std::to_string(item.content_hash);
  if (with_origin) {
    out += '\t';
    out += std::to_string(item.origin);
  }
  out += '\n';
}

struct KeyHash {
  size_t operator()(const std::pair<std::string_view, std::string_view>& k) const {
    return std::hash<std::string_view>()(k.first) * 31 + std::hash<std::string_view>()(k.second);
  }
};
using KeyMap = std::unordered_map<std::pair<std::string_view, std::string_view>, int64_t, KeyHash>;

// A PostgreSQL array literal in text format: {"a","b\"c"}.
std::string TextArray(std::span<const StagedItem> items, const std::vector<size_t>& rows,
                      std::string StagedItem::*field) {
  std::string out = "{";
  for (size_t row : rows) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : items[row].*field) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

absl::Status CopyRows(pg::Connection& conn, std::string_view copy_sql, bool with_origin,
                      std::span<const StagedItem> items, const std::vector<size_t>& rows) {
  std::string data;
  data.reserve(rows.size() * 4096);
  for (size_t row : rows) AppendCopyRow(data, items[row], with_origin);
  STACFED_RETURN_IF_ERROR(conn.CopyBegin(copy_sql));
  absl::Status put = conn.CopyPut(data);
  absl::Status end = conn.CopyEnd();
  STACFED_RETURN_IF_ERROR(put);
  return end;
}

constexpr std::string_view kExistingHashes =
    "SELECT i.collection, i.id, i.content_hash FROM stacfed.items i"
    " JOIN unnest($1::text[], $2::text[]) AS k (collection, id)"
    " ON i.collection = k.collection AND i.id = k.id";

constexpr std::string_view kCopyItems =
    "COPY stacfed.items (collection, id, geometry, datetime, end_datetime, properties, content,"
    " links, content_hash) FROM STDIN";

constexpr std::string_view kUpdateFromStaging =
    "UPDATE stacfed.items i SET geometry = s.geometry, datetime = s.datetime,"
    " end_datetime = s.end_datetime, properties = s.properties, content = s.content,"
    " links = s.links, content_hash = s.content_hash, updated_at = now()"
    " FROM stacfed_staging s WHERE i.collection = s.collection AND i.id = s.id"
    " AND i.content_hash <> s.content_hash";

// The fast path: look up which items exist (and their hashes), COPY the new ones straight
// into stacfed.items, and update only the changed ones through the staging table. A first
// load is then a plain COPY. A concurrent writer inserting one of our new items between the
// look-up and the COPY makes the COPY fail with a unique violation; the caller then retries
// the batch on the slower ON CONFLICT path, so the race costs time, never data.
absl::StatusOr<BatchResult> WriteByLookup(
    pg::Connection& conn, std::span<const StagedItem> items, const std::vector<size_t>& rows,
    WriteMode mode, const std::function<absl::Status(pg::Connection&)>& before_commit) {
  BatchResult result;
  STACFED_ASSIGN_OR_RETURN(auto txn, pg::Transaction::Begin(conn));
  STACFED_ASSIGN_OR_RETURN(
      auto existing_rows,
      conn.Query(kExistingHashes, {TextArray(items, rows, &StagedItem::collection),
                                   TextArray(items, rows, &StagedItem::id)}));
  KeyMap existing;
  existing.reserve(existing_rows.Rows());
  for (int r = 0; r < existing_rows.Rows(); ++r) {
    existing[{existing_rows.Get(r, 0), existing_rows.Get(r, 1)}] =
        std::stoll(std::string(existing_rows.Get(r, 2)));
  }
  std::vector<size_t> fresh, changed;
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
  if (!fresh.empty()) STACFED_RETURN_IF_ERROR(CopyRows(conn, kCopyItems, false, items, fresh));
  if (!changed.empty()) {
    STACFED_RETURN_IF_ERROR(conn.Execute(kCreateStaging));
    STACFED_RETURN_IF_ERROR(CopyRows(conn, kCopyStaging, true, items, changed));
    STACFED_ASSIGN_OR_RETURN(auto updated, conn.Query(kUpdateFromStaging));
    (void)updated;
  }
  result.inserted = int64_t(fresh.size());
  result.updated = int64_t(changed.size());
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
  STACFED_RETURN_IF_ERROR(CopyRows(conn, kCopyStaging, true, items, rows));
  const int64_t staged = static_cast<int64_t>(rows.size());
  if (mode == WriteMode::kUpsert) {
    STACFED_ASSIGN_OR_RETURN(auto counts, conn.Query(kUpsert));
    result.inserted = std::stoll(std::string(counts.Get(0, 0)));
    result.updated = std::stoll(std::string(counts.Get(0, 1)));
    result.unchanged += staged - result.inserted - result.updated;
  } else {
    STACFED_ASSIGN_OR_RETURN(auto existing, conn.Query(kInsertNew));
    for (int r = 0; r < existing.Rows(); ++r) {
      int64_t origin = std::stoll(std::string(existing.Get(r, 0)));
      if (mode == WriteMode::kInsert) result.conflicts.push_back(origin);
    }
    result.inserted = staged - existing.Rows();
    if (mode == WriteMode::kIgnore) result.unchanged += existing.Rows();
  }
  if (before_commit) STACFED_RETURN_IF_ERROR(before_commit(conn));
  STACFED_RETURN_IF_ERROR(txn.Commit());
  return result;
}

}  // namespace

absl::StatusOr<BatchResult> WriteItemBatch(
    pg::Connection& conn, std::span<const StagedItem> items, WriteMode mode,
    const std::function<absl::Status(pg::Connection&)>& before_commit) {
  // One statement cannot touch a row twice: the last copy of a key in the batch wins.
  std::unordered_map<std::pair<std::string_view, std::string_view>, size_t, KeyHash> last;
  last.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) last[{items[i].collection, items[i].id}] = i;
  std::vector<size_t> rows;
  rows.reserve(last.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (last[{items[i].collection, items[i].id}] == i) rows.push_back(i);
  }
  const int64_t superseded = int64_t(items.size() - rows.size());

  auto result = WriteByLookup(conn, items, rows, mode, before_commit);
  if (!result.ok() && pg::SqlStateOf(result.status()) == "23505") {
    result = WriteThroughStaging(conn, items, rows, mode, before_commit);
  }
  if (result.ok()) result->unchanged += superseded;
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
