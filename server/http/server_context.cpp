#include "server/http/server_context.hpp"

namespace stacfed::http {
namespace {

ServerContext& EmptyContext() {
  thread_local ServerContext empty;
  return empty;
}

thread_local ServerContext* current_context = nullptr;

}  // namespace

ServerContext& ServerContext::Current() {
  return current_context != nullptr ? *current_context : EmptyContext();
}

ScopedServerContext::ScopedServerContext(ServerContext& context) : previous_(current_context) {
  current_context = &context;
}

ScopedServerContext::~ScopedServerContext() { current_context = previous_; }

}  // namespace stacfed::http
