#pragma once
// Per-thread services a handler needs, without Beast or Asio I/O headers.
//
// Each I/O thread of the server runs one io_context with its own database pool; a request
// is handled start to finish (every co_await included) on the thread that accepted it, so
// a thread-local is the right home for these services and handlers need no extra argument:
//
//   auto& context = http::ServerContext::Current();
//   auto result = co_await context.pool->Execute(kFindItem, {collection_id, item_id});
//
// Tests of handlers that run without the server install a context on their own thread with
// ScopedServerContext.

#include "server/http/server_options.hpp"

namespace stacfed::pg {
class AsyncPool;
}

namespace stacfed::http {

struct ServerContext {
  // The pool of the current I/O thread; nullptr when the server runs without a database.
  pg::AsyncPool* pool = nullptr;
  // The thread's lane for expensive statements (ServerOptions::db_heavy_pool_size); nullptr
  // without a database.
  pg::AsyncPool* heavy_pool = nullptr;
  // The thread's lane for work that goes on after its answer (a count in the background,
  // ServerOptions::db_background_pool_size); nullptr without a database.
  pg::AsyncPool* background_pool = nullptr;
  // The server's configuration (public_url, limits, ...); never nullptr inside a handler.
  const ServerOptions* options = nullptr;

  // The context of the calling thread (an empty one, with nullptrs, outside the server).
  static ServerContext& Current();
};

// Installs `context` as the calling thread's context for its lifetime (restores the previous
// one afterwards). The server uses it on each I/O thread; tests use it around handler calls.
class ScopedServerContext {
 public:
  explicit ScopedServerContext(ServerContext& context);
  ~ScopedServerContext();
  ScopedServerContext(const ScopedServerContext&) = delete;
  ScopedServerContext& operator=(const ScopedServerContext&) = delete;

 private:
  ServerContext* previous_;
};

}  // namespace stacfed::http
