#pragma once
// The search service: runs an item search over an injected executor (the database as the
// request may use it), so the whole path from a parsed request to the rows of a page is
// tested without sockets. It owns what searches share: the narrowing of a time-filtered
// search to the collections whose items can overlap the interval, the count cache, the
// collections of a catalog (scoped searches) and the queryables of the collections searched.
// Every cache is bounded in entries and bytes, keyed by SHA-256 digests, and expires on time;
// the service is shared by the server's threads (its caches lock briefly).
//
//   SearchService service(options, signer);
//   auto result = co_await service.Search(executor, std::move(request), scope);

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/base/crypto.hpp"
#include "libstac/pg/async_pool.hpp"
#include "server/search/modules.hpp"
#include "server/search/query.hpp"
#include "server/search/queryables.hpp"
#include "server/search/request.hpp"

namespace stacfed::search {

// What a statement may cost: expensive ones run in the database's heavy lane
// (server/http/server_options.hpp, db_heavy_pool_size).
enum class Cost { kCheap, kExpensive };

// The database as a search may use it.
class Executor {
 public:
  virtual ~Executor() = default;
  virtual boost::asio::awaitable<absl::StatusOr<pg::Result>> Run(
      Cost cost, const pg::Statement& statement, std::vector<pg::Param> params) const = 0;
  // A copy for work that goes on after the answer (a count in the background): it keeps the
  // client's turn in the lanes but no longer stops when the client hangs up. nullptr when
  // this executor cannot outlive its request; such work is then awaited.
  virtual std::shared_ptr<const Executor> Detached() const { return nullptr; }
};

inline constexpr int64_t kDefaultCountLimit = 1'000'000;

struct SearchOptions {
  // The most matches counted for numberMatched of a search with filters (beyond collections);
  // above it numberMatched is omitted. Searches of whole collections take their item counts.
  int64_t count_limit = kDefaultCountLimit;
  // How long a first page waits for a count of its matches it does not have yet: a count
  // still running then finishes in the background, and the page goes without numberMatched
  // (the same search asked again has it from the cache). Negative: always wait.
  std::chrono::milliseconds count_wait{10};
  // How long a count is reused for the same search; 0 disables.
  std::chrono::seconds count_cache_ttl{30};
  // How a filter that facet digests answer is run (modules.hpp).
  FacetPlan facet_plan = FacetPlan::kAuto;
  // Above this many collections (each has a partition), searches are planned with their
  // values, and a search of every collection reads only those holding items: a generic plan
  // over the partitioned table locks every partition and index on each execution before it
  // prunes them, which at 5,000 partitions takes 0.4 s and runs out of lock space (500). Below
  // it a generic plan, prepared once, is the cheaper (query.hpp).
  int64_t generic_plan_partitions = 64;
};

// Where a search runs.
struct SearchScope {
  // The path it was sent to, as requested: what its tokens are bound to.
  std::string path;
  // /collections/{id}/items: the collection (a missing one is a 404, not an empty page).
  std::string collection;
  // /catalogs/{id}/search: the catalog whose collections bound the search.
  std::string catalog;
};

struct SearchResult {
  // The request as searched: its token resolved, its collections narrowed to the scope and
  // the time filter (the page's links repeat the query as sent, not these).
  SearchRequest request;
  std::string fingerprint;
  pg::Result rows;  // the page's rows (query.hpp's PageColumn), limit + 1 at most
  // The count of a full first page (nullopt above the count limit, or when not counted: a
  // page that is not full counts itself, later pages carry the count in their token).
  std::optional<int64_t> counted;
  // For each sort key, the rows' column holding its value (query.hpp's TokenColumns): what
  // the tokens of the next and previous pages keep of their boundary rows.
  std::vector<int> token_columns;
};

// What restricts a search: every enabled module adds its conditions, in order, binding
// their values through `builder` (a search's statements and an aggregation's are built on
// them).
absl::Status BuildConditions(const SearchRequest& request, const SearchContext& context,
                             Conditions& conditions, QueryBuilder& builder);
// The statements of a search: every enabled module adds its conditions, in order, and the
// default order pages them (the golden SQL test calls this directly).
absl::StatusOr<SearchQuery> BuildSearchQuery(const SearchRequest& request,
                                             const SearchContext& context, int64_t count_limit);
// Whether a search's matches are all the items of its collections (it names nothing else), so
// that numberMatched is their item count (sql/0014) rather than a count of rows.
bool IsCountedByCollection(const SearchRequest& request);
// Whether a search may read far more rows than it returns (it then runs in the heavy lane).
bool IsExpensiveSearch(const SearchRequest& request);
// Beyond these a search is expensive even without a spatial, time or CQL2 filter.
inline constexpr size_t kCheapMaxIds = 100;
inline constexpr int kCheapMaxLimit = 1000;
inline constexpr size_t kCheapMaxCollections = 32;

// Beyond this many collections the time narrowing is not bound as a list.
inline constexpr size_t kMaxNarrowedCollections = 32;

// A search with a datetime filter, restricted to the collections whose items can overlap
// it (empty: none can; nullopt: leave the request as it is). Without this, a partition with
// no item in the interval is walked to its end before the merged page can be returned.
boost::asio::awaitable<absl::StatusOr<std::optional<std::vector<std::string>>>>
CollectionsInTime(const Executor& db, const SearchRequest& request);
// The requested collections limited to `scope` (sorted); with none requested, the whole scope.
std::vector<std::string> RestrictToScope(const std::vector<std::string>& requested,
                                         const std::vector<std::string>& scope);

class SearchService {
 public:
  SearchService(SearchOptions options, std::shared_ptr<const TokenSigner> signer);
  ~SearchService();

  // One page. `count` false: a first page never counts its matches (a caller that pages
  // through every match, such as the export, counted them itself).
  boost::asio::awaitable<absl::StatusOr<SearchResult>> Search(const Executor& db,
                                                              SearchRequest request,
                                                              const SearchScope& scope,
                                                              bool count = true) const;

  // The matches of a search (its token ignored), counted exactly and waited for however long
  // it takes, up to `cap`: above it nullopt, or the exact count where the collections' item
  // counts give it. Not cached (the export that asks runs once per request and reads far
  // more than the count).
  boost::asio::awaitable<absl::StatusOr<std::optional<int64_t>>> CountUpTo(
      const Executor& db, SearchRequest request, const SearchScope& scope, int64_t cap) const;

  // The collections below a catalog, sorted; nullopt when the catalog does not exist.
  // Reused for 5 s: the closure changes only when the federation file is applied or a
  // harvest links new collections.
  boost::asio::awaitable<absl::StatusOr<std::optional<std::vector<std::string>>>>
  CatalogCollections(const Executor& db, const std::string& catalog) const;

  // The queryables of the items of `collections` (every collection when empty), reused
  // for 5 s.
  boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const Queryables>>> QueryablesOf(
      const Executor& db, const std::vector<std::string>& collections) const;

  // PostgreSQL's statistics of the facets' digests (facet_stats.hpp), reused for a minute;
  // null when the items were never analyzed.
  boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const FacetStatistics>>>
  FacetStatisticsOf(const Executor& db) const;

  // The ids of the federation's sites (stacfed.sites), sorted, reused for 5 s: what
  // client_site may name.
  boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const std::vector<std::string>>>>
  KnownSites(const Executor& db) const;

  // The items of `collections` (every collection when empty), as the write path counts them.
  boost::asio::awaitable<absl::StatusOr<std::optional<int64_t>>> ItemsOf(
      const Executor& db, const std::vector<std::string>& collections) const;

  // The collections that hold items (sorted) and the number of collections, reused for 5 s.
  struct Populated {
    std::vector<std::string> with_items;
    int64_t collections = 0;
  };
  boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const Populated>>> PopulatedCollections(
      const Executor& db) const;

  // With many partitions (SearchOptions::generic_plan_partitions), `collections` (every
  // collection when empty) kept to those that hold items, so that statements planned with
  // their values lock only those partitions; unchanged with few.
  struct Narrowing {
    bool custom_plans = false;  // many partitions: plan with the values
    bool nothing = false;       // none of the collections holds items: nothing can match
  };
  boost::asio::awaitable<absl::StatusOr<Narrowing>> NarrowToPopulated(
      const Executor& db, std::vector<std::string>& collections) const;

  // The table of a collection's partition (query.hpp's PartitionTable), reused for a
  // minute; null when it has none (an unknown collection).
  boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const std::string>>> PartitionOf(
      const Executor& db, const std::string& collection) const;

  const TokenSigner& signer() const { return *signer_; }
  const SearchOptions& options() const { return options_; }

 private:
  // The matches of a search, counted up to the count limit (nullopt above it, or when the
  // count outlasts count_wait and goes on in the background), reused for the count cache's
  // period.
  boost::asio::awaitable<absl::StatusOr<std::optional<int64_t>>> CountMatches(
      const Executor& db, Cost cost, SearchQuery query) const;
  // Runs a count statement and caches what it says under `key`.
  boost::asio::awaitable<absl::StatusOr<std::optional<int64_t>>> RunCount(
      const Executor& db, Cost cost, pg::Statement statement, std::vector<pg::Param> params,
      Sha256Digest key) const;

  // NotFound when the scope is a collection that does not exist.
  boost::asio::awaitable<absl::Status> CheckScopeCollection(const Executor& db,
                                                            const SearchScope& scope) const;

  // The request narrowed to its scope and time, with what its statements are built from.
  struct Prepared;
  boost::asio::awaitable<absl::StatusOr<Prepared>> Prepare(const Executor& db,
                                                           SearchRequest request,
                                                           const SearchScope& scope) const;

  struct Caches;
  SearchOptions options_;
  std::shared_ptr<const TokenSigner> signer_;
  std::unique_ptr<Caches> caches_;
};

}  // namespace stacfed::search
