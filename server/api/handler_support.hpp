#pragma once
// Small helpers every handler file uses.

#include <string>
#include <string_view>
#include <vector>

#include "libstac/pg/connection.hpp"
#include "server/api/links.hpp"
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

}  // namespace stacfed::api
