#pragma once
// What the HTTP server is configured with, as a plain struct (no Asio), read from the
// environment and the command line by the `serve` command. See server/http/server.hpp for
// the environment variables and their defaults.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace stacfed::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port (tests); Server::port() tells which
  // Public base URL without a trailing slash; empty means "http://" + the request's Host.
  std::string public_url;
  int threads = 0;  // I/O threads, each with its own io_context and pool; 0 = one per core

  // libpq URL of the database; empty runs the server without a pool (handlers that need
  // the database then see ServerContext::pool == nullptr).
  std::string database_url;
  // Connections per I/O thread, opened lazily. Few: requests wait their turn in a FIFO queue
  // rather than as more backends competing for the cores, which on a 2-core machine cut the
  // p99 of limit-10 searches at 32 clients from 24-34 ms to 6-8 ms at the same throughput
  // (bench/README.md, "API"). Raise it when PostgreSQL has cores or disks of its own.
  int db_pool_size = 2;
  int db_statement_timeout_ms = 30000;  // server-side statement_timeout; 0 = none

  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  // A request must arrive completely within read_timeout once its first byte is in; an open
  // connection may sit idle between requests for idle_timeout.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
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
