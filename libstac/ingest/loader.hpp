#pragma once
// `stacfed load`: reads Collections, Items, FeatureCollections or newline-delimited JSON of
// any of those from files or stdin, validates every record, and writes through the one write
// path (staged_item.hpp) in batches: each batch is one transaction, so an interrupted load
// leaves every batch fully in or fully out. Invalid records are reported with file, line and
// reason and do not stop the valid ones; nor does a record the database refuses after all: a
// batch it refuses is written again in halves until the records it refuses are found.
//
// Throughput: one thread parses and validates while `writers` connections each own a share
// of the items (by hash of collection and id, so two copies of one item always go through the
// same writer in file order).
//
// Memory stays bounded whatever the input: a record is at most max_record_bytes (a longer
// line is skipped as it is read), and a document that is not newline-delimited is read as a
// stream, a FeatureCollection one feature at a time. Items met again in the same load are
// known by a 16-byte digest of their collection and id (24 bytes per item).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libstac/ingest/staged_item.hpp"

namespace stacfed::ingest {

// A record the load reports on: rejected (not written), or with a warning.
struct Rejection {
  std::string source;  // file name, or "-" for stdin
  int64_t line = 0;    // 1-based line where the record starts
  std::string reason;
};
using Warning = Rejection;

struct LoadOptions {
  // Also what happens to an item that comes again in the same load (same collection and
  // id): upsert writes the later copy over the earlier one, insert rejects it, ignore skips
  // it; each with a report that names the line of the earlier copy.
  WriteMode mode = WriteMode::kUpsert;
  size_t batch_size = 5000;
  int writers = 2;
  size_t max_record_bytes = kDefaultMaxRecordBytes;  // STACFED_MAX_ITEM_BYTES
  // Both are called on the thread that calls LoadFile and Finish (records the database
  // refuses are reported there too, after their batch).
  std::function<void(const Rejection&)> on_rejection;
  std::function<void(const Warning&)> on_warning;
};

struct LoadReport {
  int64_t collections_changed = 0;
  int64_t collections_unchanged = 0;
  // Writes: an item repeated in the load is written once per copy that reaches the
  // database in its own batch.
  int64_t items_inserted = 0;
  int64_t items_updated = 0;
  int64_t items_unchanged = 0;
  int64_t items_repeated = 0;  // later copies replaced (upsert) or skipped (ignore)
  int64_t rejected = 0;
  // Why the load stopped before the end (a lost database connection, an unreadable file);
  // OK when it did not. The counts above are then what was committed.
  absl::Status stopped;
};

class Loader {
 public:
  static absl::StatusOr<std::unique_ptr<Loader>> Open(const std::string& database_url,
                                                      LoadOptions options);
  ~Loader();

  // Loads one file ("-" for stdin). Returns an error only for failures that stop the load
  // (unreadable file, lost database connection): invalid records, and records the database
  // refuses, are rejections, not errors. After an error, Finish reports what was committed.
  absl::Status LoadFile(const std::string& path);
  // Writes what is still buffered, waits for the writers and reports.
  LoadReport Finish();

 private:
  struct Impl;
  explicit Loader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stacfed::ingest
