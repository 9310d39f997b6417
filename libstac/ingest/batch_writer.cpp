// Set-based writes: a batch is COPYed into a temporary staging table and moved into
// stacfed.items with one INSERT ... ON CONFLICT, all inside one transaction.

#include <unordered_map>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/model/datetime.hpp"

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

// COPY text format: backslash, newline, carriage return and tab must be escaped.
void AppendCopyField(std::string& out, std::string_view value) {
  size_t start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    const char* escape = nullptr;
    switch (c) {
      case '\\': escape = "\\\\"; break;
      case '\n': escape = "\\n"; break;
      case '\r': escape = "\\r"; break;
      case '\t': escape = "\\t"; break;
      default: continue;
    }
    out.append(value.data() + start, i - start);
    out.append(escape);
    start = i + 1;
  }
  out.append(value.data() + start, value.size() - start);
}

void AppendCopyRow(std::string& out, const StagedItem& item) {
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
  out += '\t';
  out += std::to_string(item.origin);
  out += '\n';
}

struct KeyHash {
  size_t operator()(const std::pair<std::string_view, std::string_view>& k) const {
    return std::hash<std::string_view>()(k.first) * 31 + std::hash<std::string_view>()(k.second);
  }
};

}  // namespace

absl::StatusOr<BatchResult> WriteItemBatch(
    pg::Connection& conn, std::span<const StagedItem> items, WriteMode mode,
    const std::function<absl::Status(pg::Connection&)>& before_commit) {
  BatchResult result;
  // ON CONFLICT cannot touch one row twice in a statement: the last copy of a key wins.
  std::unordered_map<std::pair<std::string_view, std::string_view>, size_t, KeyHash> last;
  last.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) last[{items[i].collection, items[i].id}] = i;

  std::string copy_data;
  copy_data.reserve(items.size() * 2048);
  for (size_t i = 0; i < items.size(); ++i) {
    if (last[{items[i].collection, items[i].id}] != i) {
      ++result.unchanged;  // superseded by a later copy in the same batch
      continue;
    }
    AppendCopyRow(copy_data, items[i]);
  }

  STACFED_RETURN_IF_ERROR(conn.Execute(kCreateStaging));
  STACFED_ASSIGN_OR_RETURN(auto txn, pg::Transaction::Begin(conn));
  STACFED_RETURN_IF_ERROR(conn.CopyBegin(kCopyStaging));
  absl::Status copied = conn.CopyPut(copy_data);
  absl::Status ended = conn.CopyEnd();
  STACFED_RETURN_IF_ERROR(copied);
  STACFED_RETURN_IF_ERROR(ended);
  const int64_t staged = static_cast<int64_t>(last.size());
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
