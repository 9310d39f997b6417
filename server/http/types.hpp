#pragma once
// HTTP request and response as handlers see them: plain structs, no Beast types, so handler
// and rendering code compiles without the Beast/Asio headers and is testable without sockets.
// (Owned by server/http; handlers in server/api build on it.)

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stacfed {
class Cancellation;
}

namespace stacfed::http {

class BodyStream;  // body_stream.hpp

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string target;  // as received: path and query, still percent-encoded
  std::string path;    // percent-decoded path, e.g. "/collections/my coll/items"
  std::string query;   // raw query string without '?', still encoded ("" when none)
  // Decoded query parameters in order of appearance ('+' decoded to space only in values
  // where the form encoding applies; see server/http for the exact rule).
  std::vector<std::pair<std::string, std::string>> query_params;
  HeaderList headers;  // names lower-cased
  std::string body;
  // Public base URL without a trailing slash: the configured STACFED_PUBLIC_URL, else
  // "http://" + the Host header. Every link a handler writes starts with it.
  std::string base_url;
  // Values captured by the router for "{name}" segments, in order.
  std::vector<std::string> path_params;
  // The client's address ("127.0.0.1"): whose turn it is in the database's heavy lane.
  std::string remote_address;
  // Cancelled by the server when the client hangs up before its answer; whatever the
  // handler waits for (a database connection, a query) is abandoned then. nullptr outside
  // the server (tests calling handlers directly).
  Cancellation* cancel = nullptr;

  // The first header with this (lower-case) name.
  std::optional<std::string_view> Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return std::string_view(value);
    }
    return std::nullopt;
  }
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;  // extra headers (Location, Allow, ...)
  // When true the server adds an ETag computed from the body and answers a matching
  // If-None-Match with 304 (collections and items).
  bool etag = false;
  // A body too large to hold (an export of a million rows): when set, `body` is ignored and
  // the server sends what the stream yields, chunk by chunk, with chunked transfer encoding
  // (body_stream.hpp).
  std::shared_ptr<BodyStream> stream;
};

}  // namespace stacfed::http
