#pragma once
// Turning the wire form of a request target into Request fields; socket-free so it is
// tested on its own.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/http/server_options.hpp"
#include "server/http/types.hpp"

namespace stacfed::http {

// Decodes %XX escapes; with `plus_is_space` also '+' -> ' ' (form encoding, query strings
// only: "%2B" stays the way to send a literal '+'). A malformed escape is kept as is.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// Splits `target` ("/path?query") into request.target, .path (decoded), .query (raw) and
// .query_params (keys and values decoded, '+' as space; "a" alone gives ("a", "")).
void DecodeTarget(std::string_view target, Request& request);

// InvalidArgument unless `target` is in origin form ("/path?query", RFC 9112 section 3.2.1)
// with only the characters RFC 3986 allows there (no raw byte above 0x7e, no space or
// control character), or "*" for OPTIONS. Such bytes would otherwise be echoed into the
// self links of a JSON response.
absl::Status CheckRequestTarget(std::string_view target, Method method);

// InvalidArgument when the decoded path or a decoded query parameter holds a NUL byte (libpq
// would cut a text parameter there: "/collections/c%00x" would read collection "c") or is
// not valid UTF-8 (which no id, collection or parameter of ours is).
absl::Status CheckDecodedRequest(const Request& request);

// Which Host headers may name the server in the links it writes, and the base URL of a
// request. With STACFED_PUBLIC_URL every link starts with it. Otherwise a Host header is
// trusted when it names
//   - a host of STACFED_ALLOWED_HOSTS ("name" with any port or none, "name:port" with that
//     port; "*" trusts every syntactically valid Host), or
//   - the server itself as reached by the client: localhost, 127.0.0.1, [::1], the
//     machine's host name, or the address the connection came in on, each with the port
//     the server listens on;
// any other Host is not echoed: links then name the address the connection came in on.
// A Host that is not a valid authority (RFC 3986) at all is a 400 (CheckHost).
class HostPolicy {
 public:
  // `port` is the port the server is bound to; `machine_name` the host name (gethostname).
  HostPolicy(const ServerOptions& options, uint16_t port, std::string machine_name);

  // InvalidArgument unless `host` is a host with an optional port and nothing else.
  static absl::Status CheckHost(std::string_view host);

  // "http://host[:port]" or the configured public URL, without a trailing slash.
  // `local_address` is the address the connection came in on ("127.0.0.1", "::1").
  std::string BaseUrl(std::string_view host_header, std::string_view local_address) const;

  bool Trusted(std::string_view host_header, std::string_view local_address) const;

 private:
  struct Entry {
    std::string name;  // lower case; IPv6 literals in brackets
    int port = -1;     // -1: any port
  };
  std::string public_url_;
  bool any_host_ = false;
  uint16_t port_;
  std::vector<Entry> allowed_;
};

}  // namespace stacfed::http
