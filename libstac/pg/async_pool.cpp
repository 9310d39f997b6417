#include "libstac/pg/async_pool.hpp"

#include <libpq-fe.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "libstac/base/cancellation.hpp"
#include "libstac/base/log.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/pg/sqlstate.hpp"

namespace stacfed::pg {
namespace {

namespace net = boost::asio;
using Descriptor = net::posix::stream_descriptor;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

// Statement names are looked up per call by string_view without building a std::string.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
};
using NameSet = std::unordered_set<std::string, NameHash, std::equal_to<>>;

// One libpq connection with its socket registered on the pool's io_context.
struct PooledConnection {
  PooledConnection(net::io_context& io, PGconn* raw) : conn(raw), socket(io) {}
  ~PooledConnection() {
    // libpq owns the descriptor: detach it from Asio so that PQfinish is what closes it.
    if (socket.is_open()) socket.release();
    PQfinish(conn);
  }
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;

  // (Re)registers libpq's current socket; during connection setup libpq may replace it.
  bool Rewrap() {
    int fd = PQsocket(conn);
    if (fd < 0) return false;
    if (socket.is_open()) socket.release();
    boost::system::error_code ec;
    socket.assign(fd, ec);
    return !ec;
  }

  PGconn* conn;
  Descriptor socket;
  NameSet prepared;  // statements already prepared on this connection
  // plan_cache_mode was set to force_custom_plan for a custom-planned statement; the next
  // generic one sets it back to force_generic_plan.
  bool custom_plans = false;
  // A cancel was sent for the statement running on it: the connection is not reused.
  bool cancel_requested = false;
};

using ConnectionPtr = std::unique_ptr<PooledConnection>;

bool Succeeded(const PGresult* result) {
  auto status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

absl::Status ConnectionError(PGconn* conn, std::string_view what) {
  std::string message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return WithSqlState(absl::UnavailableError(StrCat("database unavailable (", what, "): ", message)),
                      "08006");
}

absl::Status Cancelled() {
  return absl::CancelledError("the request was abandoned by its client");
}

// Sends cancel requests to the database. PQcancel opens a connection of its own and waits
// for the server to take the request, which must not block an I/O thread: one thread of
// this process does it for every pool.
class CancelSender {
 public:
  static CancelSender& Get() {
    static CancelSender* sender = new CancelSender();  // lives until exit, thread included
    return *sender;
  }

  // Takes ownership of `cancel` (from PQgetCancel).
  void Send(PGcancel* cancel) {
    if (cancel == nullptr) return;
    std::lock_guard lock(mutex_);
    queue_.push_back(cancel);
    wake_.notify_one();
  }

 private:
  CancelSender() {
    std::thread([this] { Run(); }).detach();
  }

  void Run() {
    for (;;) {
      PGcancel* cancel;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return !queue_.empty(); });
        cancel = queue_.front();
        queue_.pop_front();
      }
      char error[256];
      if (!PQcancel(cancel, error, sizeof error)) {
        log::Repeated(log::Level::kWarn, "database cancel request failed", error);
      }
      PQfreeCancel(cancel);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<PGcancel*> queue_;
};

// True when the socket has something to read (or failed): used to vet idle connections.
bool SocketHasInput(int fd) {
  char byte;
  ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return true;  // data, or EOF that libpq must see
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;  // errors: let libpq see
}

// Waits until the socket is readable. Asio's epoll reactor is edge-triggered, but a wait
// re-arms the descriptor (EPOLL_CTL_MOD), which reports data that is already there, so
// input that libpq left unread in the socket cannot be missed.
net::awaitable<boost::system::error_code> WaitReadable(PooledConnection& c) {
  auto [ec] = co_await c.socket.async_wait(Descriptor::wait_read, kNoThrow);
  co_return ec;
}

// Sends what libpq has buffered, waiting for the socket when it is full.
net::awaitable<absl::Status> Flush(PooledConnection& c) {
  for (;;) {
    int pending = PQflush(c.conn);
    if (pending == 0) co_return absl::OkStatus();
    if (pending < 0) co_return ConnectionError(c.conn, "send");
    auto [ec] = co_await c.socket.async_wait(Descriptor::wait_write, kNoThrow);
    if (ec) co_return absl::UnavailableError(StrCat("database socket: ", ec.message()));
  }
}

// Reads every result of the statement just sent; returns the first one or the first error.
net::awaitable<absl::StatusOr<Result>> Collect(PooledConnection& c, std::string_view context) {
  Result first;
  absl::Status error;
  for (;;) {
    while (PQisBusy(c.conn)) {
      auto ec = co_await WaitReadable(c);
      if (ec) co_return absl::UnavailableError(StrCat("database socket: ", ec.message()));
      if (!PQconsumeInput(c.conn)) co_return ConnectionError(c.conn, "receive");
    }
    PGresult* raw = PQgetResult(c.conn);
    if (raw == nullptr) break;
    Result result(raw);
    if (!Succeeded(raw)) {
      if (error.ok()) error = StatusFromResult(raw, context);
    } else if (first.raw() == nullptr) {
      first = std::move(result);
    }
  }
  if (!error.ok()) co_return error;
  if (PQstatus(c.conn) != CONNECTION_OK) co_return ConnectionError(c.conn, "receive");
  co_return first;
}

// True when an idle connection can be handed out. An idle connection never has anything to
// read; if it has (EOF, the FATAL message of a terminated backend, a server notice), it is
// not trusted and is replaced.
bool LooksAlive(PooledConnection& c) {
  return PQstatus(c.conn) == CONNECTION_OK && PQtransactionStatus(c.conn) == PQTRANS_IDLE &&
         !SocketHasInput(c.socket.native_handle());
}

}  // namespace

struct AsyncPool::Impl {
  // A coroutine waiting for a connection; Release hands it one (or the right to open one)
  // and wakes it by cancelling its timer.
  struct Waiter {
    Waiter(net::io_context& io, std::string_view who) : timer(io), client(who) {}
    net::steady_timer timer;
    std::string client;
    ConnectionPtr connection;
    bool may_open = false;
  };

  Impl(net::io_context& io_context, std::string database_url, AsyncPoolOptions pool_options)
      : io(io_context), url(std::move(database_url)), options(pool_options) {
    options.max_connections = std::max(1, options.max_connections);
  }

  net::awaitable<absl::StatusOr<ConnectionPtr>> Acquire(const ExecuteOptions& call);
  net::awaitable<absl::StatusOr<ConnectionPtr>> Open();
  net::awaitable<absl::Status> Configure(PooledConnection& c);
  net::awaitable<void> Prewarm(int count);
  void Release(ConnectionPtr connection);
  void ReleaseSlot();
  net::awaitable<absl::StatusOr<Result>> Run(PooledConnection& c, const Statement& statement,
                                             const std::vector<Param>& params);
  // The waiter whose client was served least recently (the earliest of them on a tie),
  // taken out of the queue.
  Waiter* NextWaiter();
  // Records that `client` was handed a connection now.
  void NoteGrant(std::string_view client);
  int WaitersOf(std::string_view client) const;

  net::io_context& io;
  std::string url;
  AsyncPoolOptions options;
  std::vector<ConnectionPtr> idle;  // most recently used last: warm connections first
  int open = 0;                     // idle + busy + being opened
  std::deque<Waiter*> waiters;      // in arrival order
  // When each client was last handed a connection (a counter of grants), for clients that
  // have waited; entries of clients with nobody waiting are dropped when it grows.
  std::map<std::string, uint64_t, std::less<>> served_at;
  uint64_t grants = 0;
};

AsyncPool::Impl::Waiter* AsyncPool::Impl::NextWaiter() {
  auto best = waiters.begin();
  uint64_t best_served = UINT64_MAX;
  for (auto it = waiters.begin(); it != waiters.end(); ++it) {
    auto served = served_at.find((*it)->client);
    const uint64_t at = served == served_at.end() ? 0 : served->second;
    if (at < best_served) {
      best = it;
      best_served = at;
    }
  }
  Waiter* waiter = *best;
  waiters.erase(best);
  NoteGrant(waiter->client);
  return waiter;
}

void AsyncPool::Impl::NoteGrant(std::string_view client) {
  auto it = served_at.find(client);
  if (it == served_at.end()) it = served_at.emplace(std::string(client), 0).first;
  it->second = ++grants;
  // Only clients that are waiting need their turn remembered: the map stays small.
  if (served_at.size() > 4 * waiters.size() + 64) {
    std::erase_if(served_at, [this](const auto& entry) { return WaitersOf(entry.first) == 0; });
  }
}

int AsyncPool::Impl::WaitersOf(std::string_view client) const {
  int count = 0;
  for (const Waiter* waiter : waiters) count += waiter->client == client;
  return count;
}

net::awaitable<absl::StatusOr<ConnectionPtr>> AsyncPool::Impl::Acquire(const ExecuteOptions& call) {
  while (!idle.empty()) {
    ConnectionPtr connection = std::move(idle.back());
    idle.pop_back();
    if (LooksAlive(*connection)) {
      NoteGrant(call.client);
      co_return connection;
    }
    --open;  // dropped: its server went away or it is in an unknown state
  }
  if (open < options.max_connections) {
    ++open;
    NoteGrant(call.client);
    auto opened = co_await Open();
    if (!opened.ok()) ReleaseSlot();
    co_return opened;
  }

  if (options.max_waiters_per_client > 0 &&
      WaitersOf(call.client) >= options.max_waiters_per_client) {
    co_return WithSqlState(
        absl::UnavailableError(StrCat("client ", call.client, " has ",
                                      options.max_waiters_per_client,
                                      " requests waiting for a database connection already")),
        "53400");
  }
  Waiter waiter(io, call.client);
  waiter.timer.expires_after(options.acquire_timeout);
  waiters.push_back(&waiter);
  bool abandoned = false;
  {
    std::optional<Cancellation::Registration> on_cancel;
    if (call.cancel != nullptr) {
      on_cancel.emplace(call.cancel->OnCancel([&] {
        abandoned = true;
        waiter.timer.cancel();
      }));
    }
    co_await waiter.timer.async_wait(kNoThrow);
  }
  // A connection (or the right to open one) handed over before the cancel is still ours.
  if (waiter.connection) co_return std::move(waiter.connection);
  if (waiter.may_open) {
    auto opened = co_await Open();
    if (!opened.ok()) ReleaseSlot();
    co_return opened;
  }
  std::erase(waiters, &waiter);
  if (abandoned) co_return Cancelled();
  co_return WithSqlState(
      absl::UnavailableError(StrCat("all ", options.max_connections,
                                    " database connections of this thread stayed busy for ",
                                    options.acquire_timeout.count(), " ms")),
      "53300");
}

net::awaitable<absl::StatusOr<ConnectionPtr>> AsyncPool::Impl::Open() {
  PGconn* raw = PQconnectStart(url.c_str());
  if (raw == nullptr) co_return absl::UnavailableError("cannot allocate a database connection");
  auto connection = std::make_unique<PooledConnection>(io, raw);
  if (PQstatus(raw) == CONNECTION_BAD) co_return ConnectionError(raw, "connect");

  // A deadline for the whole handshake: its handler cancels the pending socket wait. The
  // guard outlives this frame (shared with the handler), which checks it before touching
  // the connection.
  struct Guard {
    PooledConnection* connection;
    bool timed_out = false;
  };
  auto guard = std::make_shared<Guard>(Guard{connection.get()});
  net::steady_timer deadline(io);
  deadline.expires_after(options.connect_timeout);
  deadline.async_wait([guard](boost::system::error_code ec) {
    if (ec || guard->connection == nullptr) return;
    guard->timed_out = true;
    boost::system::error_code ignored;
    guard->connection->socket.cancel(ignored);
  });

  absl::Status status;
  // libpq's contract: after PQconnectStart, act as if PQconnectPoll returned WRITING.
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  while (poll != PGRES_POLLING_OK) {
    if (poll == PGRES_POLLING_FAILED || !connection->Rewrap()) {
      status = ConnectionError(raw, "connect");
      break;
    }
    boost::system::error_code ec;
    if (poll == PGRES_POLLING_READING) {
      ec = co_await WaitReadable(*connection);
    } else {
      std::tie(ec) = co_await connection->socket.async_wait(Descriptor::wait_write, kNoThrow);
    }
    if (guard->timed_out) {
      status = absl::UnavailableError(StrCat("database unavailable: no connection within ",
                                             options.connect_timeout.count(), " ms"));
      break;
    }
    if (ec) {
      status = absl::UnavailableError(StrCat("database socket: ", ec.message()));
      break;
    }
    poll = PQconnectPoll(raw);
  }
  guard->connection = nullptr;
  deadline.cancel();
  STACFED_CO_RETURN_IF_ERROR(status);
  if (!connection->Rewrap()) co_return ConnectionError(raw, "connect");
  STACFED_CO_RETURN_IF_ERROR(co_await Configure(*connection));
  co_return connection;
}

net::awaitable<absl::Status> AsyncPool::Impl::Configure(PooledConnection& c) {
  if (PQsetnonblocking(c.conn, 1) != 0) co_return ConnectionError(c.conn, "non-blocking mode");
  // Server notices are not for the server's log stream.
  PQsetNoticeProcessor(
      c.conn, [](void*, const char*) {}, nullptr);
  std::string settings;
  if (options.statement_timeout_ms > 0) {
    StrAppend(&settings, "SET statement_timeout = ", options.statement_timeout_ms, ";");
  }
  settings += options.session_setup;
  if (settings.empty()) co_return absl::OkStatus();
  if (!PQsendQuery(c.conn, settings.c_str())) co_return ConnectionError(c.conn, "send");
  STACFED_CO_RETURN_IF_ERROR(co_await Flush(c));
  auto result = co_await Collect(c, "configuring the session");
  co_return result.status();
}

net::awaitable<void> AsyncPool::Impl::Prewarm(int count) {
  for (int i = 0; i < count && open < options.max_connections; ++i) {
    ++open;
    auto opened = co_await Open();
    if (!opened.ok()) {
      ReleaseSlot();
      log::Warn("could not open database connections in advance: ", opened.status().ToString());
      co_return;
    }
    Release(std::move(opened).value());
  }
}

void AsyncPool::Impl::Release(ConnectionPtr connection) {
  // Only a connection back at rest (no transaction, no pending input, no cancel in flight)
  // is reused.
  if (PQstatus(connection->conn) != CONNECTION_OK || connection->cancel_requested ||
      PQtransactionStatus(connection->conn) != PQTRANS_IDLE) {
    connection.reset();
    ReleaseSlot();
    return;
  }
  if (!waiters.empty()) {
    Waiter* waiter = NextWaiter();
    waiter->connection = std::move(connection);
    waiter->timer.cancel();
    return;
  }
  idle.push_back(std::move(connection));
}

// A connection slot became free (a connection was dropped or failed to open): the first
// waiter may open a new one, else the pool shrinks.
void AsyncPool::Impl::ReleaseSlot() {
  if (!waiters.empty()) {
    Waiter* waiter = NextWaiter();
    waiter->may_open = true;
    waiter->timer.cancel();
    return;
  }
  --open;
}

net::awaitable<absl::StatusOr<Result>> AsyncPool::Impl::Run(PooledConnection& c,
                                                            const Statement& statement,
                                                            const std::vector<Param>& params) {
  // A custom-planned statement (or one without a name) is not prepared: PostgreSQL plans it
  // with the actual values on every execution (async_pool.hpp, Plan).
  const bool unnamed = statement.plan == Plan::kCustom || statement.name.empty();
  // plan_cache_mode decides for the unnamed statement too: the server's sessions force generic
  // plans, so a custom-planned statement switches the connection's mode (and the next generic
  // one back), a round trip paid only when the mode changes.
  if ((statement.plan == Plan::kCustom) != c.custom_plans) {
    c.custom_plans = statement.plan == Plan::kCustom;
    const char* set = c.custom_plans ? "SET plan_cache_mode = force_custom_plan"
                                     : "SET plan_cache_mode = force_generic_plan";
    if (!PQsendQuery(c.conn, set)) co_return ConnectionError(c.conn, "send");
    STACFED_CO_RETURN_IF_ERROR(co_await Flush(c));
    auto done = co_await Collect(c, "plan_cache_mode");
    if (!done.ok()) co_return done.status();
  }
  auto prepared = c.prepared.find(statement.name);
  if (!unnamed && prepared == c.prepared.end() &&
      c.prepared.size() >= kMaxPreparedPerConnection) {
    // Searches with filters have many shapes (one statement each): the statements of a
    // connection are bounded, and when they are all taken they are dropped together (the
    // frequent ones are prepared again on their next use).
    if (!PQsendQuery(c.conn, "DEALLOCATE ALL")) co_return ConnectionError(c.conn, "send");
    STACFED_CO_RETURN_IF_ERROR(co_await Flush(c));
    auto done = co_await Collect(c, "DEALLOCATE ALL");
    if (!done.ok()) co_return done.status();
    c.prepared.clear();
    prepared = c.prepared.end();
  }
  if (!unnamed && prepared == c.prepared.end()) {
    std::string name(statement.name);
    std::string sql(statement.sql);
    if (!PQsendPrepare(c.conn, name.c_str(), sql.c_str(), 0, nullptr)) {
      co_return ConnectionError(c.conn, "send");
    }
    STACFED_CO_RETURN_IF_ERROR(co_await Flush(c));
    auto done = co_await Collect(c, statement.name);
    if (!done.ok()) co_return done.status();
    prepared = c.prepared.insert(std::move(name)).first;
  }

  constexpr size_t kInline = 16;  // most statements have few parameters: no allocation
  const char* inline_values[kInline];
  std::vector<const char*> heap_values;
  const char** values = inline_values;
  if (params.size() > kInline) {
    heap_values.resize(params.size());
    values = heap_values.data();
  }
  for (size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;

  const int sent =
      unnamed
          ? PQsendQueryParams(c.conn, std::string(statement.sql).c_str(),
                              static_cast<int>(params.size()), nullptr, values, nullptr, nullptr, 0)
          : PQsendQueryPrepared(c.conn, prepared->c_str(), static_cast<int>(params.size()), values,
                                nullptr, nullptr, 0);
  if (!sent) co_return ConnectionError(c.conn, "send");
  STACFED_CO_RETURN_IF_ERROR(co_await Flush(c));
  co_return co_await Collect(c, statement.name);
}

AsyncPool::AsyncPool(boost::asio::io_context& io, std::string url, int max_connections)
    : AsyncPool(io, std::move(url), AsyncPoolOptions{.max_connections = max_connections}) {}

AsyncPool::AsyncPool(boost::asio::io_context& io, std::string url, AsyncPoolOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(url), options)) {}

AsyncPool::~AsyncPool() = default;

int AsyncPool::OpenConnections() const { return impl_->open; }

int AsyncPool::Waiting() const { return static_cast<int>(impl_->waiters.size()); }

void AsyncPool::Prewarm(int count) {
  net::co_spawn(impl_->io, impl_->Prewarm(count), net::detached);
}

boost::asio::awaitable<absl::StatusOr<Result>> AsyncPool::Execute(const Statement& statement,
                                                                  std::vector<Param> params,
                                                                  ExecuteOptions call) {
  for (const Param& param : params) {
    if (param && param->find('\0') != std::string::npos) {
      co_return absl::InvalidArgumentError("a value holds a NUL byte, which no value may hold");
    }
  }
  if (call.cancel != nullptr && call.cancel->cancelled()) co_return Cancelled();
  STACFED_CO_ASSIGN_OR_RETURN(ConnectionPtr connection, co_await impl_->Acquire(call));
  if (call.cancel != nullptr && call.cancel->cancelled()) {
    impl_->Release(std::move(connection));
    co_return Cancelled();
  }
  absl::StatusOr<Result> result;
  {
    PooledConnection& c = *connection;
    std::optional<Cancellation::Registration> on_cancel;
    if (call.cancel != nullptr) {
      on_cancel.emplace(call.cancel->OnCancel([&c] {
        // Stop the backend, and stop waiting for it: the connection is closed, not reused.
        c.cancel_requested = true;
        CancelSender::Get().Send(PQgetCancel(c.conn));
        boost::system::error_code ignored;
        c.socket.cancel(ignored);
      }));
    }
    result = co_await impl_->Run(c, statement, params);
  }
  const bool cancelled = connection->cancel_requested;
  impl_->Release(std::move(connection));
  if (cancelled) co_return Cancelled();
  co_return result;
}

}  // namespace stacfed::pg
