#include "server/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <optional>
#include <string>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <exception>
#include <thread>
#include <unordered_set>

#include "absl/strings/match.h"
#include "libstac/base/cancellation.hpp"
#include "libstac/base/log.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/pg/async_pool.hpp"
#include "server/http/body_stream.hpp"
#include "server/http/error_response.hpp"
#include "server/http/request_decoding.hpp"
#include "server/http/response_encoding.hpp"
#include "server/http/server_context.hpp"

namespace stacfed::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;
using RequestParser = bhttp::request_parser<bhttp::string_body>;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

// Settings of the server's database sessions.
// - Generic plans only: the API's statements are written so that one plan fits every value
//   (collections bound one parameter each for run-time partition pruning, spatial searches
//   deciding between walk and GIST index as they run; search/query.hpp). A custom plan
//   re-planned a 20-partition search for each request: 1-3 ms of planning for a query that
//   runs in well under one.
// - No parallel workers: an API request is short, workers would take the cores the other
//   requests are using, and the Gather branches of a generic plan cost their set-up on
//   every execution even where they never run (bbox+datetime search: 2,400 -> 3,300/s).
constexpr std::string_view kApiSessionSetup =
    "SET plan_cache_mode = force_generic_plan; SET max_parallel_workers_per_gather = 0;";

// One I/O thread: its io_context, its database pool and its open connections.
struct Worker {
  struct Session {
    beast::tcp_stream* stream;
    bool idle = false;  // waiting for the next request: closed at once on stop
  };

  explicit Worker(int gzip_level) : gzip(gzip_level) {}

  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> keep_running{io.get_executor()};
  std::unique_ptr<pg::AsyncPool> pool;        // cheap statements
  std::unique_ptr<pg::AsyncPool> heavy_pool;  // expensive ones (server_options.hpp)
  std::unique_ptr<pg::AsyncPool> background_pool;  // work after the answer (counts)
  ServerContext context;
  GzipCompressor gzip;
  std::string gzip_output;          // reused between responses
  std::atomic<int> connections{0};  // read by the acceptor thread to balance the load
  std::unordered_set<Session*> sessions;
  bool stopping = false;
  bool forced = false;  // stopped with requests still running (see Server::Wait)
  net::steady_timer grace_timer{io};
  net::steady_timer* log_timer = nullptr;  // the log flusher's, while it waits
  std::thread thread;
};

// Registers a session with its worker for its lifetime.
class SessionRegistration {
 public:
  SessionRegistration(Worker& worker, beast::tcp_stream& stream)
      : worker_(worker), session_{&stream} {
    worker_.sessions.insert(&session_);
  }
  ~SessionRegistration() {
    worker_.sessions.erase(&session_);
    worker_.connections.fetch_sub(1, std::memory_order_relaxed);
    // The last session of a stopping worker lets its io_context run out of work.
    if (worker_.stopping && worker_.sessions.empty()) worker_.grace_timer.cancel();
  }
  void SetIdle(bool idle) { session_.idle = idle; }

 private:
  Worker& worker_;
  Worker::Session session_;
};

Method MethodOf(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

// The address of an endpoint as text, without brackets or port ("127.0.0.1", "::1").
std::string AddressOf(const tcp::endpoint& endpoint) { return endpoint.address().to_string(); }

// Copies the parsed message into `request`, reusing its strings' capacity across the
// requests of a connection; the body is moved, not copied. Rejects what no handler should
// see: too many or too large header fields (431), an HTTP/1.1 request without exactly one
// valid Host, a target with raw bytes a URL may not hold, decoded values with NUL bytes or
// invalid UTF-8 (400).
// The addresses of a connection's two ends ("" when unknown), read once per connection, and
// the base URL its last Host header gave (a keep-alive connection sends the same one).
struct Peers {
  std::string local;
  std::string remote;
  std::optional<std::string> last_host;
  std::string last_base_url;
};

Peers PeersOf(const tcp::socket& socket) {
  ErrorCode ec;
  const tcp::endpoint local = socket.local_endpoint(ec);
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  Peers peers;
  if (!ec) {
    peers.local = AddressOf(local);
    peers.remote = AddressOf(remote);
  }
  return peers;
}

absl::Status FillRequest(bhttp::request<bhttp::string_body>& message, const ServerOptions& options,
                         const HostPolicy& hosts, Peers& peers, Request& request) {
  request.method = MethodOf(message.method());
  const std::string_view target(message.target().data(), message.target().size());
  size_t count = 0;
  size_t header_bytes = target.size();
  size_t host_index = SIZE_MAX;  // an index: views into `headers` die when it grows
  int hosts_seen = 0;
  for (const auto& field : message) {
    if (count == request.headers.size()) request.headers.emplace_back();
    auto& [name, value] = request.headers[count++];
    auto raw_name = field.name_string();
    name.assign(raw_name.data(), raw_name.size());
    for (char& c : name) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    value.assign(field.value().data(), field.value().size());
    header_bytes += name.size() + value.size() + 4;
    if (name == "host") {
      ++hosts_seen;
      host_index = count - 1;
    }
  }
  request.headers.resize(count);
  if (count > options.max_header_fields || header_bytes > options.max_header_bytes) {
    return WithHttpStatus(
        absl::ResourceExhaustedError(StrCat(
            "The request's header fields are too large: at most ", options.max_header_fields,
            " fields and ", options.max_header_bytes, " bytes with the request line.")),
        431);
  }
  if (hosts_seen > 1) return absl::InvalidArgumentError("The request has more than one Host header.");
  const std::string_view host =
      host_index == SIZE_MAX ? std::string_view() : request.headers[host_index].second;
  if (host_index == SIZE_MAX && message.version() >= 11) {
    return absl::InvalidArgumentError("An HTTP/1.1 request must have a Host header (RFC 9112).");
  }
  const bool same_host = peers.last_host && *peers.last_host == host;
  if (host_index != SIZE_MAX && !same_host) STACFED_RETURN_IF_ERROR(HostPolicy::CheckHost(host));
  STACFED_RETURN_IF_ERROR(CheckRequestTarget(target, request.method));
  DecodeTarget(target, request);
  STACFED_RETURN_IF_ERROR(CheckDecodedRequest(request));

  if (!same_host) {
    peers.last_base_url = hosts.BaseUrl(host, peers.local);
    peers.last_host = std::string(host);
  }
  request.base_url = peers.last_base_url;
  request.remote_address = peers.remote;
  request.body = std::move(message.body());
  request.path_params.clear();
  return absl::OkStatus();
}

// Whether the peer of a readable socket has closed it (EOF or an error), as opposed to
// having sent more bytes (a pipelined request, left in the socket for the session).
bool PeerClosed(int fd) {
  char byte;
  ssize_t n;
  do {
    n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return true;
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK;
}

// While a handler runs nothing reads the client's socket: this watches it, so that a client
// that hangs up cancels its request (the database work it started is abandoned,
// libstac/pg/async_pool.hpp). Bytes arriving instead (a pipelined request) end the watch.
// Single-threaded: the wait completes on the session's thread; the watch outlives neither
// the socket nor the cancellation it refers to (its destructor disarms the wait first).
class HangUpWatch {
 public:
  HangUpWatch(tcp::socket& socket, Cancellation& cancellation)
      : socket_(socket), state_(std::make_shared<State>(State{&cancellation})) {
    socket_.async_wait(tcp::socket::wait_read, [state = state_, fd = socket_.native_handle()](
                                                   ErrorCode ec) {
      if (state->done || ec == net::error::operation_aborted) return;
      if (ec || PeerClosed(fd)) state->cancellation->Cancel();
    });
  }
  ~HangUpWatch() {
    state_->done = true;
    ErrorCode ignored;
    socket_.cancel(ignored);
  }
  HangUpWatch(const HangUpWatch&) = delete;
  HangUpWatch& operator=(const HangUpWatch&) = delete;

 private:
  struct State {
    Cancellation* cancellation;
    bool done = false;
  };
  tcp::socket& socket_;
  std::shared_ptr<State> state_;
};

// Writes head and body; the send timeout bounds each step, not the whole: a slow client may
// take as long as it needs, as long as it keeps taking bytes.
net::awaitable<std::pair<ErrorCode, size_t>> WriteResponse(beast::tcp_stream& stream,
                                                           std::string_view head,
                                                           std::string_view body,
                                                           std::chrono::milliseconds timeout) {
  std::array<net::const_buffer, 2> parts = {net::buffer(head), net::buffer(body)};
  beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(parts);
  const size_t total = head.size() + body.size();
  size_t written = 0;
  while (written < total) {
    stream.expires_after(timeout);
    auto [ec, n] = co_await stream.async_write_some(rest, kNoThrow);
    if (ec) co_return std::pair{ec, written};
    rest.consume(n);
    written += n;
  }
  co_return std::pair{ErrorCode(), written};
}

// Writes one chunk of a streamed body: with chunked transfer encoding its size line, the
// bytes and CRLF; without (HTTP/1.0), the bytes alone.
net::awaitable<ErrorCode> WriteChunk(beast::tcp_stream& stream, std::string_view chunk,
                                     bool chunked, std::chrono::milliseconds timeout) {
  char size_line[24];
  const int size_length =
      chunked ? std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size()) : 0;
  std::array<net::const_buffer, 3> parts = {
      net::buffer(size_line, static_cast<size_t>(size_length)), net::buffer(chunk),
      net::buffer("\r\n", chunked ? 2 : 0)};
  beast::buffers_suffix<std::array<net::const_buffer, 3>> rest(parts);
  size_t left = static_cast<size_t>(size_length) + chunk.size() + (chunked ? 2 : 0);
  while (left > 0) {
    stream.expires_after(timeout);
    auto [ec, n] = co_await stream.async_write_some(rest, kNoThrow);
    if (ec) co_return ec;
    rest.consume(n);
    left -= n;
  }
  co_return ErrorCode();
}

// Sends a streamed body (body_stream.hpp) after its head: chunk by chunk, then the last
// chunk. False when the connection cannot go on: the client left, or the stream failed
// (then the last chunk is withheld, so the client sees a truncated body).
net::awaitable<bool> WriteStream(beast::tcp_stream& stream, BodyStream& body, bool chunked,
                                 std::chrono::milliseconds timeout, size_t& written) {
  std::string chunk;
  for (;;) {
    absl::StatusOr<bool> more = co_await body.Next(chunk);
    if (!more.ok()) {
      log::Repeated(log::Level::kWarn, "a streamed response failed",
                    ToStd(more.status().message()));
      co_return false;
    }
    if (!*more) break;
    if (chunk.empty()) continue;
    if (co_await WriteChunk(stream, chunk, chunked, timeout)) co_return false;
    written += chunk.size();
  }
  if (!chunked) co_return false;  // HTTP/1.0: the close ends the body
  static constexpr std::string_view kLastChunk = "0\r\n\r\n";
  stream.expires_after(timeout);
  auto [ec, n] = co_await net::async_write(stream, net::buffer(kLastChunk), kNoThrow);
  co_return !ec;
}

// "Sat, 21 Nov 2026 12:00:00 GMT", formatted once per second per thread.
std::string_view HttpDate() {
  thread_local std::time_t cached_second = 0;
  thread_local char text[40];
  thread_local size_t length = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm parts;
    gmtime_r(&now, &parts);
    length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    cached_second = now;
  }
  return {text, length};
}

bool HasBody(unsigned status) { return status >= 200 && status != 204 && status != 304; }

// Applies ETag/If-None-Match and gzip to `response` and writes its head into `head`.
void PrepareResponse(const Request& request, Response& response, bool keep_alive,
                     unsigned http_version, Worker& worker, const ServerOptions& options,
                     std::string& head) {
  std::string etag;
  if (response.etag && response.status == 200) {
    etag = EtagFor(response.body);
    auto if_none_match = request.Header("if-none-match");
    if (if_none_match && IfNoneMatchHits(*if_none_match, etag)) {
      response.status = 304;
      response.body.clear();
    }
  }
  // A handler that sends an encoded body (a precompressed file) says so in its headers.
  const bool encoded = std::any_of(response.headers.begin(), response.headers.end(),
                                   [](const auto& header) {
                                     return absl::EqualsIgnoreCase(ToAbsl(header.first),
                                                                   "Content-Encoding");
                                   });
  bool negotiable = !response.stream && !encoded && HasBody(response.status) &&
                    response.body.size() >= options.gzip_min_bytes &&
                    IsCompressible(response.content_type);
  bool gzip = false;
  if (negotiable) {
    auto accept_encoding = request.Header("accept-encoding");
    if (accept_encoding && AcceptsGzip(*accept_encoding) &&
        worker.gzip.Compress(response.body, worker.gzip_output)) {
      response.body.swap(worker.gzip_output);
      gzip = true;
      // Another encoding is another representation: its strong tag must differ.
      if (!etag.empty()) etag.insert(etag.size() - 1, "-gzip");
    }
  }

  auto reason = bhttp::obsolete_reason(bhttp::int_to_status(response.status));
  head.clear();
  StrAppend(&head, "HTTP/1.1 ", response.status, " ",
            std::string_view(reason.data(), reason.size()), "\r\nDate: ", HttpDate(),
            "\r\nAccess-Control-Allow-Origin: *\r\n");
  if (HasBody(response.status)) {
    if (!response.content_type.empty()) {
      StrAppend(&head, "Content-Type: ", response.content_type, "\r\n");
    }
    if (!response.stream) {
      StrAppend(&head, "Content-Length: ", response.body.size(), "\r\n");
    } else if (http_version >= 11) {
      head += "Transfer-Encoding: chunked\r\n";
    }
  }
  if (negotiable || response.status == 304) head += "Vary: Accept-Encoding\r\n";
  if (gzip) head += "Content-Encoding: gzip\r\n";
  if (!etag.empty()) StrAppend(&head, "ETag: ", etag, "\r\n");
  for (const auto& [name, value] : response.headers) StrAppend(&head, name, ": ", value, "\r\n");
  if (!keep_alive) {
    head += "Connection: close\r\n";
  } else if (http_version == 10) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
}

bool IsLimitError(const ErrorCode& ec) {
  return ec == bhttp::error::header_limit || ec == bhttp::error::body_limit ||
         ec == bhttp::error::buffer_overflow;
}

// Malformed HTTP (worth a 400), as opposed to a connection that closed or timed out.
bool IsProtocolError(const ErrorCode& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// Answers a request that could not be read (too large, malformed) and closes: its remaining
// bytes are not worth reading, but the client must get the answer before the close.
net::awaitable<void> RejectAndClose(beast::tcp_stream& stream, Response response,
                                    const ServerOptions& options) {
  std::string head;
  auto reason = bhttp::obsolete_reason(bhttp::int_to_status(response.status));
  StrAppend(&head, "HTTP/1.1 ", response.status, " ",
            std::string_view(reason.data(), reason.size()), "\r\nDate: ", HttpDate(),
            "\r\nAccess-Control-Allow-Origin: *\r\nContent-Type: ", response.content_type,
            "\r\nContent-Length: ", response.body.size(), "\r\nConnection: close\r\n\r\n");
  stream.expires_after(options.read_timeout);
  std::array<net::const_buffer, 2> buffers = {net::buffer(head), net::buffer(response.body)};
  auto [ec, written] = co_await net::async_write(stream, buffers, kNoThrow);
  if (ec) co_return;
  // Lingering close: closing with unread input makes the kernel send RST, which can destroy
  // the response in flight. Half-close and drain (bounded in time and bytes) instead.
  ErrorCode ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::chrono::seconds(2));
  std::array<char, 16384> sink;
  for (size_t drained = 0; drained < 8 * 1024 * 1024;) {
    auto [read_ec, n] = co_await stream.async_read_some(net::buffer(sink), kNoThrow);
    if (read_ec) break;
    drained += n;
  }
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions server_options, const Router& server_router)
      : options(std::move(server_options)), router(server_router) {}

  Worker& LeastLoaded() {
    Worker* best = workers.front().get();
    for (auto& worker : workers) {
      if (worker->connections.load(std::memory_order_relaxed) <
          best->connections.load(std::memory_order_relaxed)) {
        best = worker.get();
      }
    }
    return *best;
  }

  net::awaitable<void> AcceptLoop();
  net::awaitable<void> Session(Worker& worker, tcp::socket socket);
  void StopWorker(Worker& worker);

  // Every second: the summaries of repeated log lines (libstac/base/log.hpp).
  net::awaitable<void> FlushLogs(Worker& worker);

  ServerOptions options;
  const Router& router;
  std::unique_ptr<HostPolicy> hosts;  // set once the port is known
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<tcp::acceptor> acceptor;  // runs on workers[0]
  uint16_t port = 0;
  std::atomic<bool> stop_requested{false};
  bool started = false;
  bool joined = false;
};

net::awaitable<void> Server::Impl::AcceptLoop() {
  net::steady_timer backoff(workers.front()->io);
  for (;;) {
    Worker& target = LeastLoaded();
    tcp::socket socket(target.io);
    auto [ec] = co_await acceptor->async_accept(socket, kNoThrow);
    if (!acceptor->is_open() || ec == net::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or a connection reset before accept: wait a little, go on.
      log::Repeated(log::Level::kWarn, "accept failed", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    ErrorCode ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    target.connections.fetch_add(1, std::memory_order_relaxed);
    net::co_spawn(target.io, Session(target, std::move(socket)), [](std::exception_ptr error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log::Repeated(log::Level::kError, "connection ended by an exception", e.what());
      }
    });
  }
}

net::awaitable<void> Server::Impl::Session(Worker& worker, tcp::socket socket) {
  Peers peers = PeersOf(socket);
  beast::tcp_stream stream(std::move(socket));
  SessionRegistration registration(worker, stream);
  beast::flat_buffer buffer;
  Request request;
  std::string head;

  for (;;) {
    // Between requests: a pipelined request may already be buffered; else wait, idle.
    if (buffer.size() == 0) {
      if (worker.stopping) break;
      registration.SetIdle(true);
      stream.expires_after(options.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kNoThrow);
      registration.SetIdle(false);
      if (ec) break;  // closed by the client, idle timeout, or stopping
      buffer.commit(n);
    }

    stream.expires_after(options.read_timeout);
    RequestParser parser;
    parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    auto [header_ec, header_bytes] =
        co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
    ErrorCode ec = header_ec;
    if (!ec && !parser.is_done()) {
      auto expect = parser.get()[bhttp::field::expect];
      if (beast::iequals(expect, "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        std::tie(ec, std::ignore) =
            co_await net::async_write(stream, net::buffer(kContinue), kNoThrow);
      }
      if (!ec)
        std::tie(ec, std::ignore) = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
    }
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        co_await RejectAndClose(
            stream,
            JsonErrorResponse(431, "RequestHeaderFieldsTooLarge",
                              StrCat("The request's header fields are too large: at most ",
                                     options.max_header_bytes, " bytes with the request line.")),
            options);
      } else if (IsLimitError(ec)) {
        co_await RejectAndClose(
            stream,
            JsonErrorResponse(413, "PayloadTooLarge",
                              StrCat("The request body is too large: at most ",
                                     options.max_body_bytes, " bytes.")),
            options);
      } else if (IsProtocolError(ec)) {
        co_await RejectAndClose(
            stream,
            JsonErrorResponse(400, "BadRequest", StrCat("Malformed HTTP request: ", ec.message())),
            options);
      }
      co_return;
    }

    // The handler's time is not the socket's: the database has its own timeouts.
    stream.expires_never();
    auto& message = parser.get();
    if (absl::Status filled = FillRequest(message, options, *hosts, peers, request);
        !filled.ok()) {
      co_await RejectAndClose(stream, ErrorResponse(filled), options);
      co_return;
    }
    bool keep_alive = message.keep_alive();
    unsigned version = message.version();
    Cancellation cancellation;
    request.cancel = &cancellation;
    Response response;
    // A streamed body still reads the database while it is sent: the watch stays until it
    // is complete.
    std::optional<HangUpWatch> watch;
    watch.emplace(stream.socket(), cancellation);
    response = co_await router.Dispatch(request);
    if (!response.stream) watch.reset();
    request.cancel = nullptr;
    if (cancellation.cancelled()) {
      log::Debug(MethodName(request.method), " ", request.target, ": the client hung up");
      break;  // nobody to answer
    }

    const bool with_body = request.method != Method::kHead;
    // HTTP/1.0 has no chunked encoding: a streamed body ends with the connection.
    keep_alive = keep_alive && !worker.stopping &&
                 !(response.stream && with_body && version < 11);
    PrepareResponse(request, response, keep_alive, version, worker, options, head);
    auto [write_ec, written] = co_await WriteResponse(
        stream, head, with_body ? std::string_view(response.body) : std::string_view(),
        options.send_timeout);
    if (!write_ec && response.stream && with_body && HasBody(response.status)) {
      keep_alive = co_await WriteStream(stream, *response.stream, version >= 11,
                                        options.send_timeout, written) &&
                   keep_alive;
    }
    watch.reset();
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug(MethodName(request.method), " ", request.target, " -> ", response.status, " (",
                 written, " bytes)");
    }
    if (write_ec || !keep_alive) break;
  }
  ErrorCode ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> Server::Impl::FlushLogs(Worker& worker) {
  net::steady_timer timer(worker.io);
  while (!worker.stopping) {
    timer.expires_after(std::chrono::seconds(1));
    worker.log_timer = &timer;
    co_await timer.async_wait(kNoThrow);
    worker.log_timer = nullptr;
    log::FlushRepeated();
  }
}

// Runs on the worker's thread: close idle connections, let busy ones finish (they close
// after their response), and give up on them after the grace period.
void Server::Impl::StopWorker(Worker& worker) {
  worker.stopping = true;
  worker.keep_running.reset();
  if (worker.log_timer != nullptr) worker.log_timer->cancel();
  for (Worker::Session* session : worker.sessions) {
    ErrorCode ignored;
    if (session->idle) session->stream->socket().cancel(ignored);
  }
  if (worker.sessions.empty()) return;
  worker.grace_timer.expires_after(options.shutdown_grace);
  worker.grace_timer.async_wait([&worker](ErrorCode ec) {
    if (ec) return;
    log::Warn("shutdown grace period over: closing ", worker.sessions.size(),
              " unfinished connection(s)");
    worker.forced = true;
    worker.io.stop();
  });
}

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() {
  Stop();
  Wait();
}

absl::Status Server::Start() {
  Impl& impl = *impl_;
  if (impl.started) return absl::FailedPreconditionError("the server was already started");
  const ServerOptions& options = impl.options;
  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(threads, 1);
  for (int i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>(options.gzip_level);
    if (!options.database_url.empty()) {
      // The three lanes differ in size and in how many waiters one client may have.
      auto lane = [&](int connections, std::optional<int> waiters_per_client) {
        pg::AsyncPoolOptions lane_options{
            .max_connections = connections,
            .statement_timeout_ms = options.db_statement_timeout_ms,
            .session_setup = std::string(kApiSessionSetup)};
        if (waiters_per_client) lane_options.max_waiters_per_client = *waiters_per_client;
        return std::make_unique<pg::AsyncPool>(worker->io, options.database_url,
                                               std::move(lane_options));
      };
      worker->pool = lane(options.db_pool_size, std::nullopt);
      worker->pool->Prewarm(options.db_pool_size);
      worker->heavy_pool = lane(options.db_heavy_pool_size, options.heavy_queue_per_client);
      worker->background_pool =
          lane(options.db_background_pool_size, options.heavy_queue_per_client);
    }
    worker->context.pool = worker->pool.get();
    worker->context.heavy_pool = worker->heavy_pool.get();
    worker->context.background_pool = worker->background_pool.get();
    worker->context.options = &impl.options;
    impl.workers.push_back(std::move(worker));
  }

  // Bind: a name ("localhost") is resolved, an address is used as is.
  Worker& first = *impl.workers.front();
  ErrorCode ec;
  tcp::endpoint endpoint(net::ip::make_address(options.host, ec), options.port);
  if (ec) {
    tcp::resolver resolver(first.io);
    auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty()) {
      return absl::InvalidArgumentError(
          StrCat("cannot resolve the listen host '", options.host, "': ", ec.message()));
    }
    endpoint = results.begin()->endpoint();
  }
  auto acceptor = std::make_unique<tcp::acceptor>(first.io);
  auto fail = [&](std::string_view step) {
    return absl::UnavailableError(StrCat("cannot listen on ", options.host, ":", options.port, " (",
                                         step, "): ", ec.message()));
  };
  if (acceptor->open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor->set_option(tcp::acceptor::reuse_address(true), ec)) return fail("option");
  if (acceptor->bind(endpoint, ec)) return fail("bind");
  if (acceptor->listen(net::socket_base::max_listen_connections, ec)) return fail("listen");
  impl.port = acceptor->local_endpoint(ec).port();
  impl.acceptor = std::move(acceptor);
  char machine_name[256] = {};
  if (gethostname(machine_name, sizeof machine_name - 1) != 0) machine_name[0] = '\0';
  impl.hosts = std::make_unique<HostPolicy>(options, impl.port, machine_name);

  net::co_spawn(first.io, impl.AcceptLoop(), [](std::exception_ptr error) {
    if (error) log::Error("the accept loop ended by an exception");
  });
  net::co_spawn(first.io, impl.FlushLogs(first), net::detached);
  for (auto& worker_ptr : impl.workers) {
    Worker& worker = *worker_ptr;
    worker.thread = std::thread([&worker] {
      ScopedServerContext scoped(worker.context);
      for (;;) {
        try {
          worker.io.run();
          return;
        } catch (const std::exception& e) {
          log::Error("I/O thread caught an exception: ", e.what());
        }
      }
    });
  }
  impl.started = true;
  return absl::OkStatus();
}

uint16_t Server::port() const { return impl_->port; }

void Server::Stop() {
  Impl& impl = *impl_;
  if (!impl.started || impl.stop_requested.exchange(true)) return;
  net::post(impl.workers.front()->io, [&impl] {
    ErrorCode ignored;
    impl.acceptor->close(ignored);
  });
  for (auto& worker : impl.workers) {
    net::post(worker->io, [&impl, &worker = *worker] { impl.StopWorker(worker); });
  }
}

void Server::Wait() {
  Impl& impl = *impl_;
  if (!impl.started || impl.joined) return;
  for (auto& worker : impl.workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  impl.joined = true;
  // A worker stopped by force still holds suspended request coroutines that refer to its
  // members; destroying it would run their destructors against half-destroyed state. The
  // process is about to exit, so the workers are deliberately leaked instead.
  bool forced = false;
  for (auto& worker : impl.workers) forced = forced || worker->forced;
  if (forced) {
    for (auto& worker : impl.workers) (void)worker.release();
    impl.workers.clear();
  }
}

absl::Status RunServer(const ServerOptions& options, const Router& router) {
  Server server(options, router);
  if (auto status = server.Start(); !status.ok()) return status;
  log::Info("stacfed serving on http://", options.host, ":", server.port(),
            options.public_url.empty() ? "" : " as ", options.public_url);

  net::io_context signal_io(1);
  net::signal_set signals(signal_io, SIGINT, SIGTERM);
  signals.async_wait([&server](ErrorCode ec, int signal) {
    if (ec) return;
    log::Info("signal ", signal, " received: finishing in-flight requests, then exiting");
    server.Stop();
  });
  signal_io.run();
  server.Wait();
  log::FlushRepeatedNow();
  log::Info("stacfed server stopped");
  return absl::OkStatus();
}

}  // namespace stacfed::http
