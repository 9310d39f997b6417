#pragma once
// Asynchronous PostgreSQL access for the server: libpq in non-blocking mode driven by the
// Asio loop of the calling thread, a bounded pool of connections per io_context, statements
// prepared once per connection, bind parameters only. A lost connection is replaced on the
// next use; while the database is down Execute returns Unavailable (the server answers 503)
// and service resumes by itself when it is back.
//
// Interface agreed between server/http (which implements it) and server/api (which uses it).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/pg/connection.hpp"

namespace stacfed::pg {

// A named statement; `name` must be unique per distinct `sql` (a compile-time constant).
// An empty `name` runs `sql` unprepared, planned with the actual values each time.
struct Statement {
  std::string_view name;
  std::string_view sql;
};

struct AsyncPoolOptions {
  int max_connections = 8;
  // Sent as `SET statement_timeout` on each new connection: a slower statement fails with
  // DeadlineExceeded (SQLSTATE 57014). 0 keeps the server's setting.
  int statement_timeout_ms = 0;
  // SQL run once on each new connection after statement_timeout, e.g. SET commands.
  std::string session_setup = {};
  // How long Execute waits for a free connection when all are busy before it gives up
  // with Unavailable.
  std::chrono::milliseconds acquire_timeout{10'000};
  // How long opening a connection may take before it counts as failed (Unavailable).
  std::chrono::milliseconds connect_timeout{5'000};
};

// Not thread-safe by design: one pool per io_context, used only from that context's thread.
// Destroy it after the io_context has stopped running (no Execute in flight).
class AsyncPool {
 public:
  // `url` as for libpq; at most `max_connections` are opened, lazily.
  AsyncPool(boost::asio::io_context& io, std::string url, int max_connections);
  AsyncPool(boost::asio::io_context& io, std::string url, AsyncPoolOptions options);
  ~AsyncPool();

  // Runs a prepared statement with text parameters; results are in text format.
  // Errors: the SQLSTATE mapping of libpq/sqlstate.hpp (InvalidArgument for bad input,
  // Internal for bad SQL, ...); Unavailable when the database cannot be reached (a broken
  // connection is dropped and the next call opens a new one); DeadlineExceeded on
  // statement timeout.
  // g++ 12 quirk: inside a coroutine write `std::vector<Param> params = {a, b};` and pass
  // std::move(params); a braced list directly in the co_await expression fails to compile
  // ("array used as initializer").
  boost::asio::awaitable<absl::StatusOr<Result>> Execute(const Statement& statement,
                                                         std::vector<Param> params);

  // Opens up to `count` connections in the background (on the io_context), so that the
  // first requests do not wait for connection setup. Failures are only logged.
  void Prewarm(int count);

  // Connections currently open (idle or busy), for tests and metrics.
  int OpenConnections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stacfed::pg
