#include "server/api/database.hpp"

#include "server/http/server_context.hpp"

namespace stacfed::api {

boost::asio::awaitable<absl::StatusOr<pg::Result>> Database::Run(
    Cost cost, const pg::Statement& statement, std::vector<pg::Param> params) const {
  const http::ServerContext& context = http::ServerContext::Current();
  pg::AsyncPool* pool = context.pool;
  if (background_ && context.background_pool != nullptr) {
    pool = context.background_pool;
  } else if (cost == Cost::kExpensive && context.heavy_pool != nullptr) {
    pool = context.heavy_pool;
  }
  if (pool == nullptr) co_return absl::UnavailableError("the server has no database configured");
  co_return co_await pool->Execute(statement, std::move(params), call_);
}

std::shared_ptr<const search::Executor> Database::Detached() const {
  std::shared_ptr<Database> detached(new Database());
  detached->client_ = std::string(call_.client);
  detached->call_.client = detached->client_;
  detached->background_ = true;
  return detached;
}

}  // namespace stacfed::api
