#pragma once
// The HTTP/1.1 server: Boost.Beast on Asio with C++20 coroutines, one io_context and thread
// per core. One acceptor hands each new connection to the thread with the fewest open
// connections (even with few long-lived keep-alive connections, unlike SO_REUSEPORT's hash).
// Each thread has its own pg::AsyncPool, so nothing on the request path takes a lock.
//
// Per connection: keep-alive, pipelined requests answered in order, header and body limits
// (413), a read timeout once a request has started and an idle timeout between requests.
// Per response: Access-Control-Allow-Origin: * (CORS), gzip when accepted and worthwhile,
// a strong ETag with If-None-Match -> 304 when Response::etag is set, HEAD without body.
// SIGTERM/SIGINT (RunServer) or Stop(): stop accepting, close idle connections, let
// in-flight requests finish (up to the shutdown grace), then return.
//
// Environment (read by ServerOptionsFromEnv; the command line wins over it):
//   STACFED_LISTEN                  HOST:PORT to listen on (`serve --listen`); default
//                                   127.0.0.1:8080
//   STACFED_PUBLIC_URL              public base URL of every link, e.g. https://stac.example.org
//                                   (a trailing "/" is dropped); default "http://" + the
//                                   request's Host header
//   STACFED_THREADS                 I/O threads; default: one per core
//   STACFED_DB_POOL_SIZE            database connections per I/O thread, opened on demand;
//                                   default 1 (server_options.hpp says why)
//   STACFED_DB_STATEMENT_TIMEOUT_MS statement_timeout of the server's connections (a slower
//                                   query answers 503); 0 disables; default 30000
//   STACFED_MAX_BODY_BYTES          largest request body (else 413); default 1048576
//   STACFED_MAX_HEADER_BYTES        largest request line + headers (else 413); default 8192
//   STACFED_READ_TIMEOUT_MS         time to receive a whole request once it started;
//                                   default 30000
//   STACFED_IDLE_TIMEOUT_MS         keep-alive connection idle time before it is closed;
//                                   default 60000
//   STACFED_SHUTDOWN_GRACE_MS       time in-flight requests get on SIGTERM; default 10000
//   STACFED_GZIP_MIN_BYTES          smallest body sent gzip-compressed; default 1024
//   STACFED_GZIP_LEVEL              zlib level 1-9; default 1 (fastest)

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "server/http/router.hpp"
#include "server/http/server_options.hpp"

namespace stacfed::http {

class Server {
 public:
  // `router` must outlive the server.
  Server(ServerOptions options, const Router& router);
  ~Server();  // stops and waits
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads; returns once the server accepts connections.
  absl::Status Start();
  // The bound port (useful with options.port == 0).
  uint16_t port() const;
  // Graceful stop; thread-safe, returns at once (Wait() for the end).
  void Stop();
  // Blocks until every I/O thread has finished.
  void Wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs a server until SIGTERM or SIGINT, then shuts it down gracefully. Returns an error
// when it cannot start (address in use, ...), OK after a clean stop.
absl::Status RunServer(const ServerOptions& options, const Router& router);

}  // namespace stacfed::http
