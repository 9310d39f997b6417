// pg::AsyncPool against a real PostgreSQL database, and the server answering 503 while the
// database is unreachable.
#include <curl/curl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "libstac/base/cancellation.hpp"
#include "libstac/pg/async_pool.hpp"
#include "libstac/pg/connection.hpp"
#include "libstac/pg/sqlstate.hpp"
#include "server/http/error_response.hpp"
#include "server/http/server.hpp"
#include "server/http/server_context.hpp"
#include "tests/support/test_database.hpp"

namespace stacfed::pg {
namespace {

namespace net = boost::asio;
using stacfed::testing::TestDatabase;

constexpr Statement kAddOne{"test_add_one", "SELECT $1::int + 1"};
constexpr Statement kSleep{"test_sleep", "SELECT pg_sleep($1::float8), pg_backend_pid()"};
constexpr Statement kBackend{"test_backend", "SELECT pg_backend_pid()"};
constexpr Statement kBroken{"test_broken", "SELEC 1"};
constexpr Statement kPrepared{
    "test_prepared", "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'test_%'"};

// Runs `work` to completion on `io` and returns its value.
template <typename T>
T RunOn(net::io_context& io, net::awaitable<T> work) {
  std::optional<T> out;
  net::co_spawn(io, std::move(work), [&](std::exception_ptr error, T value) {
    if (error) std::rethrow_exception(error);
    out = std::move(value);
  });
  io.restart();
  io.run();
  REQUIRE(out.has_value());
  return std::move(*out);
}

absl::StatusOr<Result> ExecuteNow(net::io_context& io, AsyncPool& pool, const Statement& statement,
                                  std::vector<Param> params = {}) {
  return RunOn(io, pool.Execute(statement, std::move(params)));
}

void Admin(const std::string& sql, const std::vector<Param>& params = {}) {
  auto admin = Connection::Open(testing::TestClusterAdminUrl());
  REQUIRE(admin.ok());
  auto result = admin->Query(sql, params);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
}

void TerminateBackends(const std::string& database) {
  Admin(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = $1 AND pid <> pg_backend_pid()",
      {database});
}

}  // namespace

TEST_CASE("async pool: prepared statements with parameters", "[pg][async_pool]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(), 2);

  auto result = ExecuteNow(io, pool, kAddOne, {"41"});
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result->Rows() == 1);
  CHECK(result->Scalar() == "42");

  auto null_result = ExecuteNow(io, pool, kAddOne, {std::nullopt});
  REQUIRE(null_result.ok());
  CHECK(null_result->IsNull(0, 0));

  // Prepared once per connection: a second run reuses the statement.
  REQUIRE(ExecuteNow(io, pool, kAddOne, {"1"}).ok());
  auto prepared = ExecuteNow(io, pool, kPrepared);
  REQUIRE(prepared.ok());
  CHECK(prepared->Scalar() == "2");  // test_add_one and test_prepared on the one connection
  CHECK(pool.OpenConnections() == 1);
}

TEST_CASE("async pool: the statements prepared on a connection are bounded",
          "[pg][async_pool]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(), 1);
  // Many shapes of statement (as filters make them), each used once, then the first again.
  std::vector<std::string> names, texts;
  for (size_t i = 0; i < kMaxPreparedPerConnection + 40; ++i) {
    names.push_back("test_shape_" + std::to_string(i));
    texts.push_back("SELECT $1::int + " + std::to_string(i));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    auto result = ExecuteNow(io, pool, Statement{names[i], texts[i]}, {"1"});
    REQUIRE(result.ok());
    CHECK(result->Scalar() == std::to_string(1 + i));
  }
  auto again = ExecuteNow(io, pool, Statement{names[0], texts[0]}, {"5"});
  REQUIRE(again.ok());
  CHECK(again->Scalar() == "5");
  auto prepared = ExecuteNow(io, pool, kPrepared);
  REQUIRE(prepared.ok());
  CHECK(std::stoul(std::string(prepared->Scalar())) <= kMaxPreparedPerConnection);
  CHECK(std::stoul(std::string(prepared->Scalar())) >= 2);
  CHECK(pool.OpenConnections() == 1);
}

TEST_CASE("async pool: a custom-planned statement is planned with its values", "[pg][async_pool]") {
  TestDatabase db;
  net::io_context io;
  // As the server's sessions: generic plans forced for every prepared statement.
  AsyncPool pool(io, db.url(),
                 AsyncPoolOptions{.max_connections = 1,
                                  .session_setup = "SET plan_cache_mode = force_generic_plan"});
  constexpr Statement kGenericMode{"test_generic_mode", "SELECT current_setting('plan_cache_mode')"};
  constexpr Statement kCustomMode{"test_custom_mode", "SELECT current_setting('plan_cache_mode')",
                                  Plan::kCustom};
  CHECK(ExecuteNow(io, pool, kGenericMode)->Scalar() == "force_generic_plan");
  CHECK(ExecuteNow(io, pool, kCustomMode)->Scalar() == "force_custom_plan");
  CHECK(ExecuteNow(io, pool, kCustomMode)->Scalar() == "force_custom_plan");
  CHECK(ExecuteNow(io, pool, kGenericMode)->Scalar() == "force_generic_plan");
  // The custom one was never prepared.
  constexpr Statement kPreparedNames{
      "test_prepared_names", "SELECT string_agg(name, ',' ORDER BY name) FROM pg_prepared_statements"};
  const std::string names(ExecuteNow(io, pool, kPreparedNames)->Scalar());
  CHECK(names.find("test_custom_mode") == std::string::npos);
  CHECK(names.find("test_generic_mode") != std::string::npos);
  CHECK(pool.OpenConnections() == 1);
}

TEST_CASE("async pool: errors keep their meaning", "[pg][async_pool]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(), 1);

  auto bad_sql = ExecuteNow(io, pool, kBroken);
  CHECK(bad_sql.status().code() == absl::StatusCode::kInternal);
  CHECK(SqlStateOf(bad_sql.status()) == "42601");

  auto bad_input = ExecuteNow(io, pool, kAddOne, {"not a number"});
  CHECK(bad_input.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(http::ErrorResponse(bad_input.status()).status == 400);

  // The connection survives failed statements.
  auto fine = ExecuteNow(io, pool, kAddOne, {"1"});
  REQUIRE(fine.ok());
  CHECK(fine->Scalar() == "2");
  CHECK(pool.OpenConnections() == 1);
}

TEST_CASE("async pool: concurrent callers share at most max connections", "[pg][async_pool]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(), 3);
  int done = 0;
  std::set<std::string> backends;
  for (int i = 0; i < 12; ++i) {
    net::co_spawn(io, pool.Execute(kSleep, {"0.05"}),
                  [&](std::exception_ptr error, absl::StatusOr<Result> result) {
                    REQUIRE_FALSE(error);
                    REQUIRE(result.ok());
                    backends.insert(std::string(result->Get(0, 1)));
                    ++done;
                  });
  }
  io.run();
  CHECK(done == 12);
  // All three connections served (no caller waited for a connection that was never opened)
  // and none more were opened: the other callers queued.
  CHECK(backends.size() == 3);
  CHECK(pool.OpenConnections() == 3);
}

TEST_CASE("async pool: statement timeout gives DeadlineExceeded", "[pg][async_pool]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(), AsyncPoolOptions{.max_connections = 1, .statement_timeout_ms = 100});
  auto slow = ExecuteNow(io, pool, kSleep, {"2"});
  CHECK(slow.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(http::ErrorResponse(slow.status()).status == 503);
  CHECK(ExecuteNow(io, pool, kAddOne, {"1"}).ok());
}

TEST_CASE("async pool: a terminated backend is replaced", "[pg][async_pool]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(), 2);
  auto before = ExecuteNow(io, pool, kBackend);
  REQUIRE(before.ok());
  std::string old_pid(before->Scalar());

  TerminateBackends(db.name());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  // The dead idle connection is noticed before use: the next call just works.
  auto after = ExecuteNow(io, pool, kBackend);
  INFO(after.status().ToString());
  REQUIRE(after.ok());
  CHECK(std::string(after->Scalar()) != old_pid);
}

TEST_CASE("async pool: Unavailable while the database is down, then recovery", "[pg][async_pool]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(), 2);
  REQUIRE(ExecuteNow(io, pool, kAddOne, {"1"}).ok());

  // "Down": no new connections accepted and the existing ones killed.
  Admin("ALTER DATABASE \"" + db.name() + "\" ALLOW_CONNECTIONS false");
  TerminateBackends(db.name());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 0; i < 3; ++i) {
    auto down = ExecuteNow(io, pool, kAddOne, {"1"});
    CHECK(down.status().code() == absl::StatusCode::kUnavailable);
  }

  Admin("ALTER DATABASE \"" + db.name() + "\" ALLOW_CONNECTIONS true");
  auto back = ExecuteNow(io, pool, kAddOne, {"1"});
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(back->Scalar() == "2");
}

TEST_CASE("server: handlers reach the thread's pool; a database outage is a 503",
          "[pg][async_pool][http]") {
  TestDatabase db;
  http::Router router;
  router.Add(http::Method::kGet, "/value/{n}",
             [](const http::Request& request) -> net::awaitable<http::Response> {
               auto* pool = http::ServerContext::Current().pool;
               std::vector<Param> params = {request.path_params[0]};
               auto result = co_await pool->Execute(kAddOne, std::move(params));
               if (!result.ok()) co_return http::ErrorResponse(result.status());
               http::Response response;
               response.content_type = "text/plain";
               response.body = std::string(result->Scalar());
               co_return response;
             });
  http::ServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.database_url = db.url();
  options.db_pool_size = 2;
  http::Server server(options, router);
  REQUIRE(server.Start().ok());
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  auto get = [&](const std::string& path, std::string* body) {
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, (base + path).c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* user) {
          static_cast<std::string*>(user)->append(data, size * count);
          return size * count;
        });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    REQUIRE(curl_easy_perform(curl) == CURLE_OK);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    return status;
  };

  std::string body;
  CHECK(get("/value/41", &body) == 200);
  CHECK(body == "42");
  body.clear();
  CHECK(get("/value/x", &body) == 400);

  Admin("ALTER DATABASE \"" + db.name() + "\" ALLOW_CONNECTIONS false");
  TerminateBackends(db.name());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  body.clear();
  CHECK(get("/value/1", &body) == 503);
  CHECK(body.find("\"code\":\"ServiceUnavailable\"") != std::string::npos);

  Admin("ALTER DATABASE \"" + db.name() + "\" ALLOW_CONNECTIONS true");
  body.clear();
  CHECK(get("/value/1", &body) == 200);
  CHECK(body == "2");
  server.Stop();
  server.Wait();
}

}  // namespace stacfed::pg

namespace stacfed::pg {

TEST_CASE("async pool: Prewarm opens connections ahead of the first request", "[pg][async_pool]") {
  TestDatabase db;
  boost::asio::io_context io;
  AsyncPool pool(io, db.url(), 3);
  pool.Prewarm(5);  // capped at the pool's maximum
  io.run();
  CHECK(pool.OpenConnections() == 3);
  auto result = ExecuteNow(io, pool, kAddOne, {"2"});
  REQUIRE(result.ok());
  CHECK(result->Scalar() == "3");
  CHECK(pool.OpenConnections() == 3);
}

}  // namespace stacfed::pg

namespace stacfed::pg {

TEST_CASE("async pool: unnamed statements run their own SQL every time", "[pg][async_pool]") {
  TestDatabase db;
  boost::asio::io_context io;
  AsyncPool pool(io, db.url(), 1);
  constexpr Statement kDouble{"", "SELECT $1::int * 2"};
  constexpr Statement kTriple{"", "SELECT $1::int * 3"};
  auto doubled = ExecuteNow(io, pool, kDouble, {"5"});
  REQUIRE(doubled.ok());
  CHECK(doubled->Scalar() == "10");
  auto tripled = ExecuteNow(io, pool, kTriple, {"5"});
  REQUIRE(tripled.ok());
  CHECK(tripled->Scalar() == "15");
  auto prepared = ExecuteNow(io, pool, kPrepared);
  REQUIRE(prepared.ok());
  CHECK(prepared->Scalar() == "1");  // only test_prepared itself: nothing named was prepared
}

}  // namespace stacfed::pg

namespace stacfed::pg {
namespace {

using namespace std::chrono_literals;

// How many statements of `database` are sleeping in pg_sleep right now.
int SleepingStatements(const std::string& database) {
  auto admin = Connection::Open(testing::TestClusterAdminUrl());
  REQUIRE(admin.ok());
  auto rows = admin->Query(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active' "
      "AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
      {database});
  REQUIRE(rows.ok());
  return std::stoi(std::string(rows->Scalar()));
}

// A short statement of `client`; appends the client to `order` when it is done.
net::awaitable<absl::StatusOr<Result>> SleepAndRecord(AsyncPool& pool,
                                                      std::vector<std::string>& order,
                                                      std::string client) {
  std::vector<Param> params;
  params.emplace_back("0.05");
  auto result = co_await pool.Execute(kSleep, std::move(params), {.client = client});
  order.push_back(client);
  co_return result;
}

// Runs the io_context until `done` or `timeout`.
void RunUntil(net::io_context& io, const std::function<bool()>& done,
              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
}

}  // namespace

TEST_CASE("async pool: an abandoned call leaves the queue, and its statement is cancelled",
          "[pg][async_pool][cancel]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(), 1);
  stacfed::Cancellation running, waiting;
  std::optional<absl::StatusOr<Result>> running_result, waiting_result;
  net::co_spawn(io, pool.Execute(kSleep, {"30"}, {.client = "a", .cancel = &running}),
                [&](std::exception_ptr, absl::StatusOr<Result> r) { running_result = r; });
  net::co_spawn(io, pool.Execute(kSleep, {"30"}, {.client = "b", .cancel = &waiting}),
                [&](std::exception_ptr, absl::StatusOr<Result> r) { waiting_result = r; });
  RunUntil(io, [&] { return pool.Waiting() == 1 && SleepingStatements(db.name()) == 1; }, 5s);
  REQUIRE(pool.Waiting() == 1);

  // The waiting caller goes at once, without touching the running statement.
  waiting.Cancel();
  RunUntil(io, [&] { return waiting_result.has_value(); }, 1s);
  REQUIRE(waiting_result.has_value());
  CHECK(absl::IsCancelled(waiting_result->status()));
  CHECK(pool.Waiting() == 0);
  CHECK(SleepingStatements(db.name()) == 1);

  // The running one: the database stops it, well before its 30 s.
  const auto cancelled_at = std::chrono::steady_clock::now();
  running.Cancel();
  RunUntil(io, [&] { return running_result.has_value(); }, 5s);
  REQUIRE(running_result.has_value());
  CHECK(absl::IsCancelled(running_result->status()));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (SleepingStatements(db.name()) > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  CHECK(SleepingStatements(db.name()) == 0);
  CHECK(std::chrono::steady_clock::now() - cancelled_at < 3s);

  // The pool goes on with a fresh connection.
  auto next = ExecuteNow(io, pool, kAddOne, {"1"});
  REQUIRE(next.ok());
  CHECK(next->Scalar() == "2");
  // A call cancelled before it starts does not reach the database.
  stacfed::Cancellation early;
  early.Cancel();
  CHECK(absl::IsCancelled(
      RunOn(io, pool.Execute(kAddOne, {"1"}, {.client = "a", .cancel = &early})).status()));
}

TEST_CASE("async pool: waiting clients take turns, and one client's queue is bounded",
          "[pg][async_pool][fairness]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(),
                 AsyncPoolOptions{.max_connections = 1, .max_waiters_per_client = 3});
  std::vector<std::string> order;
  int finished = 0;
  auto call = [&](std::string client) {
    net::co_spawn(io, SleepAndRecord(pool, order, std::move(client)),
                  [&](std::exception_ptr, absl::StatusOr<Result>) { ++finished; });
  };
  // "a" holds the connection and queues three more; "b" and "c" arrive after them.
  for (int i = 0; i < 4; ++i) call("a");
  RunUntil(io, [&] { return pool.Waiting() == 3; }, 5s);
  call("b");
  call("c");
  // A fourth waiting request of "a" is refused at once.
  std::optional<absl::StatusOr<Result>> refused;
  net::co_spawn(io, pool.Execute(kAddOne, {"1"}, {.client = "a"}),
                [&](std::exception_ptr, absl::StatusOr<Result> r) { refused = r; });
  RunUntil(io, [&] { return finished == 6 && refused.has_value(); }, 10s);
  REQUIRE(finished == 6);
  REQUIRE(refused.has_value());
  CHECK(absl::IsUnavailable(refused->status()));
  CHECK(SqlStateOf(refused->status()) == "53400");
  // FIFO would serve b and c after all of a's; by turns they come right after a's first.
  CHECK(order == std::vector<std::string>{"a", "b", "c", "a", "a", "a"});
}

TEST_CASE("async pool: a parameter with a NUL byte is refused, not cut short",
          "[pg][async_pool]") {
  TestDatabase db;
  net::io_context io;
  AsyncPool pool(io, db.url(), 1);
  auto result = ExecuteNow(io, pool, kAddOne, {std::string("1\0junk", 6)});
  CHECK(absl::IsInvalidArgument(result.status()));
}

}  // namespace stacfed::pg
