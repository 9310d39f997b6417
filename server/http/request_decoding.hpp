#pragma once
// Turning the wire form of a request target into Request fields; socket-free so it is
// tested on its own.

#include <string>
#include <string_view>

#include "server/http/server_options.hpp"
#include "server/http/types.hpp"

namespace stacfed::http {

// Decodes %XX escapes; with `plus_is_space` also '+' -> ' ' (form encoding, query strings
// only: "%2B" stays the way to send a literal '+'). A malformed escape is kept as is.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// Splits `target` ("/path?query") into request.target, .path (decoded), .query (raw) and
// .query_params (keys and values decoded, '+' as space; "a" alone gives ("a", "")).
void DecodeTarget(std::string_view target, Request& request);

// The public base URL without a trailing slash: options.public_url when set, else
// "http://" + the Host header (the listen address when the request has none).
std::string BaseUrlFor(const ServerOptions& options, std::string_view host_header);

}  // namespace stacfed::http
