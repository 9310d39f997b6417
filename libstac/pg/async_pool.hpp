#pragma once
// Asynchronous PostgreSQL access for the server: libpq in non-blocking mode driven by the
// Asio loop of the calling thread, a bounded pool of connections per io_context, statements
// prepared once per connection, bind parameters only. A lost connection is replaced on the
// next use; while the database is down Execute returns Unavailable (the server answers 503)
// and service resumes by itself when it is back.
//
// Abandoned requests stop costing: a request cancelled while it waits for a connection
// leaves the queue; one cancelled while its statement runs gets the statement cancelled on
// the database (PQcancel, sent from a thread of its own since it blocks) and its connection
// is closed rather than reused, so that a late cancel can never hit the next statement.
//
// When every connection is busy, waiting requests are served by client: the client served
// least recently goes first, so one client sending many requests delays another's by at
// most one statement per turn.
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

namespace stacfed {
class Cancellation;
}

namespace stacfed::pg {

// A named statement; `name` must be unique per distinct `sql` (a compile-time constant).
// An empty `name` runs `sql` unprepared, planned with the actual values each time.
struct Statement {
  std::string_view name;  // names the statement in messages, and when prepared
  std::string_view sql;
  Plan plan = Plan::kGeneric;
};

// The most statements prepared on one connection; beyond it they are all deallocated.
inline constexpr size_t kMaxPreparedPerConnection = 256;

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
  // Requests one client may have waiting for a connection; more fail at once with
  // Unavailable (SQLSTATE payload 53400). 0: no limit.
  int max_waiters_per_client = 0;
};

// Per call: who asks, and the request's cancellation.
struct ExecuteOptions {
  // Whose turn it is when connections are scarce (the client's address); "" for all
  // callers alike.
  std::string_view client;
  // When cancelled, the call ends with Cancelled as soon as it can: at once while it waits
  // for a connection, after a cancel sent to the database while its statement runs.
  Cancellation* cancel = nullptr;
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
  // A parameter holding a NUL byte is refused (InvalidArgument): libpq would cut it there.
  boost::asio::awaitable<absl::StatusOr<Result>> Execute(const Statement& statement,
                                                         std::vector<Param> params,
                                                         ExecuteOptions call = {});

  // Opens up to `count` connections in the background (on the io_context), so that the
  // first requests do not wait for connection setup. Failures are only logged.
  void Prewarm(int count);

  // Connections currently open (idle or busy), for tests and metrics.
  int OpenConnections() const;
  // Calls waiting for a connection.
  int Waiting() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stacfed::pg
