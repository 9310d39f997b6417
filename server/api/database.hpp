#pragma once
// The database as a handler uses it: statements run on the current I/O thread's pools on
// behalf of the request's client, and are abandoned with the request when the client hangs
// up. Each statement says what it may cost: cheap ones (an item, a collection, a catalog, a
// plain page) have the thread's main pool to themselves; expensive ones (searches with a
// spatial, time or CQL2 filter, long id lists, large pages, and their counts) take the heavy
// lane, where clients take turns (server/http/server_options.hpp, db_heavy_pool_size). So an
// expensive request never keeps a cheap one waiting for a connection. Work that goes on after
// the answer (a count outlasting its page) runs in a third lane, so that it never keeps an
// expensive page waiting either.
//
//   Database db(request);
//   STACFED_CO_ASSIGN_OR_RETURN(pg::Result row, co_await db.Run(Cost::kCheap, kCollectionExists, params));

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/pg/async_pool.hpp"
#include "server/http/types.hpp"
#include "server/search/service.hpp"

namespace stacfed::api {

using search::Cost;

class Database : public search::Executor {
 public:
  explicit Database(const http::Request& request)
      : call_{.client = request.remote_address, .cancel = request.cancel} {}

  // Unavailable when the server runs without a database; Cancelled when the client left.
  boost::asio::awaitable<absl::StatusOr<pg::Result>> Run(
      Cost cost, const pg::Statement& statement, std::vector<pg::Param> params) const override;

  // For work that goes on after the answer: the thread's background lane, the same client's
  // turn there, without the hang-up (and without the request it points into).
  std::shared_ptr<const search::Executor> Detached() const override;

 private:
  Database() = default;

  pg::ExecuteOptions call_;
  std::string client_;  // a detached copy's own client address; call_.client points into it
  bool background_ = false;  // a detached copy: runs in the background lane
};

}  // namespace stacfed::api
