// The lanes a handler's statements run in (server/api/database.hpp), against a real database:
// work that goes on after its answer (a count outlasting its page) never holds the connection
// an expensive page needs.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>

#include "libstac/pg/async_pool.hpp"
#include "server/api/database.hpp"
#include "server/http/server_context.hpp"
#include "tests/support/test_database.hpp"

namespace stacfed::api {
namespace {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr pg::Statement kSlow{"test_slow_count", "SELECT pg_sleep(1.5)"};
constexpr pg::Statement kPage{"test_page", "SELECT 1"};

TEST_CASE("a count going on after its page never holds the heavy lane", "[api][db]") {
  testing::TestDatabase db;
  net::io_context io;
  // One connection per lane, as the server opens them per I/O thread by default.
  pg::AsyncPool pool(io, db.url(), 1), heavy(io, db.url(), 1), background(io, db.url(), 1);
  http::ServerContext context;
  context.pool = &pool;
  context.heavy_pool = &heavy;
  context.background_pool = &background;
  http::ScopedServerContext scoped(context);

  http::Request request;
  request.remote_address = "127.0.0.1";
  const Database database(request);
  const std::shared_ptr<const search::Executor> detached = database.Detached();
  std::optional<Clock::duration> page_took;
  bool count_done = false;
  // Named closures (GCC 12: no temporaries in co_await expressions).
  auto count = [&]() -> net::awaitable<void> {
    auto slept = co_await detached->Run(Cost::kExpensive, kSlow, {});
    REQUIRE(slept.ok());
    count_done = true;
  };
  auto page = [&]() -> net::awaitable<void> {
    const Clock::time_point started = Clock::now();
    auto one = co_await database.Run(Cost::kExpensive, kPage, {});
    REQUIRE(one.ok());
    page_took = Clock::now() - started;
  };
  net::co_spawn(io, count(), net::detached);
  net::co_spawn(io, page(), net::detached);
  io.run();
  REQUIRE(count_done);
  REQUIRE(page_took.has_value());
  // In the heavy lane the page would have waited the count's 1.5 s.
  CHECK(*page_took < std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace stacfed::api
