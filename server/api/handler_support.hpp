#pragma once
// Small helpers every handler file uses.

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "absl/status/statusor.h"
#include "libstac/pg/connection.hpp"
#include "server/api/links.hpp"
#include "server/http/error_response.hpp"
#include "server/http/router.hpp"
#include "server/http/types.hpp"

namespace stacfed::api {

// Bind parameters without a braced list: g++ 12 miscompiles initializer lists inside
// coroutines ("array used as initializer").
template <typename... Values>
std::vector<pg::Param> Params(const Values&... values) {
  std::vector<pg::Param> params;
  params.reserve(sizeof...(Values));
  (params.emplace_back(values), ...);
  return params;
}

inline http::Response JsonResponse(std::string body, std::string_view content_type = kJson) {
  http::Response response;
  response.content_type = std::string(content_type);
  response.body = std::move(body);
  return response;
}

// A route's handler from a function returning StatusOr<Response>: an error status becomes
// the {"code","description"} error response.
template <typename Fn>
http::Handler Wrap(Fn fn) {
  return [fn = std::move(fn)](const http::Request& request)
             -> boost::asio::awaitable<http::Response> {
    absl::StatusOr<http::Response> response = co_await fn(request);
    if (!response.ok()) co_return http::ErrorResponse(response.status());
    co_return std::move(response).value();
  };
}

}  // namespace stacfed::api
