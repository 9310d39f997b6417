#pragma once
// What the HTTP server is configured with, as a plain struct (no Asio), read from the
// environment and the command line by the `serve` command. See server/http/server.hpp for
// the environment variables and their defaults.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace stacfed::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port (tests); Server::port() tells which
  // Public base URL without a trailing slash; empty means "http://" + the request's Host
  // when that Host is trusted (request_decoding.hpp, HostPolicy).
  std::string public_url;
  // Extra Host names (or name:port) trusted for links; "*" trusts any (STACFED_ALLOWED_HOSTS).
  std::vector<std::string> allowed_hosts;
  int threads = 0;  // I/O threads, each with its own io_context and pool; 0 = one per core

  // libpq URL of the database; empty runs the server without a pool (handlers that need
  // the database then see ServerContext::pool == nullptr).
  std::string database_url;
  // Connections per I/O thread, opened lazily. One: with one I/O thread per core, as many
  // queries run at once as there are cores, and the others wait their turn in the pool's
  // FIFO queue. More backends than cores only compete: on the 2-core machine, 2 per thread
  // gave the same throughput with stalls of 0.2-1 s (backends preempted while holding lock
  // manager locks, which a generic plan over 20 partitions takes many of), 8 per thread a
  // p99 of 24-34 ms for limit-10 searches, 1 per thread 1.3-15 ms (bench/README.md, "API").
  // Raise it when PostgreSQL runs on cores of its own, or when slow queries are common
  // (a slow query holds up the other requests of its thread).
  int db_pool_size = 1;
  // Connections per I/O thread for expensive statements (searches with a spatial or time
  // filter, long id lists, large pages, their counts): a lane of their own, so that cheap
  // requests (an item, a collection, a plain page) never queue behind them. Within the lane
  // clients take turns (the one served least recently goes first).
  int db_heavy_pool_size = 1;
  // Connections per I/O thread for work that goes on after its answer (the count of a
  // search's matches that outlasts STACFED_COUNT_WAIT_MS): a lane of its own, so that a count
  // of seconds never holds the heavy lane a page is waiting for. Within it clients take turns.
  int db_background_pool_size = 1;
  // Expensive requests one client (remote address) may have waiting for the heavy lane of
  // one thread; more answer 503 at once.
  int heavy_queue_per_client = 16;
  int db_statement_timeout_ms = 30000;  // server-side statement_timeout; 0 = none

  size_t max_header_bytes = 8 * 1024;  // request line and all header fields together
  size_t max_header_fields = 100;
  size_t max_body_bytes = 1024 * 1024;
  // A request must arrive completely within read_timeout once its first byte is in; an open
  // connection may sit idle between requests for idle_timeout.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  // A response must make progress: some of it accepted by the client's connection at least
  // this often (a slow client may take as long as it needs for a large response).
  std::chrono::milliseconds send_timeout{30'000};
  // On SIGTERM/SIGINT in-flight requests get this long to finish before the server exits.
  std::chrono::milliseconds shutdown_grace{10'000};

  size_t gzip_min_bytes = 1024;  // smaller bodies are not worth compressing
  int gzip_level = 1;            // zlib level: speed over ratio (JSON compresses well anyway)
};

// Defaults overridden by the STACFED_* variables documented in server/http/server.hpp.
// Errors name the variable.
absl::StatusOr<ServerOptions> ServerOptionsFromEnv();

// Sets host and port from "HOST:PORT" or "[V6ADDR]:PORT"; ":PORT" and "PORT" change only
// the port.
absl::Status ParseListen(std::string_view listen, ServerOptions& options);

}  // namespace stacfed::http
