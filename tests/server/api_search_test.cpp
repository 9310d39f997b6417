// Item search against a real database: the SQL of every filter, keyset paging through all
// results forwards and backwards (GET and POST links), numberMatched with its cap, and the
// plan of a next page (index range scans in search order, no sort).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "absl/strings/str_replace.h"
#include "libstac/base/strings.hpp"
#include "libstac/pg/connection.hpp"
#include "server/api/render.hpp"
#include "server/search/params.hpp"
#include "server/search/queryables.hpp"
#include "server/search/service.hpp"
#include "tests/support/test_database.hpp"

namespace stacfed::api {
namespace {

namespace json = boost::json;

// 3 collections x 20 items. Every 5 items share a datetime, so paging must break ties by
// (collection, id). Longitudes run from -175 to 175; item 7 of each collection carries a
// stored license link.
constexpr char kFixture[] = R"sql(
SELECT stacfed.upsert_collection(jsonb_build_object(
  'type','Collection','id',c,'stac_version','1.0.0','description','test','license','CC0-1.0',
  'extent',jsonb_build_object('spatial',jsonb_build_object('bbox',jsonb_build_array(jsonb_build_array(-180,-90,180,90))),
                              'temporal',jsonb_build_object('interval',jsonb_build_array(jsonb_build_array('2000-01-01T00:00:00Z',null))))),
  '[]'::jsonb, 1)
FROM unnest(ARRAY['alpha','beta','gamma']) c;
INSERT INTO stacfed.items (collection, id, geometry, datetime, end_datetime, properties, content, links, content_hash)
SELECT c, 'item-' || lpad(n::text, 2, '0'), ST_SetSRID(ST_MakePoint(x, 10), 4326), t, t + interval '1 hour',
  jsonb_build_object('datetime', t),
  json_build_object('type','Feature','stac_version','1.0.0','id','item-' || lpad(n::text, 2, '0'),'collection',c,
    'geometry',json_build_object('type','Point','coordinates',json_build_array(x, 10)),
    'properties',json_build_object('datetime',t),'assets','{}'::json),
  CASE WHEN n = 7 THEN '[{"rel":"license","href":"https://example.org/license"}]'::json END, n
FROM unnest(ARRAY['alpha','beta','gamma']) c, generate_series(1, 20) n,
     LATERAL (SELECT timestamptz '2020-01-01T00:00:00Z' + (n / 5) * interval '1 day' AS t,
                     -175 + (n - 1) * (350.0 / 19) AS x) v;
-- The time bounds and item counts the write path keeps (sql/0006, sql/0014).
UPDATE stacfed.collections c SET items_min_datetime = b.lo, items_max_end_datetime = b.hi,
  item_count = b.n
FROM (SELECT collection, min(datetime) lo, max(end_datetime) hi, count(*) n
      FROM stacfed.items GROUP BY 1) b
WHERE b.collection = c.id;
)sql";

struct Fixture {
  testing::TestDatabase db;
  pg::Connection conn;
  Fixture() : conn(Open(db.url())) { REQUIRE(conn.Execute(kFixture).ok()); }
  static pg::Connection Open(const std::string& url) {
    auto conn = pg::Connection::Open(url);
    REQUIRE(conn.ok());
    return std::move(conn).value();
  }
};

struct Page {
  json::value body;
  std::vector<std::string> keys;  // "collection/id" in page order
  std::string fingerprint;
  const json::object* Link(std::string_view rel) const {
    for (const json::value& link : body.at("links").as_array()) {
      if (link.at("rel").as_string() == json::string_view(rel.data(), rel.size())) {
        return &link.as_object();
      }
    }
    return nullptr;
  }
};

// The database as the search service uses it, over one connection.
class ConnectionExecutor : public search::Executor {
 public:
  explicit ConnectionExecutor(pg::Connection& conn) : conn_(conn) {}
  boost::asio::awaitable<absl::StatusOr<pg::Result>> Run(
      search::Cost, const pg::Statement& statement, std::vector<pg::Param> params) const override {
    co_return conn_.Query(statement.sql, params);
  }

 private:
  pg::Connection& conn_;
};

std::shared_ptr<const TokenSigner> Signer() {
  static const auto signer = std::make_shared<const TokenSigner>("test key");
  return signer;
}

// One search through `service` on `executor`, as the endpoints run it, sent to `path`.
search::SearchResult ServiceSearch(const search::SearchService& service,
                                   const search::Executor& executor, SearchRequest request,
                                   std::string path = "/search") {
  std::optional<absl::StatusOr<search::SearchResult>> result;
  // A named closure: a coroutine lambda's captures live in the closure, not the frame.
  // GCC 12 destroys a temporary in a co_await expression twice: the scope is named.
  search::SearchScope scope;
  scope.path = std::move(path);
  auto run = [&]() -> boost::asio::awaitable<void> {
    result = co_await service.Search(executor, request, scope);
  };
  boost::asio::io_context io;
  boost::asio::co_spawn(io, run(), boost::asio::detached);
  io.run();
  REQUIRE(result.has_value());
  INFO(result->status());
  REQUIRE(result->ok());
  return *std::move(*result);
}

// Runs a search through the search service, as the endpoints do, and renders its page.
Page RunSearch(pg::Connection& conn, const SearchRequest& request, SearchOrigin origin,
               int64_t count_limit = search::kDefaultCountLimit) {
  const search::SearchService service({.count_limit = count_limit, .count_cache_ttl = {}},
                                      Signer());
  const ConnectionExecutor executor(conn);
  const search::SearchResult result = ServiceSearch(service, executor, request, origin.path);
  origin.fingerprint = result.fingerprint;
  origin.signer = Signer().get();
  const std::string text =
      RenderItemCollection(result.request, result.rows, result.token_columns, result.counted,
                           origin);
  boost::system::error_code ec;
  Page page{json::parse(text, ec), {}, result.fingerprint};
  INFO(text);
  REQUIRE_FALSE(ec);
  for (const json::value& feature : page.body.at("features").as_array()) {
    page.keys.push_back(StrCat(std::string_view(feature.at("collection").as_string()), "/",
                               std::string_view(feature.at("id").as_string())));
  }
  return page;
}

SearchOrigin GetOrigin(std::string raw_query) {
  SearchOrigin origin;
  origin.base_url = "http://test";
  origin.path = "/search";
  origin.raw_query = std::move(raw_query);
  return origin;
}

// The token of a GET next/prev href.
std::string TokenOf(const json::object& link) {
  const std::string href(link.at("href").as_string().c_str());
  const size_t at = href.find("token=");
  REQUIRE(at != std::string::npos);
  return href.substr(at + 6);
}

std::vector<std::string> ExpectedOrder(pg::Connection& conn, std::string_view where) {
  auto rows = conn.Query(StrCat("SELECT collection || '/' || id FROM stacfed.items WHERE ",
                                where, " ORDER BY datetime DESC, collection, id"));
  REQUIRE(rows.ok());
  std::vector<std::string> keys;
  for (int i = 0; i < rows->Rows(); ++i) keys.emplace_back(rows->Get(i, 0));
  return keys;
}

TEST_CASE("paging forwards and backwards visits every item exactly once", "[api][search][db]") {
  Fixture f;
  const std::vector<std::string> expected = ExpectedOrder(f.conn, "true");
  REQUIRE(expected.size() == 60);

  SearchRequest request;
  request.limit = 7;
  std::vector<Page> pages;
  pages.push_back(RunSearch(f.conn, request, GetOrigin("limit=7")));
  CHECK(pages[0].body.at("numberMatched") == 60);
  CHECK(pages[0].Link("prev") == nullptr);
  while (const json::object* next = pages.back().Link("next")) {
    CHECK(next->at("method") == "GET");
    CHECK(std::string_view(next->at("href").as_string()).starts_with(
        "http://test/search?limit=7&token="));
    request.token_text = TokenOf(*next);
    pages.push_back(RunSearch(f.conn, request, GetOrigin("limit=7&token=x")));
    REQUIRE(pages.size() < 20);
  }
  std::vector<std::string> seen;
  for (const Page& page : pages) {
    seen.insert(seen.end(), page.keys.begin(), page.keys.end());
    CHECK(page.body.at("numberMatched") == 60);  // carried by the token
    CHECK(page.body.at("numberReturned") == int64_t(page.keys.size()));
  }
  CHECK(seen == expected);
  CHECK(pages.size() == 9);  // 8 full pages of 7 and one of 4, no empty last page

  // Walking back with prev links reproduces every earlier page.
  for (size_t i = pages.size() - 1; i > 0; --i) {
    const json::object* prev = pages[i].Link("prev");
    REQUIRE(prev != nullptr);
    request.token_text = TokenOf(*prev);
    const Page back = RunSearch(f.conn, request, GetOrigin("limit=7"));
    CHECK(back.keys == pages[i - 1].keys);
    CHECK((back.Link("prev") != nullptr) == (i - 1 > 0));
    CHECK(back.Link("next") != nullptr);
  }
}

TEST_CASE("a link past a tie group says so, and its page is still exact", "[api][search][db]") {
  Fixture f;
  const std::vector<std::string> expected = ExpectedOrder(f.conn, "true");
  auto times = f.conn.Query(
      "SELECT datetime::text FROM stacfed.items ORDER BY datetime DESC, collection, id");
  REQUIRE(times.ok());
  REQUIRE(times->Rows() == int(expected.size()));
  // Whether the items at positions i and j (in search order) differ in datetime.
  auto differ = [&](size_t i, size_t j) { return times->Get(int(i), 0) != times->Get(int(j), 0); };
  int past = 0, within = 0;
  for (int limit : {1, 2, 3, 4, 5, 7, 12, 15}) {
    INFO("limit " << limit);
    SearchRequest request;
    request.limit = limit;
    const std::string query = StrCat("limit=", limit);
    std::vector<Page> pages{RunSearch(f.conn, request, GetOrigin(query))};
    std::vector<std::string> seen = pages[0].keys;
    while (const json::object* next = pages.back().Link("next")) {
      request.token_text = TokenOf(*next);
      auto token = Signer()->Decode(*request.token_text, pages.back().fingerprint);
      REQUIRE(token.ok());
      // The flag is the truth about the boundary row and the row after it.
      const size_t boundary = seen.size() - 1;
      CHECK(token->past_ties == differ(boundary, boundary + 1));
      (token->past_ties ? past : within) += 1;
      pages.push_back(RunSearch(f.conn, request, GetOrigin(StrCat(query, "&token=x"))));
      seen.insert(seen.end(), pages.back().keys.begin(), pages.back().keys.end());
      REQUIRE(pages.size() <= expected.size());
    }
    CHECK(seen == expected);
    // Backwards, from every page, through links flagged either way.
    size_t start = expected.size() - pages.back().keys.size();
    for (size_t i = pages.size() - 1; i > 0; --i) {
      const json::object* prev = pages[i].Link("prev");
      REQUIRE(prev != nullptr);
      request.token_text = TokenOf(*prev);
      auto token = Signer()->Decode(*request.token_text, pages[i].fingerprint);
      REQUIRE(token.ok());
      CHECK(token->past_ties == differ(start, start - 1));
      const Page back = RunSearch(f.conn, request, GetOrigin(query));
      CHECK(back.keys == pages[i - 1].keys);
      // And forwards again from a page reached backwards.
      const json::object* next = back.Link("next");
      REQUIRE(next != nullptr);
      request.token_text = TokenOf(*next);
      CHECK(RunSearch(f.conn, request, GetOrigin(query)).keys == pages[i].keys);
      start -= pages[i - 1].keys.size();
    }
  }
  CHECK(past > 0);
  CHECK(within > 0);
}

TEST_CASE("POST next links carry the whole body with the token", "[api][search][db]") {
  Fixture f;
  auto parsed = search::ParseBody(
      R"({"collections":["beta"],"limit":8,"datetime":"../2030-01-01T00:00:00Z"})",
      search::Family::kItemSearch);
  REQUIRE(parsed.ok());
  SearchOrigin origin;
  origin.base_url = "http://test";
  origin.path = "/search";
  origin.post = true;
  origin.body_without_token = parsed->body_without_token;
  std::set<std::string> seen;
  SearchRequest request = parsed->request;
  for (int pages = 0;; ++pages) {
    REQUIRE(pages < 10);
    const Page page = RunSearch(f.conn, request, origin);
    for (const std::string& key : page.keys) {
      CHECK(key.starts_with("beta/"));
      CHECK(seen.insert(key).second);
    }
    const json::object* next = page.Link("next");
    if (next == nullptr) break;
    CHECK(next->at("method") == "POST");
    CHECK(next->at("href") == "http://test/search");
    CHECK(next->at("merge") == false);
    const std::string body = json::serialize(next->at("body"));
    auto again = search::ParseBody(body, search::Family::kItemSearch);  // what a client sends
    REQUIRE(again.ok());
    CHECK(again->request.collections == request.collections);
    CHECK(again->request.limit == 8);
    CHECK(again->request.datetime == request.datetime);
    REQUIRE(again->request.token_text.has_value());
    // The token belongs to this search, and to no other.
    SearchRequest other = again->request;
    other.collections = {"alpha"};
    CHECK_FALSE(search::ResolveToken(other, search::SearchFingerprint(other, origin.path),
                                     *Signer())
                    .ok());
    request = again->request;
  }
  CHECK(seen.size() == 20);
}

TEST_CASE("filters select the right items", "[api][search][db]") {
  Fixture f;
  auto search = [&](const QueryParams& params) {
    auto request = search::ParseQuery(params, search::Family::kItemSearch);
    REQUIRE(request.ok());
    Page page = RunSearch(f.conn, *request, GetOrigin(""));
    std::sort(page.keys.begin(), page.keys.end());
    return page.keys;
  };
  auto expect = [&](std::string_view where) {
    std::vector<std::string> keys = ExpectedOrder(f.conn, where);
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  const std::string all = "10000";
  CHECK(search({{"collections", "alpha,gamma"}, {"limit", all}}) ==
        expect("collection IN ('alpha','gamma')"));
  CHECK(search({{"collections", "nope"}}).empty());
  CHECK(search({{"ids", "item-03,item-04"}, {"limit", all}}) == expect("id IN ('item-03','item-04')"));
  CHECK(search({{"ids", "item-03"}, {"collections", "beta"}}) ==
        std::vector<std::string>{"beta/item-03"});
  // ids with a bbox that does not intersect them: nothing.
  CHECK(search({{"ids", "item-01"}, {"bbox", "100,0,110,20"}}).empty());
  CHECK(search({{"bbox", "-10,0,10,20"}, {"limit", all}}) ==
        expect("ST_X(geometry) BETWEEN -10 AND 10"));
  // Across the antimeridian: 170..180 and -180..-170.
  CHECK(search({{"bbox", "170,0,-170,20"}, {"limit", all}}) ==
        expect("abs(ST_X(geometry)) >= 170"));
  CHECK(search({{"intersects", R"({"type":"Polygon","coordinates":[[[-10,0],[10,0],[10,20],[-10,20],[-10,0]]]})"},
                {"limit", all}}) == expect("ST_X(geometry) BETWEEN -10 AND 10"));
  // Time ranges overlap: items span [t, t + 1 hour].
  CHECK(search({{"datetime", "2020-01-02T00:30:00Z"}, {"limit", all}}) ==
        expect("datetime = '2020-01-02T00:00:00Z'"));
  CHECK(search({{"datetime", "../2020-01-01T23:00:00Z"}, {"limit", all}}) ==
        expect("datetime < '2020-01-02'"));
  CHECK(search({{"datetime", "2020-01-04T00:00:00Z/"}, {"limit", all}}) ==
        expect("datetime >= '2020-01-04'"));
  CHECK(search({{"datetime", "2020-01-02T00:00:00Z/2020-01-03T00:00:00Z"}, {"limit", all}}) ==
        expect("datetime BETWEEN '2020-01-02' AND '2020-01-03'"));
}

TEST_CASE("numberMatched is exact up to the count limit, omitted beyond", "[api][search][db]") {
  Fixture f;
  SearchRequest request;
  request.limit = 5;
  // A search of whole collections takes their item counts, whatever the limit.
  CHECK(RunSearch(f.conn, request, GetOrigin(""), 0).body.at("numberMatched") == 60);
  request.collections = {"alpha", "gamma", "nope"};
  CHECK(RunSearch(f.conn, request, GetOrigin(""), 0).body.at("numberMatched") == 40);
  request.collections.clear();
  // Others count their matches, up to the limit.
  request.bbox = search::Bbox{-180, -90, 180, 90};
  CHECK(RunSearch(f.conn, request, GetOrigin(""), 100).body.at("numberMatched") == 60);
  CHECK(RunSearch(f.conn, request, GetOrigin(""), 60).body.at("numberMatched") == 60);
  const Page capped = RunSearch(f.conn, request, GetOrigin(""), 59);
  CHECK_FALSE(capped.body.as_object().contains("numberMatched"));
  CHECK(capped.body.at("numberReturned") == 5);
  // A page that is not full is its own count, whatever the limit.
  request.collections = {"alpha"};
  request.limit = 50;
  CHECK(RunSearch(f.conn, request, GetOrigin(""), 0).body.at("numberMatched") == 20);
}

// The database over one connection, as a pool's executor that can outlive its request: a
// count statement waits until `release` fires, so that several pages ask for it while it runs.
class GatedCountExecutor : public search::Executor,
                           public std::enable_shared_from_this<GatedCountExecutor> {
 public:
  GatedCountExecutor(pg::Connection& conn, boost::asio::steady_timer& release)
      : conn_(conn), release_(release) {}
  boost::asio::awaitable<absl::StatusOr<pg::Result>> Run(
      search::Cost, const pg::Statement& statement, std::vector<pg::Param> params) const override {
    if (statement.sql.starts_with("SELECT count(*)")) {
      ++counts_started;
      boost::system::error_code ec;
      co_await release_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    co_return conn_.Query(statement.sql, params);
  }
  std::shared_ptr<const search::Executor> Detached() const override {
    return shared_from_this();
  }
  mutable int counts_started = 0;

 private:
  pg::Connection& conn_;
  boost::asio::steady_timer& release_;
};

TEST_CASE("pages asking for a count that is running wait for it", "[api][search][db]") {
  // Issue 19: a browser sends the same search twice at once; the second page went without
  // numberMatched because the count was "already being counted" for the first.
  Fixture f;
  const search::SearchService service(
      {.count_wait = std::chrono::seconds(30), .count_cache_ttl = std::chrono::seconds(30)},
      Signer());
  boost::asio::io_context io;
  boost::asio::steady_timer release(io, std::chrono::milliseconds(200));
  auto executor = std::make_shared<GatedCountExecutor>(f.conn, release);
  SearchRequest request;
  request.limit = 5;
  request.bbox = search::Bbox{-180, -90, 180, 90};
  search::SearchScope scope;
  scope.path = "/search";
  std::vector<std::optional<absl::StatusOr<search::SearchResult>>> results(4);
  auto run = [&](size_t i) -> boost::asio::awaitable<void> {
    results[i] = co_await service.Search(*executor, request, scope);
  };
  for (size_t i = 0; i < results.size(); ++i) boost::asio::co_spawn(io, run(i), boost::asio::detached);
  io.run();
  CHECK(executor->counts_started == 1);  // counted once for all four
  for (const auto& result : results) {
    REQUIRE(result.has_value());
    REQUIRE(result->ok());
    CHECK((*result)->counted == std::optional<int64_t>(60));
  }
}

TEST_CASE("features keep stored content and links", "[api][search][db]") {
  Fixture f;
  auto request = search::ParseQuery({{"ids", "item-07"}, {"collections", "alpha"}},
                                    search::Family::kItems, "alpha");
  REQUIRE(request.ok());
  SearchOrigin origin = GetOrigin("ids=item-07&collections=alpha");
  origin.path = "/collections/alpha/items";
  origin.collection = "alpha";
  const Page page = RunSearch(f.conn, *request, origin);
  REQUIRE(page.keys.size() == 1);
  const json::value& feature = page.body.at("features").at(0);
  CHECK(feature.at("type") == "Feature");
  CHECK(feature.at("geometry").at("type") == "Point");
  std::vector<std::string> rels;
  for (const json::value& link : feature.at("links").as_array()) {
    rels.emplace_back(link.at("rel").as_string().c_str());
  }
  CHECK(rels == std::vector<std::string>{"self", "parent", "collection", "root", "license"});
  CHECK(page.Link("self")->at("href") ==
        "http://test/collections/alpha/items?ids=item-07&collections=alpha");
  CHECK(page.Link("collection")->at("href") == "http://test/collections/alpha");
  CHECK(page.Link("root")->at("href") == "http://test/");
}

// The database as the search service uses it, remembering the text of every statement run.
class RecordingExecutor : public search::Executor {
 public:
  explicit RecordingExecutor(pg::Connection& conn) : conn_(conn) {}
  boost::asio::awaitable<absl::StatusOr<pg::Result>> Run(
      search::Cost, const pg::Statement& statement, std::vector<pg::Param> params) const override {
    statements.emplace_back(statement.sql);
    plans.push_back(statement.plan);
    parameters.push_back(params);
    co_return conn_.Query(statement.sql, params);
  }
  mutable std::vector<std::string> statements;
  mutable std::vector<pg::Plan> plans;
  mutable std::vector<std::vector<pg::Param>> parameters;

 private:
  pg::Connection& conn_;
};

// The index of the last statement that read a page (it selects the page's columns).
size_t PageStatement(const RecordingExecutor& executor) {
  for (size_t i = executor.statements.size(); i-- > 0;) {
    if (executor.statements[i].find("AS t, content, links") != std::string::npos) return i;
  }
  FAIL("no page statement was run");
  return 0;
}

TEST_CASE("a search of one collection reads its partition, every page of it",
          "[api][search][db]") {
  Fixture f;
  auto partition = f.conn.Query("SELECT partition_name FROM stacfed.collections WHERE id = 'beta'");
  REQUIRE(partition.ok());
  REQUIRE(partition->Rows() == 1);
  const std::string beta_table = StrCat("FROM stacfed.", partition->Get(0, 0), " ");
  const search::SearchService service({.count_cache_ttl = {}}, Signer());
  const RecordingExecutor executor(f.conn);
  auto search = [&](SearchRequest request) { return ServiceSearch(service, executor, request); };
  auto page_statement = [&] { return executor.statements[PageStatement(executor)]; };

  // Forwards through beta in pages of 6, each token a keyset over the partition alone.
  const std::vector<std::string> expected = ExpectedOrder(f.conn, "collection = 'beta'");
  SearchRequest request;
  request.collections = {"beta"};
  request.limit = 6;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    search::SearchResult result = search(request);
    const std::string sql = page_statement();
    INFO(sql);
    CHECK(sql.find(beta_table) != std::string::npos);
    CHECK(sql.find("FROM stacfed.items ") == std::string::npos);
    const int rows = std::min(result.rows.Rows(), request.limit);
    for (int r = 0; r < rows; ++r) {
      seen.push_back(StrCat(result.rows.Get(r, search::kColCollection), "/",
                            result.rows.Get(r, search::kColId)));
    }
    if (result.rows.Rows() <= request.limit) break;
    const int last = request.limit - 1;
    request.token = PageToken{PageToken::Direction::kNext,
                              {std::string(result.rows.Get(last, search::kColDatetimeMicros)),
                               std::string(result.rows.Get(last, search::kColCollection)),
                               std::string(result.rows.Get(last, search::kColId))},
                              20, result.fingerprint};
  }
  CHECK(seen == expected);

  // Two collections, or one that does not exist, read the partitioned table.
  request = SearchRequest();
  request.collections = {"alpha", "beta"};
  CHECK(search(request).rows.Rows() == 11);
  CHECK(page_statement().find("FROM stacfed.items ") != std::string::npos);
  request.collections = {"no-such-collection"};
  CHECK(search(request).rows.Rows() == 0);
  CHECK(page_statement().find("FROM stacfed.items ") != std::string::npos);
}

TEST_CASE("with many partitions, searches are planned with their values and skip empty ones",
          "[api][search][db]") {
  Fixture f;
  // A fourth collection, without items (its partition exists, as every collection's does).
  REQUIRE(f.conn.Execute(R"sql(SELECT stacfed.upsert_collection(jsonb_build_object(
    'type','Collection','id','delta','stac_version','1.0.0','description','empty','license','CC0-1.0',
    'extent',jsonb_build_object('spatial',jsonb_build_object('bbox',jsonb_build_array(jsonb_build_array(-180,-90,180,90))),
      'temporal',jsonb_build_object('interval',jsonb_build_array(jsonb_build_array('2000-01-01T00:00:00Z',null))))),
    '[]'::jsonb, 1))sql").ok());
  auto run = [&](int64_t generic_plan_partitions, const SearchRequest& request,
                 const RecordingExecutor& executor) {
    const search::SearchService service(
        {.count_cache_ttl = {}, .generic_plan_partitions = generic_plan_partitions}, Signer());
    return ServiceSearch(service, executor, request);
  };
  const std::vector<std::string> expected = ExpectedOrder(f.conn, "true");
  SearchRequest request;
  request.limit = 100;

  // Four collections, above a limit of 2: planned with the values, over the three with items.
  const RecordingExecutor many(f.conn);
  search::SearchResult all = run(2, request, many);
  size_t page = PageStatement(many);
  CHECK(many.plans[page] == pg::Plan::kCustom);
  std::set<std::string> bound;
  for (const pg::Param& p : many.parameters[page]) {
    if (p) bound.insert(*p);
  }
  CHECK(bound.count("alpha") == 1);
  CHECK(bound.count("gamma") == 1);
  CHECK(bound.count("delta") == 0);
  std::vector<std::string> keys;
  for (int r = 0; r < all.rows.Rows(); ++r) {
    keys.push_back(StrCat(all.rows.Get(r, search::kColCollection), "/",
                          all.rows.Get(r, search::kColId)));
  }
  CHECK(keys == expected);
  // Two named collections: planned with their values too.
  request.collections = {"alpha", "gamma"};
  CHECK(run(2, request, many).rows.Rows() == 40);
  CHECK(many.plans[PageStatement(many)] == pg::Plan::kCustom);
  // Named collections are kept to those with items: here alpha alone, read in its partition.
  request.collections = {"alpha", "delta"};
  CHECK(run(2, request, many).rows.Rows() == 20);
  auto alpha = f.conn.Query("SELECT partition_name FROM stacfed.collections WHERE id = 'alpha'");
  REQUIRE(alpha.ok());
  CHECK(many.statements[PageStatement(many)].find(StrCat("FROM stacfed.", alpha->Get(0, 0))) !=
        std::string::npos);
  // None with items: an empty page, and no page statement at all.
  request.collections = {"delta", "no-such-collection"};
  const size_t statements_before = many.statements.size();
  CHECK(run(2, request, many).rows.Rows() == 0);
  for (size_t i = statements_before; i < many.statements.size(); ++i) {
    CHECK(many.statements[i].find("AS t, content, links") == std::string::npos);
  }

  // At or below the limit: one generic plan per shape, every collection's partition.
  const RecordingExecutor few(f.conn);
  request.collections.clear();
  CHECK(run(64, request, few).rows.Rows() == 60);
  page = PageStatement(few);
  CHECK(few.plans[page] == pg::Plan::kGeneric);
  CHECK(few.statements[page].find("collection IN") == std::string::npos);
}

// The EXPLAIN of `query` in a generic plan (as the server's prepared statements run), one
// line per plan line.
std::string GenericPlan(pg::Connection& conn, const search::SearchQuery& query,
                        std::string_view name) {
  REQUIRE(conn.Execute("SET plan_cache_mode = force_generic_plan").ok());
  REQUIRE(conn.Execute(StrCat("PREPARE ", name, " AS ", query.page.sql)).ok());
  std::string args;
  for (const pg::Param& p : query.params) {
    StrAppend(&args, args.empty() ? "" : ",", "'", absl::StrReplaceAll(*p, {{"'", "''"}}), "'");
  }
  auto plan = conn.Query(StrCat("EXPLAIN EXECUTE ", name, "(", args, ")"));
  REQUIRE(plan.ok());
  std::string text;
  for (int i = 0; i < plan->Rows(); ++i) StrAppend(&text, plan->Get(i, 0), "\n");
  return text;
}

TEST_CASE("a next page is two index range scans in search order", "[api][search][db]") {
  Fixture f;
  REQUIRE(f.conn.Execute("ANALYZE stacfed.items").ok());
  SearchRequest request;
  request.collections = {"beta"};
  request.token =
      PageToken{PageToken::Direction::kNext, {"1577923200000000", "beta", "item-05"}, 20, ""};
  const search::Queryables queryables = search::Queryables::Builtin();
  const absl::StatusOr<search::SearchQuery> query = search::BuildSearchQuery(
      request, search::SearchContext{&queryables}, search::kDefaultCountLimit);
  REQUIRE(query.ok());
  std::string text = GenericPlan(f.conn, *query, "next_page");
  INFO(text);
  CHECK(text.find("datetime_collection_id_idx") != std::string::npos);
  // Two ranges of the index: the rows sharing the token's datetime from the token's row on
  // (not from the first of them), then the rows past that datetime.
  CHECK(text.find("Index Cond: ((datetime = $") != std::string::npos);
  CHECK(text.find("ROW(collection, id) >") != std::string::npos);
  CHECK(text.find("Index Cond: ((datetime < $") != std::string::npos);
  CHECK(text.find("Sort  (") == std::string::npos);  // no sort node (Merge Append's key is fine)
  // Only the named collection's partition is read (runtime partition pruning).
  CHECK(text.find("Subplans Removed: 2") != std::string::npos);

  // Past the token's tie group, one range: the rows past its datetime.
  request.token->past_ties = true;
  const absl::StatusOr<search::SearchQuery> past = search::BuildSearchQuery(
      request, search::SearchContext{&queryables}, search::kDefaultCountLimit);
  REQUIRE(past.ok());
  text = GenericPlan(f.conn, *past, "past_page");
  INFO(text);
  CHECK(text.find("Index Cond: ((datetime < $") != std::string::npos);
  CHECK(text.find("datetime = $") == std::string::npos);
  CHECK(text.find("Sort  (") == std::string::npos);
}

TEST_CASE("a q search parses its tsquery once per execution and not per match",
          "[api][search][db][q]") {
  Fixture f;
  SearchRequest request;
  request.q = "'alpha' | 'beta'";
  const search::Queryables queryables = search::Queryables::Builtin();
  const absl::StatusOr<search::SearchQuery> query = search::BuildSearchQuery(
      request, search::SearchContext{&queryables}, search::kDefaultCountLimit);
  REQUIRE(query.ok());
  const std::string text = GenericPlan(f.conn, *query, "q_page");
  INFO(text);
  // The index condition, the recheck and the rank read an InitPlan's value: to_tsquery is not
  // in any per-row expression.
  CHECK(text.find("InitPlan") != std::string::npos);
  CHECK(text.find("to_tsquery") == std::string::npos);
  CHECK(text.find("ts_rank(") != std::string::npos);
}

}  // namespace
}  // namespace stacfed::api
