#include "server/search/service.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <mutex>
#include <map>
#include <set>

#include "libstac/base/crypto.hpp"
#include "libstac/base/expiring_cache.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/pg/text_array.hpp"
#include "server/search/facet_stats.hpp"
#include "server/search/modules.hpp"
#include "server/search/query.hpp"
#include "server/search/statements.hpp"

namespace stacfed::search {
namespace {

using Clock = std::chrono::steady_clock;
using Narrowed = std::optional<std::vector<std::string>>;

constexpr std::chrono::seconds kScopeTtl{5};
constexpr std::chrono::seconds kQueryablesTtl{5};
// The federation's sites change only when its file is applied.
constexpr std::chrono::seconds kSitesTtl{5};
constexpr std::chrono::seconds kFacetStatisticsTtl{60};
// A collection keeps its partition for as long as it exists (nothing deletes collections).
constexpr std::chrono::seconds kPartitionTtl{60};
// A collection's first items reach searches of every collection at most this late when the
// partitions are many (SearchOptions::generic_plan_partitions).
constexpr std::chrono::seconds kPopulatedTtl{5};
// Counts running at once (most in the background); beyond, a first page goes uncounted.
constexpr size_t kMaxCountsInFlight = 256;
// Pages waiting for one count at most; beyond, a page goes uncounted.
constexpr size_t kMaxCountWaiters = 64;
// How long a page waits for a count running inline for another page (the statement
// timeout ends such a count before that).
constexpr int64_t kInlineCountWait = 60 * 1000;

// A page waiting for a count: the count's result once it is known (read and written under
// Caches::mutex), and a timer the page waits on, cancelled on the page's own executor when
// the count ends. Every page asking for a count that is running waits on one of these.
struct CountWaiter {
  explicit CountWaiter(const boost::asio::any_io_executor& executor) : done(executor) {}
  boost::asio::steady_timer done;
  std::optional<absl::StatusOr<std::optional<int64_t>>> result;
};

}  // namespace

// A search whose cost is bounded by its page is cheap: collections and a few ids, walked in
// the order index for `limit` rows. A spatial, time or CQL2 filter can make the walk (or the
// count) read far more rows than it returns, and long id lists, many collections or large
// pages cost in proportion: those are expensive.
bool IsExpensiveSearch(const SearchRequest& request) {
  return request.bbox || request.intersects || request.datetime || request.filter || request.q ||
         !IsIndexedOrder(request.sortby) ||
         request.ids.size() > kCheapMaxIds || request.limit > kCheapMaxLimit ||
         request.collections.size() > kCheapMaxCollections;
}

bool IsCountedByCollection(const SearchRequest& request) {
  return request.ids.empty() && !request.bbox && !request.intersects && !request.datetime &&
         !request.filter && !request.q;
}

absl::Status BuildConditions(const SearchRequest& request, const SearchContext& context,
                             Conditions& conditions, QueryBuilder& builder) {
  for (const Module* module : EnabledModules()) {
    STACFED_RETURN_IF_ERROR(module->Constrain(request, context, conditions, builder));
  }
  conditions.params = builder.params().size();
  return absl::OkStatus();
}

absl::StatusOr<SearchQuery> BuildSearchQuery(const SearchRequest& request,
                                             const SearchContext& context, int64_t count_limit) {
  QueryBuilder builder;
  Conditions conditions;
  STACFED_RETURN_IF_ERROR(BuildConditions(request, context, conditions, builder));
  if (context.partition_table != nullptr && request.collections.size() == 1) {
    conditions.relation = *context.partition_table;
  }
  static const SortSpec kDefaultOrder = SortSpec::Default();
  std::optional<SortSpec> order;
  for (const Module* module : EnabledModules()) {
    STACFED_ASSIGN_OR_RETURN(order, module->Order(request, context, builder));
    if (order) break;
  }
  STACFED_ASSIGN_OR_RETURN(
      SearchQuery query,
      AssembleSearch(conditions, std::move(builder), order ? *order : kDefaultOrder,
                     request.token ? &*request.token : nullptr, request.limit, count_limit));
  if (context.custom_plans) {
    query.page.plan = pg::Plan::kCustom;
    query.count.plan = pg::Plan::kCustom;
  }
  return query;
}

namespace {

// A number PostgreSQL printed (0 if it is none).
template <typename T>
T NumberOf(std::string_view text) {
  T value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// The heap bytes of a list of ids, for a cache's byte budget.
size_t Bytes(const std::vector<std::string>& ids) {
  size_t bytes = ids.capacity() * sizeof(std::string);
  for (const std::string& id : ids) bytes += id.capacity() + 1;
  return bytes;
}

// The cache key of a statement run: a digest of its name and parameter values, each
// length-prefixed, so a search of any size costs a key of 32 bytes.
Sha256Digest RunKey(std::string_view name, const std::vector<pg::Param>& params) {
  std::string key;
  StrAppend(&key, name.size(), ":", name);
  for (const pg::Param& param : params) {
    if (param) {
      StrAppend(&key, param->size(), ":", *param);
    } else {
      key += "-:";
    }
  }
  return Sha256(key);
}

// The live value of `key` in `cache`, read under the caches' lock.
template <typename Value>
std::optional<Value> Cached(std::mutex& mutex, ExpiringCache<Value>& cache,
                            const Sha256Digest& key) {
  std::lock_guard lock(mutex);
  if (const Value* hit = cache.Find(key, Clock::now())) return *hit;
  return std::nullopt;
}

// Stores `value` (holding `bytes` of heap memory of its own) under the caches' lock.
template <typename Value>
void Keep(std::mutex& mutex, ExpiringCache<Value>& cache, const Sha256Digest& key, Value value,
          size_t bytes) {
  std::lock_guard lock(mutex);
  cache.Store(key, std::move(value), bytes, Clock::now());
}

}  // namespace

// The requested collections limited to a scope; with none requested, the whole scope.
std::vector<std::string> RestrictToScope(const std::vector<std::string>& requested,
                                         const std::vector<std::string>& scope) {
  if (requested.empty()) return scope;
  std::vector<std::string> kept;
  for (const std::string& id : requested) {
    if (std::binary_search(scope.begin(), scope.end(), id)) kept.push_back(id);
  }
  return kept;
}

struct SearchService::Caches {
  explicit Caches(const SearchOptions& options)
      : counts({.ttl = options.count_cache_ttl, .max_entries = 20000, .max_bytes = 4 << 20}),
        scopes({.ttl = kScopeTtl, .max_entries = 1000, .max_bytes = 16 << 20}),
        queryables({.ttl = kQueryablesTtl, .max_entries = 200, .max_bytes = 32 << 20}),
        facet_stats({.ttl = kFacetStatisticsTtl, .max_entries = 1, .max_bytes = 1 << 20}),
        sites({.ttl = kSitesTtl, .max_entries = 1, .max_bytes = 1 << 20}),
        partitions({.ttl = kPartitionTtl, .max_entries = 10000, .max_bytes = 4 << 20}),
        populated({.ttl = kPopulatedTtl, .max_entries = 1, .max_bytes = 64 << 20}) {}

  std::mutex mutex;
  // numberMatched of a search; nullopt means "counted, above the limit".
  ExpiringCache<std::optional<int64_t>> counts;
  // The counts running now (RunKey digests), with the pages waiting for each.
  std::map<Sha256Digest, std::vector<std::shared_ptr<CountWaiter>>> counting;
  ExpiringCache<Narrowed> scopes;
  ExpiringCache<std::shared_ptr<const Queryables>> queryables;
  ExpiringCache<std::shared_ptr<const FacetStatistics>> facet_stats;
  ExpiringCache<std::shared_ptr<const std::vector<std::string>>> sites;
  // The partition table of a collection (only those that have one).
  ExpiringCache<std::shared_ptr<const std::string>> partitions;
  ExpiringCache<std::shared_ptr<const Populated>> populated;
};

SearchService::SearchService(SearchOptions options, std::shared_ptr<const TokenSigner> signer)
    : options_(options), signer_(std::move(signer)), caches_(std::make_unique<Caches>(options)) {}

SearchService::~SearchService() = default;

boost::asio::awaitable<absl::StatusOr<Narrowed>> CollectionsInTime(const Executor& db,
                                                                   const SearchRequest& request) {
  if (!request.datetime || !request.ids.empty()) co_return Narrowed();
  std::vector<pg::Param> params;
  params.emplace_back(request.datetime->start
                          ? pg::Param(FormatPgTimestamp(*request.datetime->start))
                          : pg::Param());
  params.emplace_back(request.datetime->end ? pg::Param(FormatPgTimestamp(*request.datetime->end))
                                            : pg::Param());
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result in_time,
      co_await db.Run(Cost::kCheap, statements::kCollectionsInTime, std::move(params)));
  std::vector<std::string> narrowed;
  if (request.collections.empty()) {
    const bool prunes = in_time.Rows() == 0 || in_time.Get(0, 1) != StrCat(in_time.Rows());
    if (!prunes || size_t(in_time.Rows()) > kMaxNarrowedCollections) co_return Narrowed();
    for (int r = 0; r < in_time.Rows(); ++r) narrowed.emplace_back(in_time.Get(r, 0));
    co_return narrowed;
  }
  for (const std::string& collection : request.collections) {
    for (int r = 0; r < in_time.Rows(); ++r) {
      if (in_time.Get(r, 0) == collection) {
        narrowed.push_back(collection);
        break;
      }
    }
  }
  if (narrowed.size() == request.collections.size()) co_return Narrowed();
  co_return narrowed;
}

boost::asio::awaitable<absl::StatusOr<Narrowed>> SearchService::CatalogCollections(
    const Executor& db, const std::string& catalog) const {
  // Keyed by a digest of the id: a catalog id in a URL may be as long as the request line.
  const Sha256Digest key = Sha256(catalog);
  if (auto hit = Cached(caches_->mutex, caches_->scopes, key)) co_return *std::move(hit);
  std::vector<pg::Param> params;
  params.emplace_back(catalog);
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result rows, co_await db.Run(Cost::kCheap, statements::kCatalogScope, std::move(params)));
  Narrowed scope;
  if (rows.Rows() > 0) {
    std::set<std::string, std::less<>> in_scope;
    for (int row = 0; row < rows.Rows(); ++row) {
      if (!rows.IsNull(row, 1)) in_scope.emplace(rows.Get(row, 1));
    }
    scope.emplace(in_scope.begin(), in_scope.end());
  }
  Keep(caches_->mutex, caches_->scopes, key, scope, scope ? Bytes(*scope) : 0);
  co_return scope;
}

boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const Queryables>>>
SearchService::QueryablesOf(const Executor& db, const std::vector<std::string>& collections) const {
  std::vector<std::string> sorted = collections;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string key_text = "q";
  for (const std::string& id : sorted) StrAppend(&key_text, id.size(), ":", id);
  const Sha256Digest key = Sha256(key_text);
  if (auto hit = Cached(caches_->mutex, caches_->queryables, key)) co_return *std::move(hit);
  std::vector<pg::Param> params;
  params.emplace_back(sorted.empty() ? pg::Param() : pg::Param(pg::TextArrayLiteral(sorted)));
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result rows,
      co_await db.Run(Cost::kCheap, statements::kCollectionProperties, std::move(params)));
  auto queryables = std::make_shared<Queryables>(Queryables::Builtin());
  size_t bytes = 0;
  for (int row = 0; row < rows.Rows(); ++row) {
    std::optional<std::string_view> values;
    if (!rows.IsNull(row, 2)) values = rows.Get(row, 2);
    queryables->AddPropertyRow(rows.Get(row, 0), rows.Get(row, 1), values, rows.Get(row, 3) == "t",
                               rows.Get(row, 4));
    bytes += 256 + rows.Get(row, 0).size() + (values ? values->size() * 2 : 0);
  }
  std::shared_ptr<const Queryables> shared = std::move(queryables);
  Keep(caches_->mutex, caches_->queryables, key, shared, bytes);
  co_return shared;
}

boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const FacetStatistics>>>
SearchService::FacetStatisticsOf(const Executor& db) const {
  static const Sha256Digest kKey = Sha256("facet statistics");
  if (auto hit = Cached(caches_->mutex, caches_->facet_stats, kKey)) co_return *std::move(hit);
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result rows, co_await db.Run(Cost::kCheap, statements::kFacetStatistics, {}));
  std::shared_ptr<const FacetStatistics> stats;
  if (rows.Rows() == 1 && !rows.IsNull(0, 2)) {
    std::optional<FacetStatistics> parsed =
        FacetStatistics::Parse(rows.Get(0, 0), rows.Get(0, 1), NumberOf<double>(rows.Get(0, 2)));
    if (parsed) stats = std::make_shared<const FacetStatistics>(*std::move(parsed));
  }
  Keep(caches_->mutex, caches_->facet_stats, kKey, stats, stats ? stats->size() * 32 : 0);
  co_return stats;
}

boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const std::vector<std::string>>>>
SearchService::KnownSites(const Executor& db) const {
  static const Sha256Digest kKey = Sha256("sites");
  if (auto hit = Cached(caches_->mutex, caches_->sites, kKey)) co_return *std::move(hit);
  STACFED_CO_ASSIGN_OR_RETURN(pg::Result rows,
                              co_await db.Run(Cost::kCheap, statements::kSiteIds, {}));
  std::vector<std::string> ids;
  ids.reserve(rows.Rows());
  for (int row = 0; row < rows.Rows(); ++row) ids.emplace_back(rows.Get(row, 0));
  auto sites = std::make_shared<const std::vector<std::string>>(std::move(ids));
  Keep(caches_->mutex, caches_->sites, kKey, sites, Bytes(*sites));
  co_return sites;
}

boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const std::string>>>
SearchService::PartitionOf(const Executor& db, const std::string& collection) const {
  const Sha256Digest key = Sha256(StrCat("partition:", collection));
  if (auto hit = Cached(caches_->mutex, caches_->partitions, key)) co_return *std::move(hit);
  std::vector<pg::Param> params;
  params.emplace_back(collection);
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result rows,
      co_await db.Run(Cost::kCheap, statements::kCollectionPartition, std::move(params)));
  std::optional<std::string> table;
  if (rows.Rows() == 1) table = PartitionTable(rows.Get(0, 0));
  // Only a partition that exists is kept: a collection made later is found when asked again.
  if (!table) co_return nullptr;
  auto shared = std::make_shared<const std::string>(*std::move(table));
  Keep(caches_->mutex, caches_->partitions, key, shared, shared->capacity() + 64);
  co_return shared;
}

boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const SearchService::Populated>>>
SearchService::PopulatedCollections(const Executor& db) const {
  static const Sha256Digest kKey = Sha256("collections with items");
  if (auto hit = Cached(caches_->mutex, caches_->populated, kKey)) co_return *std::move(hit);
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result rows, co_await db.Run(Cost::kCheap, statements::kCollectionsWithItems, {}));
  auto populated = std::make_shared<Populated>();
  populated->with_items.reserve(rows.Rows());
  for (int row = 0; row < rows.Rows(); ++row) {
    if (!rows.IsNull(row, 0)) populated->with_items.emplace_back(rows.Get(row, 0));
    populated->collections = NumberOf<int64_t>(rows.Get(row, 1));
  }
  std::shared_ptr<const Populated> shared = std::move(populated);
  Keep(caches_->mutex, caches_->populated, kKey, shared, Bytes(shared->with_items));
  co_return shared;
}

boost::asio::awaitable<absl::StatusOr<SearchService::Narrowing>> SearchService::NarrowToPopulated(
    const Executor& db, std::vector<std::string>& collections) const {
  STACFED_CO_ASSIGN_OR_RETURN(std::shared_ptr<const Populated> populated,
                              co_await PopulatedCollections(db));
  Narrowing narrowing;
  if (populated->collections <= options_.generic_plan_partitions) co_return narrowing;
  narrowing.custom_plans = true;
  if (collections.empty()) {
    collections = populated->with_items;
  } else {
    std::erase_if(collections, [&](const std::string& id) {
      return !std::binary_search(populated->with_items.begin(), populated->with_items.end(), id);
    });
  }
  narrowing.nothing = collections.empty();
  co_return narrowing;
}

// An empty page of /collections/{id}/items: tells a missing collection apart (404).
boost::asio::awaitable<absl::Status> SearchService::CheckScopeCollection(
    const Executor& db, const SearchScope& scope) const {
  if (scope.collection.empty()) co_return absl::OkStatus();
  std::vector<pg::Param> params;
  params.emplace_back(scope.collection);
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result exists,
      co_await db.Run(Cost::kCheap, statements::kCollectionExists, std::move(params)));
  if (exists.Rows() == 0) {
    co_return absl::NotFoundError(StrCat("collection '", scope.collection, "' does not exist"));
  }
  co_return absl::OkStatus();
}

boost::asio::awaitable<absl::StatusOr<std::optional<int64_t>>> SearchService::ItemsOf(
    const Executor& db, const std::vector<std::string>& collections) const {
  std::vector<pg::Param> params;
  params.emplace_back(collections.empty() ? pg::Param()
                                          : pg::Param(pg::TextArrayLiteral(collections)));
  // Reused like any count, for the count cache's period: a first page then costs one
  // statement, as the page of a filtered search whose count is cached does.
  const Sha256Digest key = RunKey(statements::kCollectionItemCount.name, params);
  if (auto hit = Cached(caches_->mutex, caches_->counts, key)) co_return *std::move(hit);
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result count,
      co_await db.Run(Cost::kCheap, statements::kCollectionItemCount, std::move(params)));
  if (count.Rows() != 1) co_return std::nullopt;
  const std::optional<int64_t> items = NumberOf<int64_t>(count.Scalar());
  Keep(caches_->mutex, caches_->counts, key, items, 0);
  co_return items;
}

boost::asio::awaitable<absl::StatusOr<std::optional<int64_t>>> SearchService::RunCount(
    const Executor& db, Cost cost, pg::Statement statement, std::vector<pg::Param> params,
    Sha256Digest key) const {
  absl::StatusOr<pg::Result> count = co_await db.Run(cost, statement, std::move(params));
  absl::StatusOr<std::optional<int64_t>> counted = std::optional<int64_t>();
  if (!count.ok()) {
    counted = count.status();
  } else if (count->Rows() == 1) {
    const int64_t value = NumberOf<int64_t>(count->Scalar());
    if (value <= options_.count_limit) counted = value;
  }
  std::vector<std::shared_ptr<CountWaiter>> waiters;
  {
    std::lock_guard lock(caches_->mutex);
    if (auto running = caches_->counting.find(key); running != caches_->counting.end()) {
      waiters = std::move(running->second);
      caches_->counting.erase(running);
    }
    if (counted.ok()) caches_->counts.Store(key, *counted, 0, Clock::now());
    for (const std::shared_ptr<CountWaiter>& waiter : waiters) waiter->result = counted;
  }
  // Each waiter's timer belongs to its page's executor: cancelled there.
  for (std::shared_ptr<CountWaiter>& waiter : waiters) {
    auto timer_executor = waiter->done.get_executor();
    boost::asio::post(timer_executor, [waiter = std::move(waiter)] { waiter->done.cancel(); });
  }
  co_return counted;
}

namespace {

// Waits at most `wait` for the count `waiter` is registered with; nullopt when it has not
// ended by then (it goes on, and a later page finds it in the cache).
boost::asio::awaitable<absl::StatusOr<std::optional<int64_t>>> AwaitCount(
    std::shared_ptr<CountWaiter> waiter, std::mutex& mutex, std::chrono::milliseconds wait) {
  {
    std::lock_guard lock(mutex);
    if (waiter->result) co_return *waiter->result;
  }
  waiter->done.expires_after(wait);
  boost::system::error_code ec;
  co_await waiter->done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  std::lock_guard lock(mutex);
  if (!waiter->result) co_return std::nullopt;  // still counting: this page goes without
  co_return *waiter->result;
}

}  // namespace

boost::asio::awaitable<absl::StatusOr<std::optional<int64_t>>> SearchService::CountMatches(
    const Executor& db, Cost cost, SearchQuery query) const {
  const Sha256Digest key = RunKey(query.count.name, query.count_params);
  std::shared_ptr<const Executor> detached = db.Detached();
  const bool inline_count = detached == nullptr || options_.count_wait.count() < 0;
  // A page whose count runs inline waits as long as the count; others count_wait.
  const std::chrono::milliseconds wait =
      inline_count ? std::chrono::milliseconds(kInlineCountWait) : options_.count_wait;
  auto executor = co_await boost::asio::this_coro::executor;
  std::shared_ptr<CountWaiter> waiter;  // made only when the cache has no count
  bool joined = false;  // the count runs already, for an earlier page that asked the same
  {
    std::lock_guard lock(caches_->mutex);
    if (const auto* hit = caches_->counts.Find(key, Clock::now())) co_return *hit;
    if (auto running = caches_->counting.find(key); running != caches_->counting.end()) {
      if (running->second.size() >= kMaxCountWaiters) co_return std::nullopt;
      waiter = std::make_shared<CountWaiter>(executor);
      running->second.push_back(waiter);
      joined = true;
    } else {
      if (caches_->counting.size() >= kMaxCountsInFlight) co_return std::nullopt;
      waiter = std::make_shared<CountWaiter>(executor);
      caches_->counting[key].push_back(waiter);
    }
  }
  if (joined) co_return co_await AwaitCount(std::move(waiter), caches_->mutex, wait);
  if (inline_count) {
    const pg::Statement statement{query.count.name, query.count.sql, query.count.plan};
    co_return co_await RunCount(db, cost, statement, std::move(query.count_params), key);
  }
  // The count runs on its own, so that a slow one can finish after the page has gone.
  // The coroutine owns everything it reads: the statement's text lives in `query`, which the
  // page's frame holds.
  boost::asio::co_spawn(
      executor,
      [this, detached, cost, name = std::string(query.count.name),
       sql = std::string(query.count.sql), plan = query.count.plan,
       params = std::move(query.count_params), key]() mutable -> boost::asio::awaitable<void> {
        const pg::Statement owned{name, sql, plan};
        co_await RunCount(*detached, cost, owned, std::move(params), key);
      },
      boost::asio::detached);
  co_return co_await AwaitCount(std::move(waiter), caches_->mutex, wait);
}

// What a search's statements are built from: the request narrowed to its scope and, for a
// time filter, to the collections with items in the interval, with the queryables and facet
// statistics its filter and order are built with. `empty`: nothing can match (no statement
// needs to run).
struct SearchService::Prepared {
  SearchRequest searched;
  SearchContext context;
  std::shared_ptr<const Queryables> queryables;
  std::shared_ptr<const FacetStatistics> facet_stats;
  std::shared_ptr<const std::string> partition_table;
  bool empty = false;
  bool out_of_scope = false;  // empty because the catalog holds none of the collections
};

boost::asio::awaitable<absl::StatusOr<SearchService::Prepared>> SearchService::Prepare(
    const Executor& db, SearchRequest request, const SearchScope& scope) const {
  Prepared prepared;
  prepared.searched = std::move(request);
  SearchRequest& searched = prepared.searched;
  // The queryables a filter is checked against are the endpoint's (those its /queryables
  // lists), not those of the `collections` asked for: a filter written from the root's
  // queryables stays valid, and finds nothing, in a collection whose items lack a property.
  std::vector<std::string> queryables_scope;
  if (!scope.collection.empty()) queryables_scope = {scope.collection};
  if (!scope.catalog.empty()) {
    STACFED_CO_ASSIGN_OR_RETURN(Narrowed in_catalog, co_await CatalogCollections(db, scope.catalog));
    if (!in_catalog) {
      co_return absl::NotFoundError(StrCat("catalog '", scope.catalog, "' does not exist"));
    }
    queryables_scope = *in_catalog;
    searched.collections = RestrictToScope(searched.collections, *in_catalog);
    if (searched.collections.empty()) {
      // Nothing in scope: an empty page, not a search over every collection.
      prepared.empty = true;
      prepared.out_of_scope = true;
      co_return prepared;
    }
  }
  prepared.context.facet_plan = options_.facet_plan;
  if (searched.filter || !searched.sortby.empty()) {
    STACFED_CO_ASSIGN_OR_RETURN(prepared.queryables, co_await QueryablesOf(db, queryables_scope));
    prepared.context.queryables = prepared.queryables.get();
    if (options_.facet_plan == FacetPlan::kAuto) {
      STACFED_CO_ASSIGN_OR_RETURN(prepared.facet_stats, co_await FacetStatisticsOf(db));
      prepared.context.facet_stats = prepared.facet_stats.get();
    }
  }
  STACFED_CO_ASSIGN_OR_RETURN(Narrowed in_time, co_await CollectionsInTime(db, searched));
  if (in_time && in_time->empty()) {
    // No collection has items in the interval: an empty page, without asking for items.
    STACFED_CO_RETURN_IF_ERROR(co_await CheckScopeCollection(db, scope));
    prepared.empty = true;
    co_return prepared;
  }
  if (in_time) searched.collections = std::move(*in_time);
  if (searched.collections.size() != 1) {
    STACFED_CO_ASSIGN_OR_RETURN(Narrowing narrowing,
                                co_await NarrowToPopulated(db, searched.collections));
    prepared.context.custom_plans = narrowing.custom_plans;
    if (narrowing.nothing) {
      prepared.empty = true;
      co_return prepared;
    }
  }
  if (searched.collections.size() == 1) {
    STACFED_CO_ASSIGN_OR_RETURN(prepared.partition_table,
                                co_await PartitionOf(db, searched.collections.front()));
    prepared.context.partition_table = prepared.partition_table.get();
  }
  co_return prepared;
}

boost::asio::awaitable<absl::StatusOr<SearchResult>> SearchService::Search(
    const Executor& db, SearchRequest request, const SearchScope& scope, bool count) const {
  SearchResult result;
  // The token is bound to the search as the client sent it, before any scope narrows it.
  result.fingerprint = SearchFingerprint(request, scope.path);
  STACFED_CO_RETURN_IF_ERROR(ResolveToken(request, result.fingerprint, *signer_));
  // Narrowing changes only the request's collections, which the page does not show (its
  // links repeat the query as it was sent): the page is rendered from the request searched.
  STACFED_CO_ASSIGN_OR_RETURN(Prepared prepared, co_await Prepare(db, std::move(request), scope));
  if (prepared.empty) {
    if (prepared.out_of_scope) result.counted = 0;
    result.request = std::move(prepared.searched);
    co_return result;
  }
  const SearchRequest& searched = prepared.searched;
  STACFED_CO_ASSIGN_OR_RETURN(SearchQuery query,
                              BuildSearchQuery(searched, prepared.context, options_.count_limit));
  const Cost cost = IsExpensiveSearch(searched) ? Cost::kExpensive : Cost::kCheap;
  result.token_columns = query.token_columns;
  const pg::Statement page_statement{query.page.name, query.page.sql, query.page.plan};
  STACFED_CO_ASSIGN_OR_RETURN(
      result.rows, co_await db.Run(cost, page_statement,
                                   std::move(query.params)));
  if (result.rows.Rows() == 0) STACFED_CO_RETURN_IF_ERROR(co_await CheckScopeCollection(db, scope));
  // A first page with a further page needs a count (a page that is not full counts itself;
  // later pages carry the count in their token).
  if (count && !searched.token && result.rows.Rows() > searched.limit) {
    if (IsCountedByCollection(searched)) {
      STACFED_CO_ASSIGN_OR_RETURN(result.counted, co_await ItemsOf(db, searched.collections));
    } else {
      STACFED_CO_ASSIGN_OR_RETURN(result.counted,
                                  co_await CountMatches(db, cost, std::move(query)));
    }
  }
  result.request = std::move(prepared.searched);
  co_return result;
}

boost::asio::awaitable<absl::StatusOr<std::optional<int64_t>>> SearchService::CountUpTo(
    const Executor& db, SearchRequest request, const SearchScope& scope, int64_t cap) const {
  request.token_text.reset();
  request.token.reset();
  STACFED_CO_ASSIGN_OR_RETURN(Prepared prepared, co_await Prepare(db, std::move(request), scope));
  if (prepared.empty) co_return 0;
  const SearchRequest& searched = prepared.searched;
  if (IsCountedByCollection(searched)) {
    // Exact at any size: the write path keeps the count.
    co_return co_await ItemsOf(db, searched.collections);
  }
  STACFED_CO_ASSIGN_OR_RETURN(SearchQuery query, BuildSearchQuery(searched, prepared.context, cap));
  const pg::Statement statement{query.count.name, query.count.sql, query.count.plan};
  STACFED_CO_ASSIGN_OR_RETURN(
      pg::Result counted, co_await db.Run(Cost::kExpensive, statement, std::move(query.count_params)));
  const int64_t value = counted.Rows() == 1 ? NumberOf<int64_t>(counted.Scalar()) : 0;
  if (value > cap) co_return std::nullopt;
  co_return value;
}

}  // namespace stacfed::search
