#include "crawler/walk/walker.hpp"

#include <algorithm>
#include <future>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/match.h"
#include "crawler/annotate/annotate.hpp"
#include "crawler/normalise/hrefs.hpp"
#include "crawler/normalise/normalise.hpp"
#include "crawler/walk/exact_json.hpp"
#include "crawler/walk/links.hpp"
#include "libstac/base/log.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/base/url.hpp"
#include "libstac/model/datetime.hpp"

namespace stacfed::crawler {
namespace json = boost::json;
namespace {

constexpr int kMaxStaticDepth = 8;
constexpr size_t kBatchItems = 1000;

// `url` with `limit=<limit>` added, unless it already names a limit.
std::string WithLimit(const std::string& url, int limit) {
  absl::StatusOr<Url> parsed = Url::Parse(url);
  if (limit <= 0 || !parsed.ok() || parsed->HasQueryParameter("limit")) return url;
  parsed->AppendQueryParameter("limit", std::to_string(limit));
  return std::string(parsed->str());
}

std::string StringField(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(json::string_view(key.data(), key.size()));
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

bool LooksLikeHtml(const HttpResponse& response) {
  if (response.content_type.find("html") != std::string::npos) return true;
  const size_t first = response.body.find_first_not_of(" \t\r\n");
  return first != std::string::npos && response.body[first] == '<';
}

// The text of each feature of the FeatureCollection `page`, parsed from `text` (indexed by
// `index`); empty when the text is unknown or does not match.
std::vector<std::string_view> FeatureTexts(std::string_view text, const JsonIndex& index,
                                           const json::object& page) {
  const json::value* features = page.if_contains("features");
  if (features == nullptr || !features->is_array()) return {};
  const std::optional<std::string_view> array = MemberText(SourceText(text, &index), page, "features");
  return array ? ElementTexts(SourceText(*array, &index), features->get_array())
               : std::vector<std::string_view>();
}

std::string_view TextAt(const std::vector<std::string_view>& texts, size_t index) {
  return index < texts.size() ? texts[index] : std::string_view();
}

bool HrefLooksLikeHtml(std::string_view href) {
  const std::string path = ReferencePath(href);
  return path.ends_with(".html") || path.ends_with(".htm");
}

// Relative hrefs made absolute against the document's base (crawler/normalise/hrefs.hpp);
// a bare path under a site's path prefix is a POSIX path there, not a reference.
void ResolveHrefs(json::object& document, std::string_view url, const SiteRegistry& sites,
                  std::vector<std::string>& changes) {
  ResolveRelativeHrefs(
      document, url, [&sites](std::string_view path) { return sites.SiteOfPath(path) != nullptr; },
      changes);
}

// Calls `take` with each feature of the FeatureCollection `page`, parsed from `text`, and
// the text of that feature (empty when unknown); stops when `take` returns false.
template <typename Take>
void ForEachFeature(const json::object& page, std::string_view text, const Take& take) {
  const json::value* features = page.if_contains("features");
  if (features == nullptr || !features->is_array() || features->get_array().empty()) return;
  const JsonIndex index(text);
  const std::vector<std::string_view> texts = FeatureTexts(text, index, page);
  size_t at = 0;
  for (const json::value& feature : features->get_array()) {
    if (!take(feature, SourceText(TextAt(texts, at++), &index))) return;
  }
}

size_t FeatureCount(const json::object& page) {
  const json::value* features = page.if_contains("features");
  return features && features->is_array() ? features->get_array().size() : 0;
}

// Where a static collection's interrupted walk resumes: the index of its next item link.
size_t StaticResumeIndex(const std::string& resume_json) {
  if (resume_json.empty()) return 0;
  boost::system::error_code ec;
  json::value resume = json::parse(resume_json, ec);
  if (ec || !resume.is_object()) return 0;
  const json::value* at = resume.get_object().if_contains("static_index");
  return at && at->is_int64() ? static_cast<size_t>(std::max<int64_t>(0, at->get_int64())) : 0;
}

// Why an item document's response yields no document ("" when it does).
std::string ItemFetchProblem(const absl::StatusOr<HttpResponse>& response) {
  if (!response.ok()) return std::string(response.status().message());
  if (!response->ok()) return StrCat("HTTP ", response->status);
  if (LooksLikeHtml(*response)) return "an HTML page, not an item";
  return "";
}

}  // namespace

absl::Status Walker::Run() {
  return source_.type == SourceType::kStatic ? RunStatic() : RunStacApi();
}

void Walker::Report() {
  if (!progress_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_report_ < std::chrono::milliseconds(250)) return;
  last_report_ = now;
  progress_(counters_);
}

Walker::FetchedDocument Walker::FetchAndParse(const HttpRequest& request) {
  FetchedDocument fetched;
  fetched.url = request.url;
  auto response = http_.Fetch(request);
  if (response.ok()) {
    fetched.http_status = response->status;
    if (!response->effective_url.empty()) fetched.url = response->effective_url;
  }
  if (!response.ok()) {
    fetched.document = response.status();
  } else if (!response->ok()) {
    fetched.document = absl::UnavailableError(StrCat(request.url, ": HTTP ", response->status));
  } else if (LooksLikeHtml(*response)) {
    fetched.document =
        absl::InvalidArgumentError(StrCat(request.url, ": an HTML page, not a STAC document"));
  } else {
    boost::system::error_code ec;
    json::value value = json::parse(response->body, ec);
    if (ec || !value.is_object()) {
      fetched.malformed_reason = StrCat("malformed JSON (", ec ? ec.message() : "not an object", ")");
      fetched.malformed_body = std::move(response->body);
      fetched.document = absl::InvalidArgumentError(StrCat(request.url, ": malformed JSON"));
    } else {
      fetched.document = std::move(value.get_object());
      fetched.text = std::move(response->body);
    }
  }
  return fetched;
}

absl::StatusOr<json::object> Walker::Settle(FetchedDocument fetched, const std::string& url) {
  if (!fetched.malformed_reason.empty()) {
    sink_.Quarantine(url, "", "", fetched.malformed_reason, fetched.malformed_body);
  }
  return std::move(fetched.document);
}

absl::StatusOr<json::object> Walker::FetchDocument(const HttpRequest& request, std::string* text) {
  FetchedDocument fetched = FetchAndParse(request);
  if (text != nullptr) *text = std::move(fetched.text);
  return Settle(std::move(fetched), request.url);
}

// ---- STAC API ----------------------------------------------------------------------------

// What a landing page's conformsTo lets an incremental run ask of /search.
Walker::SearchAbilities ReadSearchAbilities(const json::object& landing) {
  Walker::SearchAbilities abilities;
  const json::value* conforms = landing.if_contains("conformsTo");
  if (conforms == nullptr || !conforms->is_array()) return abilities;
  bool filter = false, cql2_text = false, cql2_json = false, features = false;
  for (const json::value& uri : conforms->get_array()) {
    if (!uri.is_string()) continue;
    const std::string_view text(uri.get_string());
    filter = filter || text.find("item-search#filter") != std::string_view::npos;
    // Item search rc.1 named the encodings filter:cql-text and filter:cql-json (DestinE HDA
    // v1 still does); an upstream that then refuses the CQL2 form gets a full walk.
    cql2_text = cql2_text || text.find("cql2-text") != std::string_view::npos ||
                text.ends_with("#filter:cql-text");
    cql2_json = cql2_json || text.find("cql2-json") != std::string_view::npos ||
                text.ends_with("#filter:cql-json");
    abilities.sort = abilities.sort || text.find("item-search#sort") != std::string_view::npos;
    abilities.search = abilities.search || text.ends_with("/item-search");
    features = features || text.find("ogcapi-features") != std::string_view::npos;
  }
  abilities.filter_text = filter && cql2_text;
  abilities.filter_json = filter && cql2_json && !cql2_text;
  abilities.items = features || abilities.search;
  return abilities;
}

namespace {

// Whether the landing's search links declare GET: a link without `method` means GET, and a
// landing without search links leaves GET /search to be tried as before.
bool DeclaresSearchGet(const json::object& landing) {
  const json::value* links = landing.if_contains("links");
  if (links == nullptr || !links->is_array()) return true;
  bool any_search = false;
  for (const json::value& link : links->get_array()) {
    if (!link.is_object() || StringField(link.get_object(), "rel") != "search") continue;
    any_search = true;
    const std::string method = StringField(link.get_object(), "method");
    if (method.empty() || absl::EqualsIgnoreCase(ToAbsl(method), "GET")) return true;
  }
  return !any_search;
}

// An answer that says the upstream will not serve this request at all (as opposed to a
// transient failure, which the HTTP client has already retried).
bool Refused(long http_status) {
  return (http_status >= 400 && http_status < 500 && http_status != 408 && http_status != 429) ||
         http_status == 501;
}

}  // namespace

absl::Status Walker::RunStacApi() {
  std::string landing_text;
  STACFED_ASSIGN_OR_RETURN(json::object landing,
                           FetchDocument(HttpRequest::Get(source_.url), &landing_text));
  RecordRoot(landing, landing_text);
  ReadSearchEndpoint(landing);
  for (const CollectionRef& collection : ListApiCollections(landing)) {
    if (HasItemsEndpoint(collection)) {
      WalkItemPages(collection);
      continue;
    }
    ++counters_.collections_without_items;
    log::Info("harvest ", source_.id, "/", collection.id, ": no items endpoint (no items link,"
              " and the API declares neither OGC API Features nor item search); collection"
              " harvested without items");
  }
  return absl::OkStatus();
}

void Walker::ReadSearchEndpoint(const json::object& landing) {
  search_abilities_ = ReadSearchAbilities(landing);
  search_abilities_.search_get = DeclaresSearchGet(landing);
  const json::object* search = FindLink(landing, "search", /*json_only=*/false);
  search_url_ = search ? ResolveHref(source_.url, std::string_view(search->at("href").get_string()))
                       : ResolveHref(source_.url, "search");
  if (absl::StatusOr<Url> search_url = Url::Parse(search_url_); search_url.ok()) {
    search_url->RemoveQueryAndFragment();
    search_url_ = std::string(search_url->str());
  }
}

bool Walker::HasItemsEndpoint(const CollectionRef& collection) const {
  return source_.items_via_search || collection.has_items_link || search_abilities_.items;
}

void Walker::RecordRoot(const json::object& root, std::string_view text) {
  json::object own = root;
  own.erase("links");
  if (absl::Status status = sink_.RecordUpstreamRoot(SerializeKeepingText(own, root, text));
      !status.ok()) {
    log::Warn("harvest ", source_.id, ": recording the root document: ", status.message());
  }
}

std::vector<Walker::CollectionRef> Walker::ListApiCollections(const json::object& landing) {
  std::vector<CollectionRef> collections;
  if (!ListCollectionPages(landing, collections)) ListChildCollections(landing, collections);
  return collections;
}

bool Walker::ListCollectionPages(const json::object& landing,
                                 std::vector<CollectionRef>& collections) {
  const json::object* data = FindLink(landing, "data");
  HttpRequest request = HttpRequest::Get(
      data ? ResolveHref(source_.url, std::string_view(data->at("href").get_string()))
           : ResolveHref(source_.url, "collections"));
  std::unordered_set<std::string> seen_requests;
  bool listed = false;
  while (true) {
    seen_requests.insert(RequestKey(request));
    std::string page_text;
    auto page = FetchDocument(request, &page_text);
    if (!page.ok()) {
      log::Warn("harvest ", source_.id, ": collection list ", page.status().message(),
                listed ? "" : "; falling back to the landing page's child links");
      if (listed) ++counters_.errors;
      return listed;
    }
    listed = true;
    ++counters_.pages;
    AddListedCollections(*page, page_text, request.url, collections);
    auto next = NextRequest(*page, request, source_.url, nullptr);
    if (!next) return true;
    if (seen_requests.count(RequestKey(*next))) {
      log::Warn("harvest ", source_.id, ": collection list next link loops; stopping");
      return true;
    }
    request = std::move(*next);
  }
}

void Walker::AddListedCollections(json::object& page, std::string_view page_text,
                                  const std::string& request_url,
                                  std::vector<CollectionRef>& collections) {
  json::value* list = page.if_contains("collections");
  if (list == nullptr || !list->is_array()) return;
  const std::vector<std::string_view> texts =
      ElementTexts(MemberText(page_text, page, "collections").value_or(""), list->get_array());
  for (size_t i = 0; i < list->get_array().size(); ++i) {
    json::value& document = list->get_array()[i];
    if (!document.is_object()) continue;
    const json::object* self = FindLink(document.get_object(), "self");
    const std::string url =
        self ? ResolveHref(request_url, std::string_view(self->at("href").get_string()))
             : request_url;
    if (auto ref = ApiCollection(std::move(document.get_object()), TextAt(texts, i), url)) {
      collections.push_back(std::move(*ref));
    }
  }
}

void Walker::ListChildCollections(const json::object& landing,
                                  std::vector<CollectionRef>& collections) {
  const json::value* links = landing.if_contains("links");
  if (links == nullptr || !links->is_array()) return;
  for (const json::value& link : links->get_array()) {
    if (!link.is_object()) continue;
    const auto& object = link.get_object();
    if (StringField(object, "rel") != "child") continue;
    const std::string href = ResolveHref(source_.url, StringField(object, "href"));
    if (!IsJsonMediaType(StringField(object, "type")) || HrefLooksLikeHtml(href)) {
      ++counters_.skipped;
      continue;
    }
    std::string text;
    auto document = FetchDocument(HttpRequest::Get(href), &text);
    if (!document.ok()) {
      ++counters_.errors;
      log::Warn("harvest ", source_.id, ": ", document.status().message());
      continue;
    }
    if (auto ref = ApiCollection(std::move(*document), text, href)) {
      collections.push_back(std::move(*ref));
    }
  }
}

std::optional<Walker::CollectionRef> Walker::ApiCollection(json::object document,
                                                           std::string_view text,
                                                           const std::string& url) {
  const json::object* items = FindLink(document, "items");
  const std::string items_href =
      items ? ResolveHref(url, std::string_view(items->at("href").get_string())) : std::string();
  std::optional<std::string> id = AcceptCollection(std::move(document), text, url);
  if (!id) return std::nullopt;
  CollectionRef ref;
  ref.id = *id;
  ref.document_url = url;
  ref.has_items_link = !items_href.empty();
  ref.first_items_request = FirstItemsRequest(UpstreamId(*id), items_href);
  return ref;
}

HttpRequest Walker::FirstItemsRequest(const std::string& collection_id,
                                      const std::string& items_href) const {
  if (source_.items_via_search) {
    HttpRequest request;
    request.method = "POST";
    request.url = search_url_;
    json::object body{{"collections", json::array{json::value(collection_id)}},
                      {"limit", source_.page_size}};
    request.body = json::serialize(body);
    return request;
  }
  const std::string href =
      items_href.empty()
          ? ResolveHref(source_.url, StrCat("collections/", PercentEncode(collection_id), "/items"))
          : items_href;
  return HttpRequest::Get(WithLimit(href, source_.page_size));
}

std::optional<std::string> Walker::AcceptCollection(json::object collection, std::string_view text,
                                                    const std::string& url) {
  const std::string id = StringField(collection, "id");
  if (!id.empty()) offered_ids_.push_back(id);
  if (!id.empty() && !source_.Wants(id)) return std::nullopt;
  const json::object received = collection;  // what the stored text is spliced against
  auto changes = NormaliseCollection(collection);
  if (!changes.ok()) {
    sink_.Quarantine(url, id, "", StrCat("collection: ", changes.status().message()),
                     text.empty() ? json::serialize(received) : std::string(text));
    return std::nullopt;
  }
  MapToLocalId(collection, id, *changes);
  ResolveHrefs(collection, url, source_.sites, *changes);
  for (const std::string& change : *changes) {
    log::Debug("harvest ", source_.id, ": collection ", id, ": ", change);
  }
  AnnotateCollection(collection, source_.sites, source_.site_access_extension);
  auto stored =
      sink_.PutCollection(SerializeKeepingText(collection, received, text), url, *changes);
  if (!stored.ok()) {
    if (!absl::IsInvalidArgument(stored.status())) ++counters_.errors;
    log::Warn("harvest ", source_.id, ": collection ", id, ": ", stored.status().message());
    return std::nullopt;
  }
  ++counters_.collections;
  collection_ids_.push_back(*stored);
  return *stored;
}

void Walker::MapToLocalId(json::object& collection, const std::string& upstream_id,
                          std::vector<std::string>& changes) {
  if (upstream_id.empty()) return;
  std::string local = source_.LocalCollectionId(upstream_id);
  if (local == upstream_id) return;
  collection["id"] = local;
  changes.push_back(StrCat("id: '", upstream_id, "' -> '", local,
                           "' (the local id the federation file gives this source's collection)"));
  upstream_ids_[std::move(local)] = upstream_id;
}

const std::string& Walker::UpstreamId(const std::string& local_id) const {
  auto found = upstream_ids_.find(local_id);
  return found == upstream_ids_.end() ? local_id : found->second;
}

std::optional<PreparedItem> Walker::PrepareReceivedItem(const json::value& received,
                                                        SourceText source,
                                                        const std::string& collection_id,
                                                        const std::string& url) {
  ++counters_.items;
  ++counters_.matched_seen;
  std::string item_id;
  if (received.is_object()) item_id = StringField(received.get_object(), "id");
  // The quarantine keeps the item as received: its text when known.
  auto as_received = [&] {
    return source.text.empty() ? json::serialize(received) : std::string(source.text);
  };
  if (!received.is_object()) {
    sink_.Quarantine(url, collection_id, "", "an item that is not a JSON object", as_received());
    return std::nullopt;
  }
  json::object item = received.get_object();  // the original stays intact for the splice
  auto normalised = NormaliseItem(item, ItemContext{UpstreamId(collection_id), collection_id});
  if (!normalised.ok()) {
    sink_.Quarantine(url, collection_id, item_id, std::string(normalised.status().message()),
                     as_received());
    return std::nullopt;
  }
  ResolveHrefs(item, url, source_.sites, normalised->changes);
  AnnotateItem(item, source_.sites, source_.site_access_extension);
  const std::string serialized = SerializeKeepingText(item, received.get_object(), source);
  // Held to STACFED_MAX_ITEM_BYTES like a loaded item (DbSink::Open has checked the value).
  const absl::Status fits = ingest::CheckRecordSize(
      serialized.size(), ingest::MaxRecordBytesFromEnv().value_or(ingest::kDefaultMaxRecordBytes));
  auto staged = fits.ok() ? ingest::PrepareItem(serialized) : absl::StatusOr<ingest::StagedItem>(fits);
  if (!staged.ok()) {
    sink_.Quarantine(url, collection_id, item_id, std::string(staged.status().message()),
                     as_received());
    return std::nullopt;
  }
  PreparedItem prepared;
  prepared.staged = std::move(*staged);
  prepared.changes = std::move(normalised->changes);
  prepared.withdrawn_reason = std::move(normalised->withdrawn_reason);
  if (const json::value* props = item.if_contains("properties"); props && props->is_object()) {
    if (auto updated = ParseRfc3339(StringField(props->get_object(), "updated")); updated.ok()) {
      prepared.updated_us = *updated;
    }
  }
  return prepared;
}

// ---- item pages --------------------------------------------------------------------------

struct Walker::PageWalk {
  PageWalk(const CollectionRef& collection, WalkState state)
      : collection(collection), state(std::move(state)) {}
  // Items taken so far: written, and buffered in the batch.
  int64_t Taken() const { return written + static_cast<int64_t>(batch.size()); }

  const CollectionRef& collection;
  WalkState state;
  HttpRequest request;  // of the page being read
  WalkMode mode;
  bool asked_incremental = false;  // counted in incremental_walks (a resumed walk is not)
  bool first_request = true;       // of this run: only that one can fall back to a full walk
  bool complete = true;            // the walk met every item of the collection
  int64_t written = 0;             // items written by this walk, a resumed one's included
  int64_t cap = INT64_MAX;         // max_items_per_collection
  int64_t last_updated_us = INT64_MAX;  // the order check of a sorted walk
  std::unordered_set<std::string> seen_requests;
  std::vector<PreparedItem> batch;
  // The next page, fetched while this one is written; completes before it is destroyed.
  std::future<FetchedDocument> pending;
};

void Walker::WalkItemPages(const CollectionRef& collection) {
  auto walk = sink_.BeginWalk(collection.id);
  if (!walk.ok()) {
    ++counters_.errors;
    log::Error("harvest ", source_.id, "/", collection.id, ": ", walk.status().message());
    return;
  }
  PageWalk pages(collection, std::move(*walk));
  StartOrResumeWalk(pages);
  if (!ReadPages(pages)) return;
  FinishCollectionWalk(collection.id, pages.state, pages.complete);
}

void Walker::StartOrResumeWalk(PageWalk& pages) {
  const WalkState& walk = pages.state;
  pages.request = pages.collection.first_items_request;
  if (!walk.resume_json.empty()) {
    if (auto resumed = RequestFromJson(walk.resume_json, &pages.mode)) {
      pages.request = std::move(*resumed);
    }
  } else if (walk.full_walk_age_s >= 0 && walk.full_walk_age_s < source_.full_walk_every_s) {
    StartIncrementalWalk(pages);
  }
  counters_.matched.reset();
  counters_.matched_seen = walk.items_so_far;
  pages.written = walk.items_so_far;
  pages.cap = source_.max_items_per_collection.value_or(INT64_MAX);
  pages.complete = !pages.mode.incremental;
  // The next page is fetched (and parsed) on another thread while this one normalises and
  // writes the current page: only one request per walk is ever in flight, so politeness
  // is unchanged, but the upstream's latency and the database's overlap.
  pages.pending = Prefetch(pages.request);
}

void Walker::StartIncrementalWalk(PageWalk& pages) {
  auto asked = IncrementalRequest(UpstreamId(pages.collection.id), pages.state, pages.mode);
  if (!asked) return;
  pages.request = std::move(*asked);
  ++counters_.incremental_walks;
  pages.asked_incremental = true;
  log::Info("harvest ", source_.id, "/", pages.collection.id, ": incremental walk: ",
            pages.request.method, " ", pages.request.url, " ", pages.request.body);
}

std::future<Walker::FetchedDocument> Walker::Prefetch(HttpRequest request) {
  return std::async(std::launch::async,
                    [this, request = std::move(request)] { return FetchAndParse(request); });
}

bool Walker::ReadPages(PageWalk& pages) {
  while (true) {
    if (pages.written >= pages.cap) {
      pages.complete = false;
      return true;
    }
    pages.seen_requests.insert(RequestKey(pages.request));
    FetchedDocument fetched = pages.pending.get();
    if (FallBackToFullWalk(pages, fetched.http_status)) continue;
    pages.first_request = false;
    std::optional<HttpRequest> next;
    if (!ReadPage(pages, std::move(fetched), next)) return false;
    Report();
    if (!next) return true;
    pages.request = std::move(*next);
  }
}

bool Walker::FallBackToFullWalk(PageWalk& pages, long http_status) {
  if (!pages.mode.incremental || !pages.first_request || !Refused(http_status)) return false;
  // The upstream declares what it will not do: read the whole collection instead.
  log::Warn("harvest ", source_.id, "/", pages.collection.id,
            ": incremental request refused (HTTP ", http_status,
            "); walking the whole collection instead");
  if (pages.asked_incremental) --counters_.incremental_walks;
  ++counters_.incremental_fallbacks;
  pages.mode = WalkMode{};
  pages.complete = true;
  pages.request = pages.collection.first_items_request;
  pages.pending = Prefetch(pages.request);
  return true;
}

bool Walker::ReadPage(PageWalk& pages, FetchedDocument fetched, std::optional<HttpRequest>& next) {
  const std::string page_url = fetched.url;  // the base of the items' relative hrefs
  const std::string page_text = std::move(fetched.text);
  auto page = Settle(std::move(fetched), pages.request.url);
  if (!page.ok()) {
    StopAtFailedPage(pages, page.status());
    return false;
  }
  ++counters_.pages;
  if (!counters_.matched) counters_.matched = MatchedCount(*page);
  next = NextPageRequest(pages, *page);
  // A sorted incremental walk decides after this page whether it needs the next one.
  const bool decide_after_page = pages.mode.stop_before_updated_us.has_value();
  if (next && !decide_after_page) pages.pending = Prefetch(*next);
  const bool reached_cursor = PreparePageItems(pages, *page, page_text, page_url);
  if (decide_after_page) {
    // Sorted newest first: after an item older than the cursor, every page is older.
    if (reached_cursor) next.reset();
    if (next) pages.pending = Prefetch(*next);
  }
  return WriteBatchIfDue(pages, next);
}

void Walker::StopAtFailedPage(PageWalk& pages, const absl::Status& failure) {
  const std::string& collection_id = pages.collection.id;
  // The checkpoint moves to this request (after what is already buffered): the next run
  // resumes here.
  if (!pages.batch.empty()) {
    if (auto status = sink_.WritePage(collection_id, pages.state, pages.batch,
                                      RequestToJson(pages.request, pages.mode));
        !status.ok()) {
      log::Error("harvest ", source_.id, "/", collection_id, ": writing a page: ", status.message());
    }
  }
  ++counters_.errors;
  log::Error("harvest ", source_.id, "/", collection_id, ": ", failure.message());
}

std::optional<HttpRequest> Walker::NextPageRequest(PageWalk& pages, const json::object& page) {
  const std::string& collection_id = pages.collection.id;
  const int64_t reach = pages.Taken() + static_cast<int64_t>(FeatureCount(page));
  const bool fills_cap = reach >= pages.cap;
  bool rewritten = false;
  std::optional<HttpRequest> next = NextRequest(page, pages.request, source_.url, &rewritten);
  if (rewritten) {
    log::Info("harvest ", source_.id, "/", collection_id, ": next link on an internal host,"
              " rewritten to ", next->url);
  }
  if (next && pages.seen_requests.count(RequestKey(*next))) {
    log::Warn("harvest ", source_.id, "/", collection_id, ": next link seen before (",
              next->url, "); the walk ends here");
    ++counters_.errors;
    next.reset();
    pages.complete = false;
  }
  if (fills_cap && (next || reach > pages.cap)) {
    pages.complete = false;  // a sample: what lies beyond the cap is unknown
  }
  if (fills_cap) next.reset();
  return next;
}

bool Walker::PreparePageItems(PageWalk& pages, const json::object& page,
                              std::string_view page_text, const std::string& page_url) {
  bool reached_cursor = false;
  ForEachFeature(page, page_text, [&](const json::value& feature, SourceText text) {
    if (pages.Taken() >= pages.cap) return false;
    if (auto prepared = PrepareReceivedItem(feature, text, pages.collection.id, page_url)) {
      TrackNewestFirst(pages, prepared->updated_us, reached_cursor);
      pages.batch.push_back(std::move(*prepared));
    }
    return true;
  });
  return reached_cursor;
}

void Walker::TrackNewestFirst(PageWalk& pages, int64_t updated_us, bool& reached_cursor) {
  std::optional<int64_t>& stop_before_updated = pages.mode.stop_before_updated_us;
  // An item without `updated` cannot be placed: it does not end the walk.
  if (!stop_before_updated || updated_us <= 0) return;
  if (updated_us > pages.last_updated_us) {
    // Not newest first: the API ignores sortby (as some silently do), so an early stop
    // would skip records. This walk reads on to the end.
    log::Warn("harvest ", source_.id, "/", pages.collection.id,
              ": sortby=-properties.updated is not honoured; reading every page");
    stop_before_updated.reset();
    reached_cursor = false;
    return;
  }
  pages.last_updated_us = updated_us;
  reached_cursor = reached_cursor || updated_us < *stop_before_updated;
}

bool Walker::WriteBatchIfDue(PageWalk& pages, const std::optional<HttpRequest>& next) {
  // Pages are written in batches of about kBatchItems items: fewer, larger transactions.
  // The checkpoint names the request after the batch's last page, so a resumed walk
  // fetches again at most one batch's pages, which the upsert finds unchanged.
  if (next && pages.batch.size() < kBatchItems) return true;
  pages.written += static_cast<int64_t>(pages.batch.size());
  const std::string next_json = next ? RequestToJson(*next, pages.mode) : std::string();
  if (absl::Status status = sink_.WritePage(pages.collection.id, pages.state, pages.batch, next_json);
      !status.ok()) {
    ++counters_.errors;
    log::Error("harvest ", source_.id, "/", pages.collection.id, ": writing a page: ",
               status.message());
    return false;  // `pending` completes before it is destroyed
  }
  pages.batch.clear();
  return true;
}

void Walker::FinishCollectionWalk(const std::string& collection_id, const WalkState& walk,
                                  bool complete) {
  if (auto finished = sink_.FinishWalk(collection_id, walk, complete); !finished.ok()) {
    ++counters_.errors;
    log::Error("harvest ", source_.id, "/", collection_id, ": ", finished.status().message());
  }
}

std::optional<HttpRequest> Walker::IncrementalRequest(const std::string& collection_id,
                                                      const WalkState& walk, WalkMode& mode) const {
  // Only what changed since the cursors, asked the best way the API allows: a filter on
  // `updated`, else items sorted newest `updated` first (read until older than the cursor),
  // else a datetime interval from the newest item met. Bounds are inclusive: records at the
  // cursor's instant come again and are found unchanged. A partial walk cannot tell what
  // vanished, so a full walk still runs every full_walk_every_s.
  const SearchAbilities& can = search_abilities_;
  const bool post = !can.search_get;
  std::optional<HttpRequest> request;
  if (can.filter_text && !walk.cursor.empty()) {
    request = SearchRequest(collection_id,
                            {{"filter-lang", "cql2-text"},
                             {"filter", StrCat("updated >= TIMESTAMP('", walk.cursor, "')")}},
                            post);
  } else if (can.filter_json && !walk.cursor.empty()) {
    json::object filter{{"op", ">="},
                        {"args", json::array{json::object{{"property", "updated"}},
                                             json::object{{"timestamp", walk.cursor}}}}};
    request = SearchRequest(collection_id,
                            {{"filter-lang", "cql2-json"}, {"filter", std::move(filter)}}, true);
  } else if (can.sort && !walk.cursor.empty()) {
    if (auto cursor = ParseRfc3339(walk.cursor); cursor.ok()) {
      mode.stop_before_updated_us = *cursor;
      json::array newest_first{json::object{{"field", "properties.updated"}, {"direction", "desc"}}};
      request = SearchRequest(collection_id, {{"sortby", std::move(newest_first)}}, post);
    }
  } else if (can.search && !walk.datetime_cursor.empty()) {
    request = SearchRequest(collection_id, {{"datetime", StrCat(walk.datetime_cursor, "/..")}}, post);
  }
  mode.incremental = request.has_value();
  return request;
}

HttpRequest Walker::SearchRequest(const std::string& collection_id, json::object parameters,
                                  bool post) const {
  if (post) {
    json::object body{{"collections", json::array{json::value(collection_id)}},
                      {"limit", source_.page_size}};
    for (json::key_value_pair& parameter : parameters) body[parameter.key()] = std::move(parameter.value());
    HttpRequest request;
    request.method = "POST";
    request.url = search_url_;
    request.body = json::serialize(body);
    return request;
  }
  std::string url = StrCat(search_url_, "?collections=", PercentEncode(collection_id));
  for (const json::key_value_pair& parameter : parameters) {
    const json::string_view key = parameter.key();
    const json::value& value = parameter.value();
    std::string text;
    if (value.is_string()) {
      text = std::string(value.get_string());
    } else if (key == "sortby" && value.is_array()) {  // [{"field","direction"}] -> -field
      for (const json::value& field : value.get_array()) {
        if (!text.empty()) text += ',';
        const json::object& sort = field.get_object();
        StrAppend(&text, StringField(sort, "direction") == "desc" ? "-" : "", StringField(sort, "field"));
      }
    } else {
      text = json::serialize(value);
    }
    StrAppend(&url, "&", std::string_view(key.data(), key.size()), "=", PercentEncode(text));
  }
  return HttpRequest::Get(WithLimit(url, source_.page_size));
}

// ---- static catalogs ---------------------------------------------------------------------

absl::Status Walker::RunStatic() {
  std::vector<StaticNode> frontier{{source_.url, 0}};
  std::set<std::string> visited;
  bool root = true;
  while (!frontier.empty()) {
    StaticNode node = std::move(frontier.back());
    frontier.pop_back();
    if (!visited.insert(node.url).second) continue;
    std::string text;
    auto document = FetchDocument(HttpRequest::Get(node.url), &text);
    if (!document.ok()) {
      if (root) return document.status();  // the source itself is unreachable
      ++counters_.errors;
      log::Warn("harvest ", source_.id, ": ", document.status().message());
      continue;
    }
    if (root) RecordRoot(*document, text);
    root = false;
    VisitStaticDocument(std::move(*document), text, node, frontier);
  }
  return absl::OkStatus();
}

void Walker::VisitStaticDocument(json::object document, std::string_view text,
                                 const StaticNode& node, std::vector<StaticNode>& frontier) {
  const std::string type = StringField(document, "type");
  StaticLinks links = ReadStaticLinks(document, node.url);
  if (node.depth < kMaxStaticDepth) {
    // Reverse so that the depth-first walk visits children in document order.
    for (auto it = links.children.rbegin(); it != links.children.rend(); ++it) {
      frontier.push_back({*it, node.depth + 1});
    }
  }
  if (type == "Collection") {
    HarvestStaticCollection(std::move(document), text, node.url, std::move(links.items));
  } else if (!links.items.empty()) {
    // Items must belong to a collection; a catalog's own items cannot be stored.
    counters_.skipped += static_cast<int64_t>(links.items.size());
    log::Warn("harvest ", source_.id, ": ", links.items.size(), " item links of catalog ",
              node.url, " skipped (items outside a collection)");
  }
}

Walker::StaticLinks Walker::ReadStaticLinks(const json::object& document, const std::string& url) {
  StaticLinks found;
  const json::value* links = document.if_contains("links");
  if (links == nullptr || !links->is_array()) return found;
  for (const json::value& link : links->get_array()) {
    if (!link.is_object()) continue;
    const auto& object = link.get_object();
    const std::string rel = StringField(object, "rel");
    if (rel != "child" && rel != "item") continue;
    const std::string href = ResolveHref(url, StringField(object, "href"));
    if (!IsJsonMediaType(StringField(object, "type")) || HrefLooksLikeHtml(href)) {
      ++counters_.skipped;
      log::Debug("harvest ", source_.id, ": skipping non-JSON ", rel, " ", href);
      continue;
    }
    (rel == "child" ? found.children : found.items).push_back(href);
  }
  return found;
}

void Walker::HarvestStaticCollection(json::object document, std::string_view text,
                                     const std::string& url, std::vector<std::string> item_links) {
  std::optional<std::string> id = AcceptCollection(std::move(document), text, url);
  if (!id) return;
  CollectionRef ref;
  ref.id = *id;
  ref.document_url = url;
  ref.item_links = std::move(item_links);
  WalkItemLinks(ref);
}

void Walker::WalkItemLinks(const CollectionRef& collection) {
  auto walk = sink_.BeginWalk(collection.id);
  if (!walk.ok()) {
    ++counters_.errors;
    log::Error("harvest ", source_.id, "/", collection.id, ": ", walk.status().message());
    return;
  }
  const size_t links = collection.item_links.size();
  size_t index = StaticResumeIndex(walk->resume_json);
  const size_t cap = static_cast<size_t>(std::min<int64_t>(
      source_.max_items_per_collection.value_or(INT64_MAX), static_cast<int64_t>(links)));
  counters_.matched = static_cast<int64_t>(links);
  counters_.matched_seen = static_cast<int64_t>(index);
  const size_t chunk = static_cast<size_t>(std::max(1, source_.page_size));
  bool complete = cap == links;
  while (index < cap) {
    const size_t end = std::min(cap, index + chunk);
    if (!WalkItemChunk(collection, *walk, index, end, cap, complete)) return;
    index = end;
  }
  FinishCollectionWalk(collection.id, *walk, complete);
}

bool Walker::WalkItemChunk(const CollectionRef& collection, const WalkState& walk, size_t begin,
                           size_t end, size_t cap, bool& complete) {
  const std::vector<std::string> urls(collection.item_links.begin() + begin,
                                      collection.item_links.begin() + end);
  // Conditional requests: an item document unchanged since the last run answers 304.
  std::unordered_map<std::string, CachedDocument> cached;
  if (auto validators = sink_.CachedValidators(urls); validators.ok()) {
    for (auto& document : *validators) cached[document.url] = std::move(document);
  }
  const std::vector<HttpRequest> requests = ConditionalRequests(urls, cached);
  std::vector<absl::StatusOr<HttpResponse>> responses = http_.FetchAll(requests);
  ItemChunk taken;
  for (size_t i = 0; i < responses.size(); ++i) {
    TakeItemResponse(collection.id, requests[i].url, responses[i], cached, taken, complete);
  }
  const std::string next_json =
      end < cap ? json::serialize(json::object{{"static_index", static_cast<int64_t>(end)}}) : "";
  if (absl::Status status = sink_.WritePage(collection.id, walk, taken.items, next_json,
                                            taken.not_modified, taken.validators);
      !status.ok()) {
    ++counters_.errors;
    log::Error("harvest ", source_.id, "/", collection.id, ": writing items: ", status.message());
    return false;
  }
  Report();
  return true;
}

std::vector<HttpRequest> Walker::ConditionalRequests(
    const std::vector<std::string>& urls,
    const std::unordered_map<std::string, CachedDocument>& cached) const {
  std::vector<HttpRequest> requests;
  for (const std::string& url : urls) {
    HttpRequest request = HttpRequest::Get(url);
    if (auto it = cached.find(url); it != cached.end() && !it->second.item_id.empty()) {
      request.etag = it->second.etag;
      request.last_modified = it->second.last_modified;
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

void Walker::TakeItemResponse(const std::string& collection_id, const std::string& url,
                              absl::StatusOr<HttpResponse>& response,
                              std::unordered_map<std::string, CachedDocument>& cached,
                              ItemChunk& chunk, bool& complete) {
  if (response.ok() && response->not_modified()) {
    ++counters_.items;
    ++counters_.not_modified;
    chunk.not_modified.push_back(cached[url].item_id);
    return;
  }
  if (const std::string problem = ItemFetchProblem(response); !problem.empty()) {
    // The item may still exist upstream: never withdraw on the strength of this walk.
    ++counters_.errors;
    complete = false;
    log::Warn("harvest ", source_.id, "/", collection_id, ": item ", url, ": ", problem);
    return;
  }
  boost::system::error_code ec;
  json::value document = json::parse(response->body, ec);
  if (ec) {
    ++counters_.items;
    sink_.Quarantine(url, collection_id, "", StrCat("malformed JSON (", ec.message(), ")"),
                     response->body);
    return;
  }
  ++counters_.pages;
  PrepareItemDocument(collection_id, url, *response, document, chunk);
}

void Walker::PrepareItemDocument(const std::string& collection_id, const std::string& url,
                                 const HttpResponse& response, const json::value& document,
                                 ItemChunk& chunk) {
  // The base of the item's relative hrefs: where the document came from, after redirects.
  const std::string& document_url = response.effective_url.empty() ? url : response.effective_url;
  if (document.is_object() && StringField(document.get_object(), "type") == "FeatureCollection") {
    auto take = [&](const json::value& feature, SourceText text) {
      if (auto prepared = PrepareReceivedItem(feature, text, collection_id, document_url)) {
        chunk.items.push_back(std::move(*prepared));
      }
      return true;
    };
    ForEachFeature(document.get_object(), response.body, take);
    return;
  }
  auto prepared = PrepareReceivedItem(document, SourceText(response.body), collection_id, document_url);
  if (!prepared) return;
  if (!response.etag.empty() || !response.last_modified.empty()) {
    chunk.validators.push_back(
        CachedDocument{url, response.etag, response.last_modified, prepared->staged.id});
  }
  chunk.items.push_back(std::move(*prepared));
}

}  // namespace stacfed::crawler
