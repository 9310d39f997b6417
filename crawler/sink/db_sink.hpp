#pragma once
// Where a harvest lands: collections and item batches through the one write path
// (libstac/ingest/staged_item.hpp), each page's checkpoint advanced inside the page's own
// transaction, the quarantine, normalisation records and withdrawn items (sql/0003, sql/0021).
// One DbSink per source and run; it holds the source's advisory lock for its lifetime, so a
// second harvest of the same source fails fast instead of interleaving.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crawler/source.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/pg/connection.hpp"

namespace stacfed::crawler {

struct PreparedItem {
  ingest::StagedItem staged;
  std::vector<std::string> changes;  // from NormaliseItem
  std::string withdrawn_reason;      // "", "retracted" or "superseded"
  int64_t updated_us = 0;            // `updated`; 0 when the item has none
};

// Validators of a fetched item document, for conditional requests on the next run.
struct CachedDocument {
  std::string url;
  std::string etag;
  std::string last_modified;
  std::string item_id;  // the item the document held ("" when none was stored)
};

struct SinkCounters {
  int64_t collections_changed = 0;
  int64_t added = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t withdrawn = 0;
  int64_t quarantined = 0;
};

struct WalkState {
  int64_t walk_id = 0;
  std::string resume_json;  // the checkpoint's next_request of an interrupted walk; "" fresh
  int64_t items_so_far = 0;
  // Largest `updated` met so far, RFC 3339; "" when none.
  std::string cursor;
  // Largest start of an item's time range met so far, RFC 3339; "" when none.
  std::string datetime_cursor;
  // Seconds since the last complete (full) walk; -1 when there was none.
  int64_t full_walk_age_s = -1;
};

class DbSink {
 public:
  // Connects and takes the source's advisory lock (FailedPrecondition when another harvest
  // of this source holds it); records the run's start.
  static absl::StatusOr<DbSink> Open(const std::string& database_url, const SourceSpec& source);

  DbSink(DbSink&&) = default;

  // Validates and stores a normalised collection document; returns its id. `changes` (from
  // NormaliseCollection and ResolveRelativeHrefs) are recorded in harvest_normalisations
  // under the item id '' (the collection document itself), and the record is removed once
  // there are none.
  absl::StatusOr<std::string> PutCollection(const std::string& json, const std::string& source_url,
                                            const std::vector<std::string>& changes = {});

  // Keeps the source's root document (without its links) in harvest_sources.upstream_root.
  absl::Status RecordUpstreamRoot(const std::string& root_json);

  absl::StatusOr<WalkState> BeginWalk(const std::string& collection_id);
  // Writes one page's items and moves the checkpoint to `next_request_json` ("" when the
  // walk has no further page) in one transaction.
  // `unchanged_ids` are items upstream confirmed unchanged (HTTP 304): counted as met by
  // the walk without being written; `validators` are stored for the next run.
  absl::Status WritePage(const std::string& collection_id, const WalkState& walk,
                         std::vector<PreparedItem>& items, const std::string& next_request_json,
                         const std::vector<std::string>& unchanged_ids = {},
                         const std::vector<CachedDocument>& validators = {});

  // Validators stored for these URLs by earlier runs of this source.
  absl::StatusOr<std::vector<CachedDocument>> CachedValidators(const std::vector<std::string>& urls);
  // Ends a walk: withdrawn items it met unchanged (HTTP 304) come back; a complete walk
  // withdraws what it did not meet, moving the rows out of stacfed.items (sql/0021).
  // Returns how many it withdrew.
  absl::StatusOr<int64_t> FinishWalk(const std::string& collection_id, const WalkState& walk,
                                     bool complete);

  // Never fails the harvest: a quarantine that cannot be written is logged.
  void Quarantine(const std::string& source_url, const std::string& collection_id,
                  const std::string& item_id, const std::string& reason,
                  const std::string& document);

  // Makes the harvested collections children of the source's catalog (after its last link;
  // libstac/federation/apply.hpp) and refreshes the catalog closure when a link was added.
  absl::Status LinkCollections(const std::vector<std::string>& collection_ids);

  // Records the run's summary and releases the source's lock.
  void FinishRun(const std::string& summary_json, const std::string& error);

  const SinkCounters& counters() const { return counters_; }
  pg::Connection& connection() { return conn_; }

 private:
  DbSink(pg::Connection conn, SourceSpec source) : conn_(std::move(conn)), source_(std::move(source)) {}

  // The collection as served: this source's version, or the merge of every source's
  // (sql/0022), after storing this source's version.
  absl::StatusOr<ingest::StagedCollection> ServedCollection(ingest::StagedCollection own,
                                                            const std::string& json);
  // Items of a page that other sources list as well become their merge; `versions` gets the
  // item_sources rows the page writes.
  struct PageVersions;
  absl::Status MergeWithOtherSources(const std::string& collection_id,
                                     std::vector<PreparedItem>& items, PageVersions& versions);
  absl::Status RecordVersions(pg::Connection& conn, const std::string& collection_id,
                              PageVersions& versions,
                              const std::vector<std::string>& listed_unchanged);
  // A complete walk's items this source no longer lists but others do: served without it.
  absl::Status LeaveToOtherSources(const std::string& collection_id, const WalkState& walk);
  absl::Status ServeWithoutThisSource(const std::string& collection_id,
                                      const std::vector<std::string>& ids);
  absl::Status RecordCollectionChanges(const std::string& collection_id,
                                       const std::vector<std::string>& changes);

  pg::Connection conn_;
  SourceSpec source_;
  SinkCounters counters_;
};

}  // namespace stacfed::crawler
