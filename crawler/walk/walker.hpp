#pragma once
// The STAC walker: from a source's root to its collections and their items, page by page,
// straight into the sink. Nothing is buffered beyond one page (or one chunk of item links),
// so memory stays flat whatever the catalog's size.
//
// STAC API: landing -> collections (rel=data, paged by rel=next; a failing /collections
// falls back to the landing's child links) -> items through the collection's `items` link
// (or POST /search), following rel=next whatever its form.
// Static: catalog.json / collection.json documents through child links (HTML children are
// skipped), items through item links, relative hrefs resolved, https:// and file://.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include "absl/status/status.h"
#include "crawler/fetch/http_client.hpp"
#include "crawler/sink/db_sink.hpp"
#include "crawler/source.hpp"
#include "crawler/walk/exact_json.hpp"
#include "crawler/walk/links.hpp"

namespace stacfed::crawler {

struct WalkCounters {
  int64_t collections = 0;
  int64_t pages = 0;
  int64_t items = 0;     // items received (before validation)
  int64_t errors = 0;    // failed fetches and walks cut short
  int64_t skipped = 0;   // HTML children and other non-STAC links
  int64_t not_modified = 0;  // item documents that answered 304 to a conditional request
  int64_t incremental_walks = 0;  // collections asked only for records newer than the cursors
  // Incremental requests the upstream refused (HTTP 4xx, 501): walked in full instead.
  int64_t incremental_fallbacks = 0;
  // Collections of an API without items endpoints (no `items` link, and the landing page
  // declares neither OGC API Features nor item search): stored, with no items to walk.
  int64_t collections_without_items = 0;
  std::optional<int64_t> matched;  // announced item count of the current collection
  int64_t matched_seen = 0;        // items received in the current collection
};

class Walker {
 public:
  using ProgressFn = std::function<void(const WalkCounters&)>;

  // What the landing page's conformsTo declares for /search, which decides how an
  // incremental run asks for records newer than its cursors.
  struct SearchAbilities {
    bool filter_text = false;  // CQL2-text filter: GET `updated >= TIMESTAMP(cursor)`
    bool filter_json = false;  // CQL2-JSON filter only (ESGF West): the same by POST
    bool sort = false;         // sortby=-properties.updated, read until older than the cursor
    bool search = false;       // item search: datetime=<datetime cursor>/..
    // The landing's search links declare GET (a link without `method` does, and so does a
    // landing without search links); false when they declare POST only.
    bool search_get = true;
    // Items endpoints: OGC API Features or item search declared, or no conformsTo at all.
    bool items = true;
  };

  Walker(const SourceSpec& source, HttpClient& http, DbSink& sink, ProgressFn progress = nullptr)
      : source_(source), http_(http), sink_(sink), progress_(std::move(progress)) {}

  // Harvests the whole source. An error means the source failed as a whole (root or
  // collection list unreachable); problems with single collections or items are counted
  // in counters().errors and quarantined, and the walk goes on.
  absl::Status Run();

  const WalkCounters& counters() const { return counters_; }
  // Ids of the collections harvested (for the catalog links).
  const std::vector<std::string>& collection_ids() const { return collection_ids_; }
  // Ids of every collection the upstream offered, wanted or not (include/exclude matching).
  const std::vector<std::string>& offered_ids() const { return offered_ids_; }

 private:
  struct CollectionRef {
    std::string id;
    std::string document_url;
    HttpRequest first_items_request;
    bool has_items_link = false;
    std::vector<std::string> item_links;  // static collections: resolved item hrefs
  };

  // A document of a static catalog still to visit, and how deep below the root it is.
  struct StaticNode {
    std::string url;
    int depth = 0;
  };
  // The child and item links of a static catalog or collection document.
  struct StaticLinks {
    std::vector<std::string> children;
    std::vector<std::string> items;
  };
  // One collection's walk through its item pages (defined in walker.cpp).
  struct PageWalk;
  // What one chunk of item links brought: items to write, items unchanged upstream (HTTP
  // 304) and the validators to keep for the next run.
  struct ItemChunk {
    std::vector<PreparedItem> items;
    std::vector<std::string> not_modified;
    std::vector<CachedDocument> validators;
  };

  absl::Status RunStacApi();
  // The landing's search abilities and search URL (rel=search, else <root>/search).
  void ReadSearchEndpoint(const boost::json::object& landing);
  absl::Status RunStatic();

  // A fetched and parsed document. Touches no database, so it can run on the prefetch
  // thread; a malformed body is kept for the quarantine, which the walk's thread writes.
  struct FetchedDocument {
    absl::StatusOr<boost::json::object> document = absl::UnknownError("not fetched");
    std::string url;  // where it came from: the request's URL after redirects
    std::string text;  // the body `document` was parsed from, for SerializeKeepingText
    std::string malformed_body;
    std::string malformed_reason;
    long http_status = 0;  // 0 when no response came
  };
  FetchedDocument FetchAndParse(const HttpRequest& request);
  // FetchAndParse plus the quarantine of a malformed body; non-2xx bodies are errors.
  // `text`, when given, receives the body the document was parsed from.
  absl::StatusOr<boost::json::object> FetchDocument(const HttpRequest& request,
                                                    std::string* text = nullptr);
  absl::StatusOr<boost::json::object> Settle(FetchedDocument fetched, const std::string& url);

  // ---- the collections of an API
  std::vector<CollectionRef> ListApiCollections(const boost::json::object& landing);
  // Reads the collection list (rel=data, else <root>/collections) page by page into
  // `collections`; false when its first page failed (then the landing's child links serve).
  bool ListCollectionPages(const boost::json::object& landing,
                           std::vector<CollectionRef>& collections);
  // The collections of one page of the collection list, fetched by `request_url`.
  void AddListedCollections(boost::json::object& page, std::string_view page_text,
                            const std::string& request_url, std::vector<CollectionRef>& collections);
  // The fallback: the landing page's child links, one collection document each.
  void ListChildCollections(const boost::json::object& landing,
                            std::vector<CollectionRef>& collections);
  // Accepts a collection document of an API (see AcceptCollection) and says where its items
  // are; nullopt when it is not wanted or invalid.
  std::optional<CollectionRef> ApiCollection(boost::json::object document, std::string_view text,
                                             const std::string& url);
  // The first request for a collection's items: POST /search when the source asks so, else
  // its `items` link (`items_href`, "" when it has none: <root>/collections/<id>/items).
  HttpRequest FirstItemsRequest(const std::string& collection_id,
                                const std::string& items_href) const;
  // Normalises and stores a collection document (`text`: the text it was parsed from, ""
  // when unknown); nullopt when it is not wanted or invalid. `url`: its self link or where
  // it came from (the base of its relative hrefs).
  std::optional<std::string> AcceptCollection(boost::json::object collection,
                                              std::string_view text, const std::string& url);
  // Whether an API collection has items to walk (see WalkCounters::collections_without_items).
  bool HasItemsEndpoint(const CollectionRef& collection) const;

  // ---- item pages (STAC API)
  void WalkItemPages(const CollectionRef& collection);
  // The walk's first request: the checkpoint's when resuming, an incremental one when the
  // last full walk is recent enough, else the collection's first items request.
  void StartOrResumeWalk(PageWalk& pages);
  void StartIncrementalWalk(PageWalk& pages);
  // Fetches `request` on another thread (see WalkItemPages).
  std::future<FetchedDocument> Prefetch(HttpRequest request);
  // Reads, prepares and writes pages until the last; false when a failed page or write
  // ended the walk (it is then not finished: the next run resumes it).
  bool ReadPages(PageWalk& pages);
  // When the first request of an incremental walk is refused: restarts the walk as a full
  // one and returns true.
  bool FallBackToFullWalk(PageWalk& pages, long http_status);
  // One fetched page: its items prepared, the next page asked for, the batch written when
  // due. `next` receives the next page's request (none after the last page).
  bool ReadPage(PageWalk& pages, FetchedDocument fetched, std::optional<HttpRequest>& next);
  // Writes what is buffered with the checkpoint at the failed request, and counts the error.
  void StopAtFailedPage(PageWalk& pages, const absl::Status& failure);
  // The next page's request: none after the last page, on a next-link loop or at the cap
  // (both also make the walk incomplete).
  std::optional<HttpRequest> NextPageRequest(PageWalk& pages, const boost::json::object& page);
  // Prepares the page's items into the batch, up to the cap; true when a sorted incremental
  // walk met an item older than its cursor.
  bool PreparePageItems(PageWalk& pages, const boost::json::object& page,
                        std::string_view page_text, const std::string& page_url);
  // The order check of a sorted incremental walk, per item with `updated`.
  void TrackNewestFirst(PageWalk& pages, int64_t updated_us, bool& reached_cursor);
  // Writes the batch with the checkpoint at `next` once it holds kBatchItems items or the
  // walk has no next page; false when the write failed.
  bool WriteBatchIfDue(PageWalk& pages, const std::optional<HttpRequest>& next);
  // Ends a collection's walk in the sink (a complete walk withdraws what it did not meet).
  void FinishCollectionWalk(const std::string& collection_id, const WalkState& walk,
                            bool complete);
  // The first request of a walk that asks only for records newer than the walk's cursors,
  // the best way the landing page allows, by the method its search links declare; nullopt
  // when the API offers no way or there is no cursor yet. Sets `mode`.
  std::optional<HttpRequest> IncrementalRequest(const std::string& collection_id,
                                                const WalkState& walk, WalkMode& mode) const;
  // POST /search, or GET with the parameters in the query, for one collection's items.
  HttpRequest SearchRequest(const std::string& collection_id, boost::json::object parameters,
                            bool post) const;
  // Keeps the root document's own id, title and description (the sink records it);
  // `text`: the text it was parsed from.
  void RecordRoot(const boost::json::object& root, std::string_view text);

  // ---- static catalogs
  // One fetched catalog or collection document: its children queued, a collection's items
  // walked.
  void VisitStaticDocument(boost::json::object document, std::string_view text,
                           const StaticNode& node, std::vector<StaticNode>& frontier);
  StaticLinks ReadStaticLinks(const boost::json::object& document, const std::string& url);
  void HarvestStaticCollection(boost::json::object document, std::string_view text,
                               const std::string& url, std::vector<std::string> item_links);
  void WalkItemLinks(const CollectionRef& collection);
  // Fetches the item links [begin, end) with conditional requests and writes them with the
  // checkpoint after `end` (none when `end` reaches `cap`); false when the write failed.
  bool WalkItemChunk(const CollectionRef& collection, const WalkState& walk, size_t begin,
                     size_t end, size_t cap, bool& complete);
  // GET requests for `urls`, conditional where an earlier run stored validators.
  std::vector<HttpRequest> ConditionalRequests(
      const std::vector<std::string>& urls,
      const std::unordered_map<std::string, CachedDocument>& cached) const;
  // One item document's response into `chunk`: 304, a failure (the walk becomes
  // incomplete), malformed JSON (quarantined), an item or a FeatureCollection of items.
  void TakeItemResponse(const std::string& collection_id, const std::string& url,
                        absl::StatusOr<HttpResponse>& response,
                        std::unordered_map<std::string, CachedDocument>& cached, ItemChunk& chunk,
                        bool& complete);
  void PrepareItemDocument(const std::string& collection_id, const std::string& url,
                           const HttpResponse& response, const boost::json::value& document,
                           ItemChunk& chunk);

  // Turns one received item into a PreparedItem, or quarantines it. `source` is the text
  // the item was parsed from (empty when unknown): what normalise and annotate leave alone
  // is stored as those bytes. `url`: the document or page it came from (after redirects),
  // the base of its relative hrefs.
  // A collection the federation file maps to a local id (a namesake of another source's)
  // takes that id, a recorded change; UpstreamId gives back the upstream's id for requests.
  void MapToLocalId(boost::json::object& collection, const std::string& upstream_id,
                    std::vector<std::string>& changes);
  const std::string& UpstreamId(const std::string& local_id) const;
  std::optional<PreparedItem> PrepareReceivedItem(const boost::json::value& item,
                                                  SourceText source,
                                                  const std::string& collection_id,
                                                  const std::string& url);
  void Report();

  SearchAbilities search_abilities_;
  std::string search_url_;  // the landing's rel=search, else <root>/search
  const SourceSpec& source_;
  HttpClient& http_;
  DbSink& sink_;
  ProgressFn progress_;
  WalkCounters counters_;
  std::vector<std::string> collection_ids_;
  std::vector<std::string> offered_ids_;
  std::map<std::string, std::string> upstream_ids_;  // local id -> upstream id, where they differ
  std::chrono::steady_clock::time_point last_report_{};
};

}  // namespace stacfed::crawler
