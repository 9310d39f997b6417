#pragma once
// Maps (method, path pattern) to handlers. Patterns are "/"-separated segments, literal or
// "{name}" captures: "/collections/{id}/items/{itemId}". At each position a literal segment
// wins over a capture, so "/collections/queryables" beats "/collections/{id}". Captures are
// percent-decoded one by one (an id may hold an encoded "/") into Request::path_params, in
// order. A trailing "/" is ignored ("/collections/" is "/collections").
//
// Dispatch answers what no handler should have to: 404 for an unknown path, 405 with Allow
// for a known path and another method, HEAD through the GET handler (the server drops the
// body), OPTIONS (CORS preflight) with 204 for every known path, and 500 for an exception
// escaping a handler. Handlers reach per-thread services through ServerContext::Current().
// The router is shared by all I/O threads and handlers run concurrently on them: whatever a
// handler captures must be immutable (or per thread).
//
//   router.Add(http::Method::kGet, "/collections/{id}",
//              [](const http::Request& request) -> boost::asio::awaitable<http::Response> {
//                co_return co_await GetCollection(request.path_params[0]);
//              });

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/types.hpp"

namespace stacfed::http {

using Handler = std::function<boost::asio::awaitable<Response>(const Request&)>;

// "GET" -> kGet ...; anything unknown -> kOther. And back ("OTHER" for kOther).
Method ParseMethod(std::string_view name);
std::string_view MethodName(Method method);

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Registers `handler` for `method` on `pattern`; the same method and pattern registered
  // again replaces the earlier handler. kHead and kOptions are answered by the router.
  void Add(Method method, std::string_view pattern, Handler handler);

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed, kPreflight };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Handler* handler = nullptr;  // set when kFound
    std::string allow;                 // "GET, HEAD, OPTIONS" for kMethodNotAllowed/kPreflight
  };
  // Looks up a still percent-encoded path (the target without its query); captures are
  // decoded into `path_params` (cleared first).
  Match Find(Method method, std::string_view raw_path, std::vector<std::string>& path_params) const;

  // Routes `request` (using request.target), fills request.path_params and runs the
  // handler; never throws.
  boost::asio::awaitable<Response> Dispatch(Request& request) const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
};

// The CORS preflight answer: 204 with Allow-Methods/Headers/Max-Age (Allow-Origin is added
// by the server to every response).
Response PreflightResponse(std::string_view allow);

}  // namespace stacfed::http
