#include "crawler/sink/db_sink.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "crawler/sink/merge.hpp"
#include "libstac/base/log.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/federation/apply.hpp"
#include "libstac/model/datetime.hpp"
#include "libstac/pg/text_array.hpp"

namespace stacfed::crawler {
namespace {

std::string TypeName(SourceType type) { return type == SourceType::kStatic ? "static" : "stac-api"; }

// A list bound as one text[] parameter (libstac/pg/text_array.hpp says why not json).
std::string TextArray(const std::vector<const std::string*>& values) {
  pg::TextArrayBuilder array;
  for (const std::string* value : values) array.Add(*value);
  return std::move(array).Finish();
}

// Statements of the merge of several sources (sql/0022).

// The other sources' versions of some items of a collection, with their priorities. A NULL
// version is the item's stored document (its only source so far): content and links.
constexpr char kOtherVersions[] =
    "SELECT s.item_id, s.source_id, coalesce(h.priority, 0), coalesce(h.position, 2147483647),"
    " s.content IS NULL, coalesce(s.content, i.content::text), i.links::text"
    " FROM stacfed.item_sources s"
    " LEFT JOIN stacfed.harvest_sources h ON h.source_id = s.source_id"
    " LEFT JOIN stacfed.items i ON s.content IS NULL AND i.collection = s.collection"
    "  AND i.id = s.item_id"
    " WHERE s.collection = $1 AND s.item_id = ANY($2::text[]) AND s.source_id <> $3";

// Whether another source has harvested or offers the collection.
constexpr char kSharedCollection[] =
    "SELECT EXISTS (SELECT 1 FROM stacfed.harvest_checkpoints WHERE collection_id = $1"
    " AND source_id <> $2) OR EXISTS (SELECT 1 FROM stacfed.collection_sources"
    " WHERE collection_id = $1 AND source_id <> $2)";

// Items this source listed that its (complete) walk did not meet and that another source
// still lists: they are merged again without this source.
constexpr char kLeftToOthers[] =
    "SELECT u.item_id FROM ("
    "  SELECT o.item_id FROM stacfed.item_sources o WHERE o.collection = $1 AND o.source_id = $2"
    "  EXCEPT SELECT s.item_id FROM stacfed.harvest_seen s WHERE s.walk_id = $3) u"
    " WHERE EXISTS (SELECT 1 FROM stacfed.item_sources r WHERE r.collection = $1"
    "  AND r.item_id = u.item_id AND r.source_id <> $2)"
    " ORDER BY 1";

// This source lists these items, as the item's only source (its version is the stored item).
constexpr char kListedAlone[] =
    "INSERT INTO stacfed.item_sources AS s (collection, item_id, source_id)"
    " SELECT DISTINCT $1, unnest($2::text[]), $3"
    " ON CONFLICT (collection, item_id, source_id) DO UPDATE SET content = NULL"
    " WHERE s.content IS NOT NULL";

// Versions of merged items (collection, item ids, source ids, contents; NULL content: the
// only source left). An item twice in a page: its last version counts, as in the write.
constexpr char kPutVersions[] =
    "INSERT INTO stacfed.item_sources AS s (collection, item_id, source_id, content)"
    " SELECT DISTINCT ON (v.i, v.s) $1, v.i, v.s, v.c"
    " FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS v(i, s, c, n)"
    " ORDER BY v.i, v.s, v.n DESC"
    " ON CONFLICT (collection, item_id, source_id) DO UPDATE SET content = EXCLUDED.content"
    " WHERE s.content IS DISTINCT FROM EXCLUDED.content";

constexpr char kDropVersions[] =
    "DELETE FROM stacfed.item_sources WHERE collection = $1 AND source_id = $3"
    " AND item_id = ANY($2::text[])";

constexpr char kPutCollectionVersion[] =
    "INSERT INTO stacfed.collection_sources AS v (collection_id, source_id, content)"
    " VALUES ($1, $2, $3::jsonb) ON CONFLICT (collection_id, source_id) DO UPDATE"
    " SET content = EXCLUDED.content WHERE v.content IS DISTINCT FROM EXCLUDED.content";

constexpr char kCollectionVersions[] =
    "SELECT v.source_id, v.content::text FROM stacfed.collection_sources v"
    " LEFT JOIN stacfed.harvest_sources h ON h.source_id = v.source_id"
    " WHERE v.collection_id = $1"
    " ORDER BY coalesce(h.priority, 0) DESC, coalesce(h.position, 2147483647), v.source_id";

// An item document from its stored parts: content without links, plus the extra links.
std::string WithLinks(std::string_view content, std::string_view links) {
  std::string document(content);
  while (!document.empty() && document.back() != '}') document.pop_back();
  if (links.empty() || document.size() < 2) return document;
  document.pop_back();
  const bool empty = document.find_last_not_of(" \t\r\n") == document.find('{');
  document += empty ? "\"links\":" : ",\"links\":";
  document += links;
  document += '}';
  return document;
}

// One source's version of an item, ordered for the merge.
struct Version {
  std::string source_id;
  int priority = 0;
  int position = 0;
  std::string text;
  bool was_alone = false;  // its row held no content: it was the item's only source
};

bool Before(const Version& a, const Version& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.position != b.position) return a.position < b.position;
  return a.source_id < b.source_id;
}

// The other sources' versions of `ids`, by item id.
absl::StatusOr<std::map<std::string, std::vector<Version>, std::less<>>> OtherVersions(
    pg::Connection& conn, const std::string& collection_id, const std::string& ids,
    const std::string& source_id) {
  std::map<std::string, std::vector<Version>, std::less<>> versions;
  STACFED_ASSIGN_OR_RETURN(pg::Result rows,
                           conn.Query(kOtherVersions, {collection_id, ids, source_id}));
  for (int row = 0; row < rows.Rows(); ++row) {
    if (rows.IsNull(row, 5)) continue;  // listed, but its stored item is gone
    Version version;
    version.source_id = std::string(rows.Get(row, 1));
    version.priority = std::stoi(std::string(rows.Get(row, 2)));
    version.position = std::stoi(std::string(rows.Get(row, 3)));
    version.was_alone = rows.Get(row, 4) == "t";
    version.text = version.was_alone ? WithLinks(rows.Get(row, 5), rows.Get(row, 6))
                                     : std::string(rows.Get(row, 5));
    versions[std::string(rows.Get(row, 0))].push_back(std::move(version));
  }
  return versions;
}

// The served item of `versions` (sorted here): the one version itself, or their merge.
absl::StatusOr<MergedItem> Served(std::vector<Version>& versions) {
  std::sort(versions.begin(), versions.end(), Before);
  std::vector<SourceVersion> parts;
  for (const Version& version : versions) parts.push_back({version.source_id, version.text});
  return MergeItem(parts);
}

// Rows for kPutVersions.
struct VersionRows {
  pg::TextArrayBuilder ids, sources, contents;
  bool empty = true;
  void Add(std::string_view id, std::string_view source, const std::string* content) {
    ids.Add(id);
    sources.Add(source);
    content ? contents.Add(*content) : contents.AddNull();
    empty = false;
  }
};

// ESGF's version marks of written items: retracted or superseded items are marked (and
// stay served), the others lose a mark they had. Returns how many marks were set or changed.
absl::StatusOr<int64_t> ApplyVersionMarks(pg::Connection& conn, const std::string& collection_id,
                                          const std::string& source_id,
                                          const std::vector<const std::string*>& retracted,
                                          const std::vector<const std::string*>& superseded,
                                          const std::vector<const std::string*>& plain) {
  int64_t changed = 0;
  for (const auto& [reason, list] : {std::pair{"retracted", &retracted}, std::pair{"superseded", &superseded}}) {
    if (list->empty()) continue;
    STACFED_ASSIGN_OR_RETURN(
        pg::Result marked,
        conn.Query("INSERT INTO stacfed.withdrawn_items AS w (collection_id, item_id, source_id, reason)"
                   " SELECT $1, unnest($2::text[]), $3, $4"
                   " ON CONFLICT (collection_id, item_id) DO UPDATE SET reason = EXCLUDED.reason,"
                   " withdrawn_at = now() WHERE w.reason IS DISTINCT FROM EXCLUDED.reason RETURNING 1",
                   {collection_id, TextArray(*list), source_id, std::string(reason)}));
    changed += marked.Rows();
  }
  if (!plain.empty()) {
    STACFED_RETURN_IF_ERROR(
        conn.Query("DELETE FROM stacfed.withdrawn_items WHERE collection_id = $1"
                   " AND item_id = ANY($2::text[])",
                   {collection_id, TextArray(plain)})
            .status());
  }
  return changed;
}

// Files a written item under its reason list.
void ListByReason(const std::string& reason, const std::string* id,
                  std::vector<const std::string*>& retracted,
                  std::vector<const std::string*>& superseded,
                  std::vector<const std::string*>& plain) {
  if (reason == "retracted") {
    retracted.push_back(id);
  } else if (reason == "superseded") {
    superseded.push_back(id);
  } else {
    plain.push_back(id);
  }
}

}  // namespace

struct DbSink::PageVersions {
  pg::TextArrayBuilder alone;  // items no other source lists
  bool any_alone = false;
  VersionRows merged;  // every source's version of the merged items
};

absl::StatusOr<DbSink> DbSink::Open(const std::string& database_url, const SourceSpec& source) {
  // The records' size limit: a bad value fails the harvest before anything is walked.
  STACFED_RETURN_IF_ERROR(ingest::MaxRecordBytesFromEnv().status());
  STACFED_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(database_url));
  if (!source.catalog_id.empty()) {
    STACFED_ASSIGN_OR_RETURN(
        pg::Result catalog,
        conn.Query("SELECT count(*) FROM stacfed.catalogs WHERE id = $1", {source.catalog_id}));
    if (catalog.Scalar() == "0") {
      return absl::NotFoundError(StrCat("catalog '", source.catalog_id,
                                        "' does not exist (apply the federation file first)"));
    }
  }
  // A harvest that was just killed leaves its lock until its backend notices the closed
  // connection: allow a short grace period before calling the source busy.
  bool locked = false;
  for (int attempt = 0; attempt < 20 && !locked; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    STACFED_ASSIGN_OR_RETURN(
        pg::Result result,
        conn.Query("SELECT pg_try_advisory_lock(hashtextextended('stacfed.harvest:' || $1, 0))",
                   {source.id}));
    locked = result.Scalar() == "t";
  }
  if (!locked) {
    return absl::FailedPreconditionError(
        StrCat("another harvest of source '", source.id, "' is running"));
  }
  // Each batch commits its checkpoint with its items, so a commit lost in a server crash
  // is lost whole and the next run simply repeats it: waiting for the WAL flush of every
  // batch buys nothing here and costs most of a harvest's time on a busy disk.
  STACFED_RETURN_IF_ERROR(conn.Execute("SET synchronous_commit = off"));
  STACFED_RETURN_IF_ERROR(
      conn.Query("INSERT INTO stacfed.harvest_sources (source_id, catalog_id, url, kind,"
                 " last_started_at, priority, position)"
                 " VALUES ($1, NULLIF($2, ''), $3, $4, now(), $5, $6)"
                 " ON CONFLICT (source_id) DO UPDATE SET catalog_id = EXCLUDED.catalog_id,"
                 " url = EXCLUDED.url, kind = EXCLUDED.kind, last_started_at = now(),"
                 " priority = EXCLUDED.priority, position = EXCLUDED.position",
                 {source.id, source.catalog_id, source.url, TypeName(source.type),
                  std::to_string(source.priority), std::to_string(source.position)})
          .status());
  return DbSink(std::move(conn), source);
}

absl::StatusOr<std::string> DbSink::PutCollection(const std::string& json,
                                                  const std::string& source_url,
                                                  const std::vector<std::string>& changes) {
  // Held to STACFED_MAX_ITEM_BYTES like a loaded collection (Open has checked the value).
  const absl::Status fits = ingest::CheckRecordSize(
      json.size(), ingest::MaxRecordBytesFromEnv().value_or(ingest::kDefaultMaxRecordBytes));
  auto staged = fits.ok() ? ingest::PrepareCollection(json)
                          : absl::StatusOr<ingest::StagedCollection>(fits);
  if (!staged.ok()) {
    Quarantine(source_url, "", "", StrCat("collection: ", staged.status().message()), json);
    return staged.status();
  }
  STACFED_ASSIGN_OR_RETURN(ingest::StagedCollection served, ServedCollection(*staged, json));
  STACFED_ASSIGN_OR_RETURN(bool changed, ingest::UpsertCollection(conn_, served));
  if (changed) ++counters_.collections_changed;
  STACFED_RETURN_IF_ERROR(RecordCollectionChanges(staged->id, changes));
  return staged->id;
}

absl::StatusOr<ingest::StagedCollection> DbSink::ServedCollection(ingest::StagedCollection own,
                                                                  const std::string& json) {
  STACFED_RETURN_IF_ERROR(
      conn_.Query(kPutCollectionVersion, {own.id, source_.id, json}).status());
  STACFED_ASSIGN_OR_RETURN(pg::Result rows, conn_.Query(kCollectionVersions, {own.id}));
  if (rows.Rows() < 2) return own;
  std::vector<SourceVersion> versions;
  for (int row = 0; row < rows.Rows(); ++row) {
    const std::string_view source_id = rows.Get(row, 0);
    // This source's version as received, not as jsonb wrote it back.
    versions.push_back({source_id, source_id == source_.id ? std::string_view(json) : rows.Get(row, 1)});
  }
  STACFED_ASSIGN_OR_RETURN(std::string merged, MergeCollection(versions));
  return ingest::PrepareCollection(merged);
}

absl::Status DbSink::RecordCollectionChanges(const std::string& collection_id,
                                             const std::vector<std::string>& changes) {
  if (changes.empty()) {
    return conn_.Query("DELETE FROM stacfed.harvest_normalisations"
                       " WHERE collection_id = $1 AND item_id = '' AND source_id = $2",
                       {collection_id, source_.id})
        .status();
  }
  std::string list = "[";
  for (const std::string& change : changes) {
    if (list.size() > 1) list += ',';
    AppendJsonString(list, change);
  }
  list += ']';
  return conn_.Query("INSERT INTO stacfed.harvest_normalisations AS n"
                     " (collection_id, item_id, source_id, changes) VALUES ($1, '', $2, $3::jsonb)"
                     " ON CONFLICT (collection_id, item_id, source_id) DO UPDATE SET changes = EXCLUDED.changes,"
                     " source_id = EXCLUDED.source_id, recorded_at = now()"
                     " WHERE n.changes IS DISTINCT FROM EXCLUDED.changes",
                     {collection_id, source_.id, list})
      .status();
}

absl::Status DbSink::RecordUpstreamRoot(const std::string& root_json) {
  return conn_.Query("UPDATE stacfed.harvest_sources SET upstream_root = $2::jsonb"
                     " WHERE source_id = $1 AND upstream_root IS DISTINCT FROM $2::jsonb",
                     {source_.id, root_json})
      .status();
}

absl::StatusOr<WalkState> DbSink::BeginWalk(const std::string& collection_id) {
  STACFED_ASSIGN_OR_RETURN(
      pg::Result existing,
      conn_.Query("SELECT walk_id, next_request::text, items,"
                  " coalesce(to_char(cursor AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), ''),"
                  " coalesce(extract(epoch FROM now() - completed_at)::bigint, -1),"
                  " coalesce(to_char(datetime_cursor AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')"
                  " FROM stacfed.harvest_checkpoints WHERE source_id = $1 AND collection_id = $2",
                  {source_.id, collection_id}));
  std::string cursor, datetime_cursor;
  int64_t full_walk_age_s = -1;
  if (existing.Rows() == 1) {
    cursor = std::string(existing.Get(0, 3));
    full_walk_age_s = std::stoll(std::string(existing.Get(0, 4)));
    datetime_cursor = std::string(existing.Get(0, 5));
  }
  if (existing.Rows() == 1 && !existing.IsNull(0, 1)) {
    // An interrupted walk: continue it, with its seen-set and item count.
    WalkState state;
    state.walk_id = std::stoll(std::string(existing.Get(0, 0)));
    state.resume_json = std::string(existing.Get(0, 1));
    state.items_so_far = std::stoll(std::string(existing.Get(0, 2)));
    log::Info("harvest ", source_.id, "/", collection_id, ": resuming after ", state.items_so_far,
              " items");
    return state;
  }
  STACFED_ASSIGN_OR_RETURN(
      pg::Result fresh,
      conn_.Query("INSERT INTO stacfed.harvest_checkpoints"
                  " (source_id, collection_id, walk_id, next_request, pages, items, started_at)"
                  " VALUES ($1, $2, nextval('stacfed.harvest_walk_seq'), '{\"start\":true}', 0, 0, now())"
                  " ON CONFLICT (source_id, collection_id) DO UPDATE SET"
                  " walk_id = EXCLUDED.walk_id, next_request = EXCLUDED.next_request,"
                  " pages = 0, items = 0, started_at = now()"
                  " RETURNING walk_id",
                  {source_.id, collection_id}));
  WalkState state;
  state.walk_id = std::stoll(std::string(fresh.Scalar()));
  state.cursor = std::move(cursor);
  state.datetime_cursor = std::move(datetime_cursor);
  state.full_walk_age_s = full_walk_age_s;
  return state;
}

absl::StatusOr<std::vector<CachedDocument>> DbSink::CachedValidators(
    const std::vector<std::string>& urls) {
  std::vector<const std::string*> list;
  for (const auto& url : urls) list.push_back(&url);
  STACFED_ASSIGN_OR_RETURN(
      pg::Result rows,
      conn_.Query("SELECT url, coalesce(etag, ''), coalesce(last_modified, ''), coalesce(item_id, '')"
                  " FROM stacfed.harvest_http_cache WHERE source_id = $1"
                  " AND url = ANY($2::text[])",
                  {source_.id, TextArray(list)}));
  std::vector<CachedDocument> cached;
  for (int row = 0; row < rows.Rows(); ++row) {
    cached.push_back(CachedDocument{std::string(rows.Get(row, 0)), std::string(rows.Get(row, 1)),
                                    std::string(rows.Get(row, 2)), std::string(rows.Get(row, 3))});
  }
  return cached;
}

absl::Status DbSink::WritePage(const std::string& collection_id, const WalkState& walk,
                               std::vector<PreparedItem>& items,
                               const std::string& next_request_json,
                               const std::vector<std::string>& unchanged_ids_upstream,
                               const std::vector<CachedDocument>& validators) {
  PageVersions versions;
  STACFED_RETURN_IF_ERROR(MergeWithOtherSources(collection_id, items, versions));
  std::vector<ingest::StagedItem> staged;
  staged.reserve(items.size());
  std::vector<const std::string*> ids, unchanged_ids, retracted, superseded, plain;
  std::string normalisations = "[";
  int64_t updated_us = 0, datetime_us = INT64_MIN;
  for (PreparedItem& item : items) {
    updated_us = std::max(updated_us, item.updated_us);
    datetime_us = std::max(datetime_us, item.staged.datetime_us);
    // The lists point into `staged` (reserved above, so never reallocated).
    staged.push_back(std::move(item.staged));
    const std::string* id = &staged.back().id;
    ids.push_back(id);
    if (item.changes.empty()) {
      unchanged_ids.push_back(id);
    } else {
      if (normalisations.size() > 1) normalisations += ',';
      normalisations += "{\"i\":";
      AppendJsonString(normalisations, *id);
      normalisations += ",\"c\":[";
      for (size_t i = 0; i < item.changes.size(); ++i) {
        if (i) normalisations += ',';
        AppendJsonString(normalisations, item.changes[i]);
      }
      normalisations += "]}";
    }
    ListByReason(item.withdrawn_reason, id, retracted, superseded, plain);
  }
  normalisations += ']';
  const std::string written_ids = TextArray(ids);
  for (const std::string& id : unchanged_ids_upstream) ids.push_back(&id);
  std::string cache_rows = "[";
  for (const CachedDocument& document : validators) {
    if (cache_rows.size() > 1) cache_rows += ',';
    cache_rows += "{\"u\":";
    AppendJsonString(cache_rows, document.url);
    cache_rows += ",\"e\":";
    AppendJsonString(cache_rows, document.etag);
    cache_rows += ",\"m\":";
    AppendJsonString(cache_rows, document.last_modified);
    cache_rows += ",\"i\":";
    AppendJsonString(cache_rows, document.item_id);
    cache_rows += '}';
  }
  cache_rows += ']';

  const std::string walk_id = std::to_string(walk.walk_id);
  const pg::Param next = next_request_json.empty() ? pg::Param{} : pg::Param{next_request_json};
  const pg::Param cursor = updated_us > 0 ? pg::Param{FormatPgTimestamp(updated_us)} : pg::Param{};
  const pg::Param datetime_cursor =
      items.empty() ? pg::Param{} : pg::Param{FormatPgTimestamp(datetime_us)};
  const std::string item_count = std::to_string(items.size());
  auto bookkeeping = [&](pg::Connection& conn) -> absl::Status {
    STACFED_RETURN_IF_ERROR(
        conn.Query("INSERT INTO stacfed.harvest_seen (walk_id, item_id)"
                   " SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
                   {walk_id, TextArray(ids)})
            .status());
    if (!validators.empty()) {
      STACFED_RETURN_IF_ERROR(
          conn.Query("INSERT INTO stacfed.harvest_http_cache AS h"
                     " (source_id, url, etag, last_modified, collection_id, item_id)"
                     " SELECT $1, r->>'u', NULLIF(r->>'e', ''), NULLIF(r->>'m', ''), $2, NULLIF(r->>'i', '')"
                     " FROM jsonb_array_elements($3::jsonb) r"
                     " ON CONFLICT (source_id, url) DO UPDATE SET etag = EXCLUDED.etag,"
                     " last_modified = EXCLUDED.last_modified, collection_id = EXCLUDED.collection_id,"
                     " item_id = EXCLUDED.item_id"
                     " WHERE (h.etag, h.last_modified, h.item_id) IS DISTINCT FROM"
                     " (EXCLUDED.etag, EXCLUDED.last_modified, EXCLUDED.item_id)",
                     {source_.id, collection_id, cache_rows})
              .status());
    }
    // Normalisation records: written only when they change, removed once upstream is fixed.
    STACFED_RETURN_IF_ERROR(
        conn.Query("INSERT INTO stacfed.harvest_normalisations AS n (collection_id, item_id, source_id, changes)"
                   " SELECT $1, r->>'i', $2, r->'c' FROM jsonb_array_elements($3::jsonb) r"
                   " ON CONFLICT (collection_id, item_id, source_id) DO UPDATE SET"
                   " changes = EXCLUDED.changes, recorded_at = now()"
                   " WHERE n.changes IS DISTINCT FROM EXCLUDED.changes",
                   {collection_id, source_.id, normalisations})
            .status());
    STACFED_RETURN_IF_ERROR(
        conn.Query("DELETE FROM stacfed.harvest_normalisations WHERE collection_id = $1"
                   " AND item_id = ANY($2::text[]) AND source_id = $3",
                   {collection_id, TextArray(unchanged_ids), source_.id})
            .status());
    STACFED_RETURN_IF_ERROR(RecordVersions(conn, collection_id, versions, unchanged_ids_upstream));
    STACFED_ASSIGN_OR_RETURN(int64_t marked,
                             ApplyVersionMarks(conn, collection_id, source_.id, retracted,
                                               superseded, plain));
    counters_.withdrawn += marked;
    // An item withdrawn as gone and met again has just been written as a new row (counted
    // by the writer): its stored copy (sql/0021) goes; its mark went or changed above.
    if (!staged.empty()) {
      STACFED_RETURN_IF_ERROR(
          conn.Query("DELETE FROM stacfed.withdrawn_item_rows WHERE collection = $1"
                     " AND id = ANY($2::text[])",
                     {collection_id, written_ids})
              .status());
    }
    return conn.Query("UPDATE stacfed.harvest_checkpoints SET next_request = $3::jsonb,"
                      " pages = pages + 1, items = items + $4::bigint,"
                      " cursor = GREATEST(cursor, $5::timestamptz),"
                      " datetime_cursor = GREATEST(datetime_cursor, $6::timestamptz)"
                      " WHERE source_id = $1 AND collection_id = $2",
                      {source_.id, collection_id, next, item_count, cursor, datetime_cursor})
        .status();
  };
  const auto started = std::chrono::steady_clock::now();
  STACFED_ASSIGN_OR_RETURN(ingest::BatchResult result,
                           ingest::WriteItemBatch(conn_, staged, ingest::WriteMode::kUpsert, bookkeeping));
  log::Debug("harvest ", source_.id, "/", collection_id, ": wrote ", staged.size(), " items in ",
             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count(),
             " ms");
  counters_.added += result.inserted;
  counters_.updated += result.updated;
  counters_.unchanged += result.unchanged;
  return absl::OkStatus();
}

absl::Status DbSink::MergeWithOtherSources(const std::string& collection_id,
                                           std::vector<PreparedItem>& items,
                                           PageVersions& versions) {
  if (items.empty()) return absl::OkStatus();
  pg::TextArrayBuilder ids;
  for (const PreparedItem& item : items) ids.Add(item.staged.id);
  STACFED_ASSIGN_OR_RETURN(auto others,
                           OtherVersions(conn_, collection_id, std::move(ids).Finish(), source_.id));
  for (PreparedItem& item : items) {
    auto found = others.find(item.staged.id);
    if (found == others.end()) {
      versions.alone.Add(item.staged.id);
      versions.any_alone = true;
      continue;
    }
    std::vector<Version>& list = found->second;
    list.push_back(Version{source_.id, source_.priority, source_.position,
                           WithLinks(item.staged.content_json, item.staged.links_json)});
    absl::StatusOr<MergedItem> merged = Served(list);
    absl::StatusOr<ingest::StagedItem> staged =
        merged.ok() ? ingest::PrepareItem(merged->text) : merged.status();
    if (staged.ok()) {
      staged->origin = item.staged.origin;
      item.staged = std::move(*staged);
      item.withdrawn_reason = std::move(merged->withdrawn_reason);
    } else {
      log::Warn("harvest ", source_.id, "/", collection_id, ": item ", item.staged.id,
                ": served as this source has it, the merge failed: ", staged.status().message());
    }
    for (const Version& version : list) {
      versions.merged.Add(item.staged.id, version.source_id, &version.text);
    }
  }
  return absl::OkStatus();
}

absl::Status DbSink::RecordVersions(pg::Connection& conn, const std::string& collection_id,
                                    PageVersions& versions,
                                    const std::vector<std::string>& listed_unchanged) {
  if (versions.any_alone) {
    STACFED_RETURN_IF_ERROR(
        conn.Query(kListedAlone, {collection_id, std::move(versions.alone).Finish(), source_.id})
            .status());
  }
  if (!versions.merged.empty) {
    STACFED_RETURN_IF_ERROR(
        conn.Query(kPutVersions, {collection_id, std::move(versions.merged.ids).Finish(),
                                  std::move(versions.merged.sources).Finish(),
                                  std::move(versions.merged.contents).Finish()})
            .status());
  }
  if (listed_unchanged.empty()) return absl::OkStatus();
  return conn.Query("INSERT INTO stacfed.item_sources (collection, item_id, source_id)"
                    " SELECT DISTINCT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING",
                    {collection_id, pg::TextArrayLiteral(listed_unchanged), source_.id})
      .status();
}

absl::Status DbSink::LeaveToOtherSources(const std::string& collection_id, const WalkState& walk) {
  STACFED_ASSIGN_OR_RETURN(pg::Result shared,
                           conn_.Query(kSharedCollection, {collection_id, source_.id}));
  if (shared.Scalar() != "t") return absl::OkStatus();
  STACFED_ASSIGN_OR_RETURN(
      pg::Result left,
      conn_.Query(kLeftToOthers, {collection_id, source_.id, std::to_string(walk.walk_id)}));
  constexpr int kBatch = 1000;
  for (int begin = 0; begin < left.Rows(); begin += kBatch) {
    std::vector<std::string> ids;
    for (int row = begin; row < std::min(left.Rows(), begin + kBatch); ++row) {
      ids.emplace_back(left.Get(row, 0));
    }
    STACFED_RETURN_IF_ERROR(ServeWithoutThisSource(collection_id, ids));
  }
  return absl::OkStatus();
}

absl::Status DbSink::ServeWithoutThisSource(const std::string& collection_id,
                                            const std::vector<std::string>& ids) {
  const std::string id_list = pg::TextArrayLiteral(ids);
  STACFED_ASSIGN_OR_RETURN(auto others, OtherVersions(conn_, collection_id, id_list, source_.id));
  std::vector<ingest::StagedItem> staged;
  staged.reserve(others.size());
  VersionRows rows;
  std::vector<const std::string*> retracted, superseded, plain;
  for (auto& [id, list] : others) {
    absl::StatusOr<MergedItem> served = list.size() == 1
        ? absl::StatusOr<MergedItem>(MergedItem{list[0].text, VersionMark(list[0].text)})
        : Served(list);
    absl::StatusOr<ingest::StagedItem> item =
        served.ok() ? ingest::PrepareItem(served->text) : served.status();
    if (!item.ok()) {
      log::Warn("harvest ", source_.id, "/", collection_id, ": item ", id,
                ": left as it was, cannot serve it without this source: ", item.status().message());
      continue;
    }
    staged.push_back(std::move(*item));
    ListByReason(served->withdrawn_reason, &id, retracted, superseded, plain);
    for (const Version& version : list) {
      rows.Add(id, version.source_id, list.size() == 1 ? nullptr : &version.text);
    }
  }
  auto bookkeeping = [&](pg::Connection& conn) -> absl::Status {
    STACFED_RETURN_IF_ERROR(conn.Query(kDropVersions, {collection_id, id_list, source_.id}).status());
    if (!rows.empty) {
      STACFED_RETURN_IF_ERROR(
          conn.Query(kPutVersions, {collection_id, std::move(rows.ids).Finish(),
                                    std::move(rows.sources).Finish(),
                                    std::move(rows.contents).Finish()})
              .status());
    }
    return ApplyVersionMarks(conn, collection_id, source_.id, retracted, superseded, plain).status();
  };
  STACFED_ASSIGN_OR_RETURN(ingest::BatchResult result,
                           ingest::WriteItemBatch(conn_, staged, ingest::WriteMode::kUpsert, bookkeeping));
  counters_.updated += result.updated;
  counters_.unchanged += result.unchanged;
  log::Info("harvest ", source_.id, "/", collection_id, ": ", ids.size(),
            " items no longer listed here stay served by their other sources");
  return absl::OkStatus();
}

absl::StatusOr<int64_t> DbSink::FinishWalk(const std::string& collection_id, const WalkState& walk,
                                           bool complete) {
  if (complete) STACFED_RETURN_IF_ERROR(LeaveToOtherSources(collection_id, walk));
  STACFED_ASSIGN_OR_RETURN(
      pg::Result result,
      conn_.Query("SELECT stacfed.finish_harvest_walk($1, $2, $3, $4)",
                  {source_.id, collection_id, std::to_string(walk.walk_id), complete ? "t" : "f"}));
  const int64_t withdrawn = std::stoll(std::string(result.Scalar()));
  counters_.withdrawn += withdrawn;
  return withdrawn;
}

void DbSink::Quarantine(const std::string& source_url, const std::string& collection_id,
                        const std::string& item_id, const std::string& reason,
                        const std::string& document) {
  auto result = conn_.Query(
      "INSERT INTO stacfed.quarantine (source_id, source_url, collection_id, item_id, reason,"
      " document, document_md5) VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5, $6, md5($6))"
      " ON CONFLICT (source_id, document_md5, reason) DO NOTHING",
      {source_.id, source_url, collection_id, item_id, reason, document});
  if (!result.ok()) {
    log::Error("harvest ", source_.id, ": cannot quarantine a document from ", source_url, ": ",
               result.status().message());
  }
  ++counters_.quarantined;
  log::Warn("harvest ", source_.id, ": quarantined ", item_id.empty() ? source_url : item_id, ": ",
            reason);
}

absl::Status DbSink::LinkCollections(const std::vector<std::string>& collection_ids) {
  if (source_.catalog_id.empty() || collection_ids.empty()) return absl::OkStatus();
  STACFED_ASSIGN_OR_RETURN(const int64_t added,
                           federation::AddHarvestedLinks(conn_, source_.catalog_id,
                                                         federation::ChildKind::kCollection,
                                                         collection_ids));
  if (added == 0) return absl::OkStatus();
  return federation::RefreshCatalogClosure(conn_).status();
}

void DbSink::FinishRun(const std::string& summary_json, const std::string& error) {
  auto result = conn_.Query(
      "UPDATE stacfed.harvest_sources SET last_finished_at = now(), last_summary = $2::jsonb,"
      " last_error = NULLIF($3, ''),"
      " last_success_at = CASE WHEN $3 = '' THEN now() ELSE last_success_at END"
      " WHERE source_id = $1",
      {source_.id, summary_json, error});
  if (!result.ok()) log::Warn("harvest ", source_.id, ": ", result.status().message());
  // Unlock explicitly: a closed connection's backend releases its locks only when it has
  // exited, which an immediate next harvest of this source could otherwise race.
  auto unlocked = conn_.Query("SELECT pg_advisory_unlock(hashtextextended('stacfed.harvest:' || $1, 0))",
                              {source_.id});
  if (!unlocked.ok()) log::Warn("harvest ", source_.id, ": ", unlocked.status().message());
}

}  // namespace stacfed::crawler
