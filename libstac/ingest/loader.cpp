#include "libstac/ingest/loader.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "libstac/base/hash.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/ingest/dom_parser.hpp"
#include "libstac/ingest/json_scan.hpp"
#include "libstac/ingest/json_stream.hpp"

namespace stacfed::ingest {
namespace {

// Origins pack the file index and the line so a conflict reported by the database can be
// traced back to its record.
constexpr int kLineBits = 40;
int64_t PackOrigin(size_t file, int64_t line) { return (int64_t(file) << kLineBits) | line; }
size_t OriginFile(int64_t origin) { return size_t(origin >> kLineBits); }
int64_t OriginLine(int64_t origin) { return origin & ((int64_t(1) << kLineBits) - 1); }

// A bounded queue of batches for one writer thread.
class BatchQueue {
 public:
  static constexpr size_t kCapacity = 2;

  // Blocks while the queue is full, so parsing never runs far ahead of the database.
  void Push(std::vector<StagedItem> batch) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return queue_.size() < kCapacity || closed_; });
    queue_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  bool Pop(std::vector<StagedItem>& batch) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return false;
    batch = std::move(queue_.front());
    queue_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::vector<StagedItem>> queue_;
  bool closed_ = false;
};

// A record the database refused (or, in insert mode, found already there): reported by the
// loading thread.
struct Refusal {
  int64_t origin;
  std::string reason;
};

struct Writer {
  explicit Writer(pg::Connection c) : conn(std::move(c)) {}
  pg::Connection conn;
  BatchQueue queue;
  std::thread thread;
  // Collections in which this writer met items that existed already (written by an earlier
  // batch, a repeated record or another process): their batches are looked up from then on.
  std::set<std::string, std::less<>> met_existing;
  // Written by the writer thread, read after join.
  BatchResult totals;
  // Set once by the writer thread before `failed`; read by others once `failed` is true:
  // the lost connection's error, and the origin of the first item of the batch it hit.
  absl::Status status;
  int64_t failed_at = 0;
  std::atomic<bool> failed{false};
  std::mutex refusals_mutex;
  std::vector<Refusal> refusals;
  std::atomic<bool> has_refusals{false};

  void Refuse(int64_t origin, std::string reason) {
    std::lock_guard lock(refusals_mutex);
    refusals.push_back({origin, std::move(reason)});
    has_refusals.store(true, std::memory_order_release);
  }
};

// The input read so far and not yet handled. read() fills its free tail directly: reading
// into a separate chunk and appending it (or growing a std::string, which zero-fills) was one
// more pass over every byte of a multi-GB load. kJsonPadding bytes past the capacity let the
// JSON parser read records in place.
class ReadBuffer {
 public:
  std::string_view view() const { return {data_.get(), size_}; }
  // Reads up to `max` more bytes; returns what read() returned (0 at the end, -1 on error).
  ssize_t ReadFrom(int fd, size_t max) {
    if (capacity_ - size_ < max) Grow(size_ + max);
    ssize_t n;
    do {
      n = read(fd, data_.get() + size_, max);
    } while (n < 0 && errno == EINTR);
    if (n > 0) size_ += size_t(n);
    return n;
  }
  // Drops the first `n` bytes.
  void Consume(size_t n) {
    std::memmove(data_.get(), data_.get() + n, size_ - n);
    size_ -= n;
  }

 private:
  void Grow(size_t needed) {
    const size_t capacity = std::max(needed, capacity_ * 2);
    auto data = std::make_unique_for_overwrite<char[]>(capacity + kJsonPadding);
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// One file's input: what has been read and not yet dropped, with its offset in the file.
// The loader drops what it has handled before reading more, so the buffer holds at most a
// record of max_record_bytes (or the part of a longer one it is reading through) and a chunk.
class Input {
 public:
  // Small enough that the lines just read are still in the CPU's cache when they are
  // split and parsed: with 16 MB reads every line came back from memory (1M items, 2 runs
  // each: the loader's system time -15%, 48,947 / 47,640 against 42,312 / 47,337 items/s).
  static constexpr size_t kChunk = 1 << 20;

  Input(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
    struct stat st;
    size_ = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? int64_t(st.st_size) : -1;
  }

  std::string_view view() const { return buffer_.view(); }
  uint64_t base() const { return base_; }  // offset in the file of view()[0]
  bool eof() const { return eof_; }
  int64_t size() const { return size_; }  // -1 when not a regular file
  int64_t bytes_read() const { return bytes_read_; }

  absl::Status Fill() {
    const ssize_t n = buffer_.ReadFrom(fd_, kChunk);
    if (n < 0) return absl::NotFoundError(StrCat("cannot read ", name_, ": ", strerror(errno)));
    bytes_read_ += n;
    eof_ = n == 0;
    return absl::OkStatus();
  }
  void DropTo(uint64_t offset) {
    if (offset <= base_) return;
    buffer_.Consume(size_t(offset - base_));
    base_ = offset;
  }

 private:
  int fd_;
  std::string name_;
  ReadBuffer buffer_;
  uint64_t base_ = 0;
  bool eof_ = false;
  int64_t size_;
  int64_t bytes_read_ = 0;
};

bool IsBlank(char c) {
  // Also the bytes of a UTF-8 byte order mark.
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\xef' || c == '\xbb' ||
         c == '\xbf';
}

std::string_view StripSpace(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// True when `text` is exactly one complete JSON value.
bool IsCompleteJson(std::string_view text) {
  thread_local simdjson::dom::parser parser = NewDomParser();
  return !parser.parse(text.data(), text.size(), true).error();
}

// The database's own words: libstac/pg prefixes what it was doing ("COPY failed: ").
std::string_view PlainMessage(const absl::Status& status) {
  std::string_view message = ToStd(status.message());
  for (std::string_view prefix : {"COPY failed: ", "query failed: ", "SQL failed: "}) {
    if (message.starts_with(prefix)) return message.substr(prefix.size());
  }
  return message;
}

// Only a lost connection stops a writer: any other error is the data's (or passes), and the
// batch is written again in parts.
bool ConnectionLost(const pg::Connection& conn, const absl::Status& status) {
  return absl::IsUnavailable(status) || PQstatus(conn.raw()) != CONNECTION_OK;
}

// (collection, id) digests: their low half is already uniformly spread.
struct DigestHash {
  size_t operator()(const Hash128& digest) const { return size_t(digest.low); }
};

}  // namespace

struct Loader::Impl {
  LoadOptions options;
  std::string url;
  pg::Connection control;  // collections, on the loading thread
  std::vector<std::unique_ptr<Writer>> writers;
  std::vector<std::vector<StagedItem>> pending;  // per writer
  std::vector<size_t> pending_used;              // items of pending[w] in use
  std::vector<size_t> dispatched;                // batches handed to writer w so far
  // Set while the last few batches' worth of a file is parsed (see BatchLimit).
  bool near_end = false;
  int64_t items_added = 0;   // items handed to writers' batches, for bytes per item
  uint64_t bytes_split = 0;  // bytes of NDJSON input split into records so far
  // Written batches come back here and are filled again: every StagedItem keeps the storage
  // of its strings, so a load allocates per batch in flight instead of six strings per
  // item (malloc and free were 7% of a load's CPU, the frees on other threads).
  std::mutex recycled_mutex;
  std::vector<std::vector<StagedItem>> recycled;
  StagedItem scratch;  // the item being parsed; swapped into its batch when valid
  // The collections of the database and of the load so far, with the hash of their id,
  // which seeds the digests of their items (items_met).
  std::map<std::string, uint64_t, std::less<>> known_collections;
  // Collections that held items when the load began. The batches of every other collection
  // are written assuming their items are new (ExistenceCheck::kAssumeNew): no look-up.
  std::set<std::string, std::less<>> collections_with_items;
  // Every item of the load so far, by a digest of its collection and id, with the origin of
  // its latest copy written (or its first, in insert and ignore mode).
  absl::flat_hash_map<Hash128, int64_t, DigestHash> items_met;
  // The item added last (the last of its writer's pending batch), whose check against
  // items_met waits until the next item has been parsed: at a million items the table is far
  // larger than the CPU's caches, and the look-up of every new item waited for memory (about
  // 250 ns, 4% of the loader's time per item). Its slot, prefetched when the item is added,
  // has arrived by then.
  struct HeldItem {
    Hash128 digest;
    size_t writer;
  };
  std::optional<HeldItem> held;
  std::vector<std::string> sources;
  LoadReport report;

  explicit Impl(pg::Connection c) : control(std::move(c)) {}

  void Reject(size_t file, int64_t line, std::string_view reason) {
    ++report.rejected;
    if (options.on_rejection) options.on_rejection(Rejection{sources[file], line, std::string(reason)});
  }
  void Warn(size_t file, int64_t line, std::string_view reason) {
    if (options.on_warning) options.on_warning(Warning{sources[file], line, std::string(reason)});
  }
  std::string Where(int64_t origin) const {
    return StrCat(sources[OriginFile(origin)], ":", OriginLine(origin));
  }

  absl::Status FirstWriterError() {
    for (auto& w : writers) {
      if (!w->failed.load(std::memory_order_acquire)) continue;
      return absl::Status(w->status.code(),
                          StrCat("the database connection was lost while writing the items from ",
                                 Where(w->failed_at), " on (those of them not counted as loaded"
                                 " are not in the database): ", PlainMessage(w->status)));
    }
    return absl::OkStatus();
  }

  // Reports the records the writers found refused since the last call, in input order per
  // writer.
  void ReportRefusals() {
    for (auto& w : writers) {
      if (!w->has_refusals.load(std::memory_order_acquire)) continue;
      std::vector<Refusal> refusals;
      {
        std::lock_guard lock(w->refusals_mutex);
        refusals.swap(w->refusals);
        w->has_refusals.store(false, std::memory_order_relaxed);
      }
      std::sort(refusals.begin(), refusals.end(),
                [](const Refusal& a, const Refusal& b) { return a.origin < b.origin; });
      for (const Refusal& r : refusals) {
        Reject(OriginFile(r.origin), OriginLine(r.origin), r.reason);
      }
    }
  }

  // The collections of a batch, each once (a batch is usually one run of one collection).
  static std::vector<std::string_view> CollectionsOf(std::span<const StagedItem> batch) {
    std::vector<std::string_view> collections;
    for (const StagedItem& item : batch) {
      if (std::find(collections.begin(), collections.end(), item.collection) == collections.end()) {
        collections.push_back(item.collection);
      }
    }
    return collections;
  }

  ExistenceCheck CheckFor(const Writer& w, std::span<const StagedItem> batch) const {
    for (std::string_view collection : CollectionsOf(batch)) {
      if (collections_with_items.contains(collection) || w.met_existing.contains(collection)) {
        return ExistenceCheck::kLookUp;
      }
    }
    return ExistenceCheck::kAssumeNew;
  }

  void Recycle(std::vector<StagedItem> batch) {
    std::lock_guard lock(recycled_mutex);
    // Enough for every batch in flight; a batch beyond that is freed.
    if (recycled.size() < 2 * writers.size()) recycled.push_back(std::move(batch));
  }

  // The slot for the next item of writer w's pending batch.
  StagedItem& NextSlot(size_t w) {
    std::vector<StagedItem>& batch = pending[w];
    if (pending_used[w] == 0 && batch.empty()) {
      std::lock_guard lock(recycled_mutex);
      if (!recycled.empty()) {
        batch = std::move(recycled.back());
        recycled.pop_back();
      }
    }
    if (pending_used[w] == batch.size()) batch.emplace_back();
    return batch[pending_used[w]++];
  }

  // Hands writer w its pending batch (its first pending_used[w] items).
  void Dispatch(size_t w) {
    ++dispatched[w];
    pending[w].resize(pending_used[w]);
    writers[w]->queue.Push(std::move(pending[w]));
    pending[w] = {};
    pending_used[w] = 0;
    ReportRefusals();
  }

  // ---- writer threads --------------------------------------------------------------------

  void Count(Writer& w, std::span<const StagedItem> items, const BatchResult& result) {
    if (result.assumed_new_wrongly) {
      for (std::string_view collection : CollectionsOf(items)) w.met_existing.emplace(collection);
    }
    w.totals.inserted += result.inserted;
    w.totals.updated += result.updated;
    // A copy superseded inside the batch is a repeat, which the loading thread counted.
    w.totals.unchanged += result.unchanged - result.superseded;
    for (int64_t origin : result.conflicts) {
      w.Refuse(origin, "the item already exists (use --mode upsert to update it, or ignore to skip it)");
    }
  }

  // Writes `items` in one transaction. When the database refuses them for any reason but a
  // lost connection, it writes each half on its own (each part that succeeds commits), down
  // to the single items it refuses, which are reported with its reason: one bad record costs
  // its batch about 2 log2(batch size) more transactions, and no valid record is lost.
  absl::Status WriteFindingRefusals(Writer& w, std::span<const StagedItem> items) {
    auto result = WriteItemBatch(w.conn, items, options.mode, nullptr, CheckFor(w, items));
    if (result.ok()) {
      Count(w, items, *result);
      return absl::OkStatus();
    }
    if (ConnectionLost(w.conn, result.status())) return result.status();
    if (items.size() == 1) {
      w.Refuse(items[0].origin, StrCat("the database refused it: ", PlainMessage(result.status())));
      return absl::OkStatus();
    }
    const size_t half = items.size() / 2;
    STACFED_RETURN_IF_ERROR(WriteFindingRefusals(w, items.first(half)));
    return WriteFindingRefusals(w, items.subspan(half));
  }

  void StartWriters() {
    for (auto& writer : writers) {
      Writer* w = writer.get();
      w->thread = std::thread([this, w] {
        std::vector<StagedItem> batch;
        while (w->queue.Pop(batch)) {
          if (!w->failed.load(std::memory_order_relaxed)) {
            absl::Status written = WriteFindingRefusals(*w, batch);
            if (!written.ok()) {
              // (The file names belong to the loading thread, which words the error.)
              w->status = std::move(written);
              w->failed_at = batch.front().origin;
              w->failed.store(true, std::memory_order_release);
            }
          }
          Recycle(std::move(batch));
        }
      });
    }
  }

  // A writer's first batch is a tenth of the others, so that the database starts working
  // after a few hundred items are parsed instead of a full batch per writer (with two
  // writers, 10,000 items: a fifth of a second with one core idle at the start of a load).
  // Near the end of a file batches are a fifth of the others. Writers take items by id, and
  // a writer that falls behind holds up the parser, so at the end it can have two batches
  // queued when the other has none: with full batches the other writer's backend then sat
  // idle for up to half a second of a 1M-item load.
  size_t BatchLimit(size_t w) const {
    if (dispatched[w] == 0) return std::max<size_t>(1, options.batch_size / 10);
    if (near_end) return std::max<size_t>(1, options.batch_size / 5);
    return options.batch_size;
  }

  // Whether fewer bytes than the batches in flight (pending, queued and being written, for
  // every writer) remain of a file of `size` bytes of which `read` have been read.
  bool NearEnd(int64_t size, int64_t read) const {
    if (size <= 0 || items_added == 0) return false;
    const double bytes_per_item = double(bytes_split) / double(items_added);
    const double in_flight_items =
        double(writers.size() * (BatchQueue::kCapacity + 2) * options.batch_size);
    return double(size - read) < in_flight_items * bytes_per_item;
  }

  // ---- records -----------------------------------------------------------------------------

  // Whether `item` goes on to be written. An item met before in this load is reported:
  // upsert writes the later copy over the earlier one (the same writer takes both, in order),
  // insert rejects it and ignore skips it.
  bool TakeRepeat(const Hash128& digest, const StagedItem& item) {
    auto [met, first] = items_met.try_emplace(digest, item.origin);
    if (first) return true;
    const size_t file = OriginFile(item.origin);
    const int64_t line = OriginLine(item.origin);
    const std::string what =
        StrCat("item \"", item.id, "\" of collection \"", item.collection, "\"");
    const std::string earlier = Where(met->second);
    switch (options.mode) {
      case WriteMode::kInsert:
        Reject(file, line, StrCat(what, " is already at ", earlier,
                                  " of this load (--mode insert keeps the first copy)"));
        return false;
      case WriteMode::kIgnore:
        ++report.items_repeated;
        Warn(file, line, StrCat(what, " is already at ", earlier,
                                " of this load; skipped (--mode ignore keeps the first copy)"));
        return false;
      case WriteMode::kUpsert:
        ++report.items_repeated;
        Warn(file, line, StrCat(what, " is already at ", earlier,
                                " of this load; this later copy replaces it"));
        met->second = item.origin;
        return true;
    }
    return true;
  }

  // Settles the held item (see `held`): it stays in its batch, which may then be full, or
  // leaves it as a repeat.
  void SettleHeldItem() {
    if (!held) return;
    const size_t w = held->writer;
    const bool take = TakeRepeat(held->digest, pending[w][pending_used[w] - 1]);
    held.reset();
    if (!take) {
      --pending_used[w];
      return;
    }
    ++items_added;
    if (pending_used[w] >= BatchLimit(w)) Dispatch(w);
  }

  // Moves the parsed item (scratch) into its writer's batch, held there until the next item
  // has been parsed; scratch gets the slot's recycled storage for the next item.
  // `collection_hash` is that of its collection (known_collections).
  void AddScratchItem(size_t file, int64_t line, uint64_t collection_hash) {
    SettleHeldItem();
    const Hash128 digest = StableHash128(scratch.id, collection_hash);
    items_met.prefetch(digest);
    scratch.origin = PackOrigin(file, line);
    // By collection and id: every copy of an item goes to the same writer, so the last one in
    // the input is written last.
    const size_t w = digest.low % writers.size();
    std::swap(NextSlot(w), scratch);
    held = HeldItem{digest, w};
  }

  void HandleItem(std::string_view json, size_t file, int64_t line) {
    if (absl::Status fits = CheckRecordSize(json.size(), options.max_record_bytes); !fits.ok()) {
      return Reject(file, line, ToStd(fits.message()));
    }
    // Every record lies in a ReadBuffer, which keeps kJsonPadding bytes beyond its data.
    absl::Status prepared = PrepareItemInto(json, scratch, /*padded=*/true);
    if (!prepared.ok()) return Reject(file, line, ToStd(prepared.message()));
    const auto collection = known_collections.find(scratch.collection);
    if (collection == known_collections.end()) {
      return Reject(file, line,
                    StrCat("unknown collection \"", scratch.collection,
                           "\" (load the Collection first, in this or an earlier file)"));
    }
    AddScratchItem(file, line, collection->second);
  }

  absl::Status HandleCollection(std::string_view json, size_t file, int64_t line) {
    if (absl::Status fits = CheckRecordSize(json.size(), options.max_record_bytes); !fits.ok()) {
      Reject(file, line, ToStd(fits.message()));
      return absl::OkStatus();
    }
    auto collection = PrepareCollection(json);
    if (!collection.ok()) {
      Reject(file, line, ToStd(collection.status().message()));
      return absl::OkStatus();
    }
    auto changed = UpsertCollection(control, *collection);
    if (!changed.ok()) {
      if (ConnectionLost(control, changed.status())) return changed.status();
      Reject(file, line, StrCat("collection \"", collection->id,
                                "\": the database refused it: ", PlainMessage(changed.status())));
      return absl::OkStatus();
    }
    ++(*changed ? report.collections_changed : report.collections_unchanged);
    known_collections.emplace(collection->id, StableHash64(collection->id));
    return absl::OkStatus();
  }

  // Line number (1-based) of byte `offset` in `text`, counting on from a known position.
  struct LineCounter {
    std::string_view text;
    size_t position = 0;
    int64_t line;
    int64_t At(size_t offset) {
      line += std::count(text.begin() + position, text.begin() + offset, '\n');
      position = offset;
      return line;
    }
  };

  absl::Status HandleFeatureCollection(std::string_view json, size_t file, int64_t first_line) {
    auto features = TopLevelValue(json, "features");
    if (!features || json[features->begin] != '[') {
      Reject(file, first_line, "a FeatureCollection needs a \"features\" array");
      return absl::OkStatus();
    }
    std::string_view array = json.substr(features->begin, features->end - features->begin);
    LineCounter lines{json, 0, first_line};
    for (const Span& feature : ArrayElements(array)) {
      int64_t line = lines.At(features->begin + feature.begin);
      HandleItem(array.substr(feature.begin, feature.end - feature.begin), file, line);
      STACFED_RETURN_IF_ERROR(FirstWriterError());
    }
    return absl::OkStatus();
  }

  // Dispatches one JSON document by its top-level "type"; the record's own parser then
  // validates it fully.
  absl::Status HandleDocument(std::string_view json, size_t file, int64_t line) {
    auto type_span = TopLevelValue(json, "type");
    std::string_view type;
    if (type_span && json[type_span->begin] == '"') {
      type = json.substr(type_span->begin + 1, type_span->end - type_span->begin - 2);
    }
    if (type == "Feature") {
      HandleItem(json, file, line);
      return FirstWriterError();
    }
    if (type == "Collection") return HandleCollection(json, file, line);
    if (type == "FeatureCollection") {
      if (!IsCompleteJson(json)) {
        Reject(file, line, "not valid JSON");
        return absl::OkStatus();
      }
      return HandleFeatureCollection(json, file, line);
    }
    if (!IsCompleteJson(json)) {
      thread_local simdjson::dom::parser parser = NewDomParser();
      Reject(file, line, JsonErrorReason(parser.parse(json.data(), json.size(), true).error()));
      return absl::OkStatus();
    }
    if (!type_span) {
      Reject(file, line, "\"type\" is missing (expected Feature, Collection or FeatureCollection)");
    } else if (type == "Catalog") {
      Reject(file, line, "Catalogs are described in the federation file (stacfed federation apply)");
    } else {
      Reject(file, line, StrCat("\"type\" is ", json.substr(type_span->begin, type_span->end - type_span->begin),
                                "; expected Feature, Collection or FeatureCollection"));
    }
    return absl::OkStatus();
  }

  // ---- reading -----------------------------------------------------------------------------

  // What a line that may hold more than a record also holds: blanks around it. A line longer
  // than the limit by more than this is read as a stream; a shorter one is held whole and
  // its record measured exactly.
  static constexpr size_t kLineSlack = 4096;

  size_t LongLine() const { return options.max_record_bytes + kLineSlack; }

  // How the input is laid out, decided by its first line: newline-delimited JSON when that
  // line is a complete JSON value on its own, else one (pretty-printed) document. Drops the
  // blank lines before it. Reads at most LongLine() bytes of the first line: a longer one is
  // taken for a line of NDJSON and read as one (a FeatureCollection on one line loads, other
  // values are too long), so that the lines after it still load should it not be valid JSON.
  enum class Layout { kEmpty, kLines, kDocument };
  absl::StatusOr<Layout> Decide(Input& input, int64_t& next_line) {
    for (;;) {
      std::string_view text = input.view();
      size_t first = 0;
      while (first < text.size() && IsBlank(text[first])) ++first;
      next_line += std::count(text.begin(), text.begin() + first, '\n');
      input.DropTo(input.base() + first);
      text = input.view();
      const size_t newline = text.find('\n');
      if (newline == std::string_view::npos && !input.eof()) {
        if (text.size() > LongLine()) return Layout::kLines;
        STACFED_RETURN_IF_ERROR(input.Fill());
        continue;
      }
      if (text.empty()) return Layout::kEmpty;
      const std::string_view line = StripSpace(text.substr(0, newline));
      if (line.size() > options.max_record_bytes) return Layout::kLines;
      return IsCompleteJson(line) ? Layout::kLines : Layout::kDocument;
    }
  }

  // Whether the line at the input's position holds more than a record: its record is longer
  // than the limit, or it goes on for more than LongLine() bytes without a newline.
  bool AtLongLine(const Input& input) const {
    const std::string_view text = input.view();
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos && !input.eof()) return text.size() > LongLine();
    return StripSpace(text.substr(0, newline)).size() > options.max_record_bytes;
  }

  // Newline-delimited JSON from the input's position (line `next_line`) to its end: every
  // non-blank line is a record.
  absl::Status ReadLines(Input& input, size_t file, int64_t& next_line) {
    for (;;) {
      std::string_view text = input.view();
      size_t start = 0;
      for (;;) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
          if (!input.eof()) break;
          end = text.size();
        }
        const std::string_view record = StripSpace(text.substr(start, end - start));
        if (record.size() > options.max_record_bytes) break;  // a long line: streamed below
        if (!record.empty()) STACFED_RETURN_IF_ERROR(HandleDocument(record, file, next_line));
        if (end == text.size()) return absl::OkStatus();  // the last line, without newline
        ++next_line;
        start = end + 1;
      }
      bytes_split += start;
      input.DropTo(input.base() + start);
      if (AtLongLine(input)) {
        STACFED_RETURN_IF_ERROR(ReadLongLine(input, file, next_line));
        continue;
      }
      STACFED_RETURN_IF_ERROR(input.Fill());
      near_end = NearEnd(input.size(), input.bytes_read());
    }
  }

  // The result of reading one JSON value as a stream (ReadValue).
  struct Streamed {
    ValueStream::Event event = ValueStream::Event::kError;  // kEnd or kError
    int64_t end_line = 0;    // the line of the value's end, or of the error
    bool held_whole = true;  // the input still holds the value from its start
    int64_t features = 0;    // features of a FeatureCollection handed on
    std::string error;       // kError: why
  };

  // Reads the JSON value at the input's position (after blanks), which begins on line
  // `line`, as a stream: the features of a FeatureCollection are handled one at a time as
  // they arrive; any other value is held whole and handled when it ends, or rejected for its
  // size when it is longer than a record may be. `one_line`: the value is a line of
  // newline-delimited JSON, so it ends at the line's end at the latest.
  absl::StatusOr<Streamed> ReadValue(Input& input, size_t file, int64_t line, bool one_line) {
    ValueStream stream(kMaxJsonDepth);
    const size_t limit = options.max_record_bytes;
    const uint64_t start = input.base();
    Streamed result;
    result.end_line = line;
    bool in_feature = false;
    uint64_t feature = 0;  // where the feature being read begins
    int64_t feature_line = 0;
    bool feature_too_long = false;
    // one_line: where the line ends, once read (searched for in each chunk once).
    std::optional<uint64_t> line_end;
    uint64_t searched_to = start;
    for (;;) {
      const uint64_t at = start + stream.offset();
      std::string_view bytes = input.view().substr(at - input.base());
      bool end_of_input = input.eof();
      if (one_line) {
        if (!line_end) {
          const std::string_view unsearched = input.view().substr(searched_to - input.base());
          if (const size_t newline = unsearched.find('\n'); newline != std::string_view::npos) {
            line_end = searched_to + newline;
          }
          searched_to += unsearched.size();
        }
        if (line_end) {
          bytes = bytes.substr(0, *line_end - at);
          end_of_input = true;
        }
      }
      const ValueStream::Event event = stream.Next(bytes, end_of_input);
      const uint64_t offset = start + stream.offset();
      switch (event) {
        case ValueStream::Event::kNeedMore: {
          // Holds the value while it may still be a record, and the feature being read while
          // it may still be one; drops the rest before reading on.
          if (result.held_whole && stream.started() &&
              offset - (start + stream.value_begin()) > limit) {
            result.held_whole = false;
          }
          if (in_feature && offset - feature > limit) feature_too_long = true;
          uint64_t needed = offset;
          if (result.held_whole) {
            needed = start;
          } else if (in_feature && !feature_too_long) {
            needed = feature;
          }
          input.DropTo(needed);
          STACFED_RETURN_IF_ERROR(input.Fill());
          if (one_line) near_end = NearEnd(input.size(), input.bytes_read());
          break;
        }
        case ValueStream::Event::kFeatureBegin:
          result.held_whole = false;  // a FeatureCollection: never handled whole
          in_feature = true;
          feature = offset;
          feature_line = line + stream.newlines();
          feature_too_long = false;
          break;
        case ValueStream::Event::kFeatureEnd:
          if (feature_too_long || offset - feature > limit) {
            Reject(file, feature_line, ToStd(CheckRecordSize(offset - feature, limit).message()));
          } else {
            HandleItem(input.view().substr(feature - input.base(), offset - feature), file,
                       feature_line);
            STACFED_RETURN_IF_ERROR(FirstWriterError());
          }
          ++result.features;
          in_feature = false;
          break;
        case ValueStream::Event::kEnd: {
          result.event = event;
          result.end_line = line + stream.newlines();
          const uint64_t value_begin = start + stream.value_begin();
          if (stream.feature_collection()) {
            // Its features are loaded.
          } else if (!result.held_whole || offset - value_begin > limit) {
            Reject(file, line, ToStd(CheckRecordSize(offset - value_begin, limit).message()));
          } else {
            STACFED_RETURN_IF_ERROR(HandleDocument(
                input.view().substr(value_begin - input.base(), offset - value_begin), file, line));
          }
          input.DropTo(offset);
          return result;
        }
        case ValueStream::Event::kError:
          result.event = event;
          result.end_line = line + stream.newlines();
          result.error = stream.error();
          if (!result.held_whole) input.DropTo(offset);
          return result;
      }
    }
  }

  // Skips the rest of the input's current line (through its newline), reading as it goes;
  // returns the bytes skipped before the newline.
  absl::StatusOr<uint64_t> SkipLine(Input& input) {
    uint64_t skipped = 0;
    for (;;) {
      const std::string_view text = input.view();
      const size_t newline = text.find('\n');
      if (newline != std::string_view::npos) {
        input.DropTo(input.base() + newline + 1);
        return skipped + newline;
      }
      skipped += text.size();
      input.DropTo(input.base() + text.size());
      if (input.eof()) return skipped;
      STACFED_RETURN_IF_ERROR(input.Fill());
    }
  }

  // A line of newline-delimited JSON that is longer than a record may be, at the input's
  // position: read through as it arrives. A FeatureCollection's features load; anything
  // else is rejected for its size.
  absl::Status ReadLongLine(Input& input, size_t file, int64_t& next_line) {
    // Where the record begins: blanks before it are not part of it, and a line of blanks
    // holds none.
    for (;;) {
      const std::string_view text = input.view();
      size_t first = 0;
      while (first < text.size() && text[first] != '\n' && IsBlank(text[first])) ++first;
      input.DropTo(input.base() + first);
      if (first < text.size() && text[first] == '\n') {
        input.DropTo(input.base() + 1);
        ++next_line;
        return absl::OkStatus();
      }
      if (first < text.size()) break;
      if (input.eof()) return absl::OkStatus();
      STACFED_RETURN_IF_ERROR(input.Fill());
    }
    const uint64_t begin = input.base();
    STACFED_ASSIGN_OR_RETURN(Streamed streamed,
                             ReadValue(input, file, next_line, /*one_line=*/true));
    // A value: what follows it on the line is read as the rest of the line.
    if (streamed.event == ValueStream::Event::kEnd) return absl::OkStatus();
    // Not one JSON value: the line is skipped, and rejected for its length or as not JSON.
    const uint64_t skipped_from = input.base();
    STACFED_ASSIGN_OR_RETURN(uint64_t skipped, SkipLine(input));
    const uint64_t length = skipped_from + skipped - begin;
    if (streamed.features > 0) {
      Reject(file, next_line,
             StrCat("the FeatureCollection is not valid JSON (", streamed.error, "); its ",
                    streamed.features, " features before that were read"));
    } else if (length > options.max_record_bytes) {
      Reject(file, next_line, ToStd(CheckRecordSize(length, options.max_record_bytes).message()));
    } else {
      Reject(file, next_line, StrCat("not valid JSON (", streamed.error, ")"));
    }
    ++next_line;
    return absl::OkStatus();
  }

  // A document spread over lines (the input's first line is not a JSON value of its own),
  // at the input's position. A document that is not valid JSON while the input still holds
  // all of it is read again as lines, so that each bad line is reported on its own.
  absl::Status ReadDocument(Input& input, size_t file, int64_t& next_line) {
    STACFED_ASSIGN_OR_RETURN(Streamed streamed,
                             ReadValue(input, file, next_line, /*one_line=*/false));
    if (streamed.event == ValueStream::Event::kEnd) {
      next_line = streamed.end_line;
      return ReadLines(input, file, next_line);  // whatever follows it, line by line
    }
    if (streamed.held_whole) return ReadLines(input, file, next_line);
    const std::string features_read =
        streamed.features > 0
            ? StrCat("; its ", streamed.features, " features before that were read")
            : std::string();
    Reject(file, next_line,
           StrCat("the document is not valid JSON at line ", streamed.end_line, " (",
                  streamed.error, ")", features_read, "; the rest of the file was not read"));
    return absl::OkStatus();
  }

  absl::Status LoadFd(int fd, size_t file) {
    Input input(fd, sources[file]);
    near_end = false;
    int64_t next_line = 1;  // the line of the input's position
    STACFED_ASSIGN_OR_RETURN(Layout layout, Decide(input, next_line));
    switch (layout) {
      case Layout::kEmpty:
        return absl::OkStatus();
      case Layout::kLines:
        return ReadLines(input, file, next_line);
      case Layout::kDocument:
        return ReadDocument(input, file, next_line);
    }
    return absl::OkStatus();
  }
};

Loader::Loader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Loader::~Loader() {
  if (!impl_) return;
  for (auto& w : impl_->writers) w->queue.Close();
  for (auto& w : impl_->writers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

absl::StatusOr<std::unique_ptr<Loader>> Loader::Open(const std::string& url, LoadOptions options) {
  STACFED_ASSIGN_OR_RETURN(auto control, pg::Connection::Open(url));
  auto schema = control.Query("SELECT to_regclass('stacfed.items') IS NOT NULL");
  if (!schema.ok() || schema->Scalar() != "t") {
    return absl::FailedPreconditionError(
        "the database has no stacfed schema yet: run `stacfed migrate` first");
  }
  auto impl = std::make_unique<Impl>(std::move(control));
  impl->options = std::move(options);
  impl->options.writers = std::max(1, impl->options.writers);
  impl->options.batch_size = std::max<size_t>(1, impl->options.batch_size);
  impl->url = url;
  STACFED_ASSIGN_OR_RETURN(auto ids, impl->control.Query("SELECT id FROM stacfed.collections"));
  for (int r = 0; r < ids.Rows(); ++r) {
    impl->known_collections.emplace(ids.Get(r, 0), StableHash64(ids.Get(r, 0)));
  }
  STACFED_ASSIGN_OR_RETURN(
      auto filled, impl->control.Query("SELECT c.id FROM stacfed.collections c WHERE EXISTS"
                                       " (SELECT 1 FROM stacfed.items i WHERE i.collection = c.id)"));
  for (int r = 0; r < filled.Rows(); ++r) impl->collections_with_items.emplace(filled.Get(r, 0));
  for (int i = 0; i < impl->options.writers; ++i) {
    STACFED_ASSIGN_OR_RETURN(auto conn, pg::Connection::Open(url));
    // A batch waits for its commit anyway; the loader reports only what committed.
    (void)conn.Execute("SET synchronous_commit = off");
    impl->writers.push_back(std::make_unique<Writer>(std::move(conn)));
  }
  impl->pending.resize(impl->writers.size());
  impl->pending_used.resize(impl->writers.size());
  impl->dispatched.resize(impl->writers.size());
  impl->StartWriters();
  return std::unique_ptr<Loader>(new Loader(std::move(impl)));
}

absl::Status Loader::LoadFile(const std::string& path) {
  if (!impl_->report.stopped.ok()) return impl_->report.stopped;
  const size_t file = impl_->sources.size();
  impl_->sources.push_back(path);
  int fd = path == "-" ? STDIN_FILENO : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  absl::Status status =
      fd < 0 ? absl::NotFoundError(StrCat("cannot open ", path, ": ", strerror(errno)))
             : impl_->LoadFd(fd, file);
  if (fd >= 0 && fd != STDIN_FILENO) close(fd);
  if (status.ok()) status = impl_->FirstWriterError();
  impl_->ReportRefusals();
  if (!status.ok()) impl_->report.stopped = status;
  return status;
}

LoadReport Loader::Finish() {
  // The batches pending are valid records: written even after an error that stopped the
  // reading (a writer that lost its connection only drains its queue).
  impl_->SettleHeldItem();
  for (size_t w = 0; w < impl_->writers.size(); ++w) {
    if (impl_->pending_used[w] > 0) impl_->Dispatch(w);
  }
  for (auto& w : impl_->writers) w->queue.Close();
  for (auto& w : impl_->writers) {
    if (w->thread.joinable()) w->thread.join();
  }
  impl_->ReportRefusals();
  LoadReport& report = impl_->report;
  if (report.stopped.ok()) report.stopped = impl_->FirstWriterError();
  for (auto& w : impl_->writers) {
    report.items_inserted += w->totals.inserted;
    report.items_updated += w->totals.updated;
    report.items_unchanged += w->totals.unchanged;
  }
  return report;
}

}  // namespace stacfed::ingest
