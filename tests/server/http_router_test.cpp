// Router matching and dispatch without sockets.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <stdexcept>

#include "server/http/request_decoding.hpp"
#include "server/http/router.hpp"

namespace stacfed::http {
namespace {

namespace net = boost::asio;

Handler Named(std::string name) {
  return [name](const Request& request) -> net::awaitable<Response> {
    Response response;
    response.content_type = "text/plain";
    response.body = name;
    for (const auto& param : request.path_params) response.body += "|" + param;
    co_return response;
  };
}

Router ExampleRouter() {
  Router router;
  router.Add(Method::kGet, "/", Named("landing"));
  router.Add(Method::kGet, "/collections", Named("collections"));
  router.Add(Method::kGet, "/collections/{id}", Named("collection"));
  router.Add(Method::kGet, "/collections/queryables", Named("queryables"));
  router.Add(Method::kGet, "/collections/{id}/items", Named("items"));
  router.Add(Method::kGet, "/collections/{id}/items/{itemId}", Named("item"));
  router.Add(Method::kGet, "/search", Named("search-get"));
  router.Add(Method::kPost, "/search", Named("search-post"));
  router.Add(Method::kGet, "/throws", [](const Request&) -> net::awaitable<Response> {
    throw std::runtime_error("boom");
    co_return Response();
  });
  return router;
}

Response Dispatch(const Router& router, Method method, std::string_view target) {
  Request request;
  request.method = method;
  DecodeTarget(target, request);
  net::io_context io;
  std::optional<Response> response;
  net::co_spawn(io, router.Dispatch(request), [&](std::exception_ptr error, Response result) {
    REQUIRE_FALSE(error);
    response = std::move(result);
  });
  io.run();
  REQUIRE(response.has_value());
  return *response;
}

std::string HeaderOf(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace

TEST_CASE("router: literal segments win over captures, captures are decoded", "[http][router]") {
  Router router = ExampleRouter();
  std::vector<std::string> params;

  auto match = router.Find(Method::kGet, "/collections/queryables", params);
  REQUIRE(match.outcome == Router::Outcome::kFound);
  CHECK(params.empty());
  CHECK(Dispatch(router, Method::kGet, "/collections/queryables").body == "queryables");

  CHECK(Dispatch(router, Method::kGet, "/collections/cmip6").body == "collection|cmip6");
  CHECK(Dispatch(router, Method::kGet, "/collections/a%2Fb/items/x%20y?limit=1").body ==
        "item|a/b|x y");
  // '+' in a path is a plus, not a space.
  CHECK(Dispatch(router, Method::kGet, "/collections/a+b/items").body == "items|a+b");
  CHECK(Dispatch(router, Method::kGet, "/").body == "landing");
  CHECK(Dispatch(router, Method::kGet, "/collections/").body == "collections");
  // An encoded literal still matches the literal.
  CHECK(Dispatch(router, Method::kGet, "/%73earch").body == "search-get");
}

TEST_CASE("router: 404 for unknown paths, 405 with Allow for other methods", "[http][router]") {
  Router router = ExampleRouter();
  Response missing = Dispatch(router, Method::kGet, "/nothing/here");
  CHECK(missing.status == 404);
  CHECK(missing.content_type == "application/json");
  CHECK(missing.body.find("\"code\":\"NotFound\"") != std::string::npos);
  CHECK(Dispatch(router, Method::kGet, "/collections//items").status == 404);
  CHECK(Dispatch(router, Method::kGet, "/collections/x/items/y/z").status == 404);

  Response wrong = Dispatch(router, Method::kDelete, "/collections/x");
  CHECK(wrong.status == 405);
  CHECK(HeaderOf(wrong, "Allow") == "GET, HEAD, OPTIONS");
  CHECK(wrong.body.find("MethodNotAllowed") != std::string::npos);

  Response post_only = Dispatch(router, Method::kPut, "/search");
  CHECK(post_only.status == 405);
  CHECK(HeaderOf(post_only, "Allow") == "GET, HEAD, POST, OPTIONS");
}

TEST_CASE("router: HEAD runs GET, OPTIONS answers the preflight", "[http][router]") {
  Router router = ExampleRouter();
  CHECK(Dispatch(router, Method::kHead, "/collections/c").body == "collection|c");
  CHECK(Dispatch(router, Method::kPost, "/search").body == "search-post");

  Response preflight = Dispatch(router, Method::kOptions, "/search");
  CHECK(preflight.status == 204);
  CHECK(preflight.body.empty());
  CHECK(HeaderOf(preflight, "Access-Control-Allow-Methods") == "GET, POST, OPTIONS");
  CHECK(HeaderOf(preflight, "Access-Control-Allow-Headers") ==
        "Content-Type, Accept, Accept-Language, Authorization, Client-Site");
  CHECK_FALSE(HeaderOf(preflight, "Access-Control-Max-Age").empty());
  CHECK(Dispatch(router, Method::kOptions, "/unknown").status == 404);
}

TEST_CASE("router: an exception in a handler becomes a 500 JSON error", "[http][router]") {
  Router router = ExampleRouter();
  Response response = Dispatch(router, Method::kGet, "/throws");
  CHECK(response.status == 500);
  CHECK(response.body.find("InternalServerError") != std::string::npos);
  CHECK(response.body.find("boom") == std::string::npos);  // details stay in the log
}

TEST_CASE("router: registering a route again replaces its handler", "[http][router]") {
  Router router = ExampleRouter();
  router.Add(Method::kGet, "/search", Named("replaced"));
  CHECK(Dispatch(router, Method::kGet, "/search").body == "replaced");
}

TEST_CASE("router: method names round-trip", "[http][router]") {
  CHECK(ParseMethod("GET") == Method::kGet);
  CHECK(ParseMethod("OPTIONS") == Method::kOptions);
  CHECK(ParseMethod("BREW") == Method::kOther);
  CHECK(MethodName(Method::kPatch) == "PATCH");
}

}  // namespace stacfed::http
