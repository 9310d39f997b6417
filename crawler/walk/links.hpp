#pragma once
// Following STAC links: resolving relative hrefs, turning a `next` link (GET href, or POST
// with a body to merge or to send as is) into the request that fetches the next page, and
// repairing links that name a provider's internal host.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "crawler/fetch/http_client.hpp"

namespace stacfed::crawler {

// `href` resolved against `base` (RFC 3986 section 5.2, Url::Resolve); href itself when it
// is absolute or either cannot be parsed.
std::string ResolveHref(std::string_view base, std::string_view href);

// The first link with this rel (and, when `json_only`, a JSON media type or none).
const boost::json::object* FindLink(const boost::json::object& document, std::string_view rel,
                                    bool json_only = true);

// True for a media type we can read as STAC (JSON, GeoJSON, absent).
bool IsJsonMediaType(std::string_view type);

// A next link of a page into a request. `current` is the request that produced the page
// (its body is the base a `merge: true` body is merged into). `source_root` is the URL of the
// source's landing page: a next href on a single-label host ("http://eodag-server:8080/search",
// never resolvable outside the provider) is rewritten onto it; `rewritten` tells.
std::optional<HttpRequest> NextRequest(const boost::json::object& page, const HttpRequest& current,
                                       std::string_view source_root, bool* rewritten);

// How a walk reads its pages, kept in the checkpoint with the next request so that a
// resumed walk goes on the same way (an interrupted incremental walk must not be finished
// as a full one: a full walk withdraws every item it did not meet).
struct WalkMode {
  bool incremental = false;
  // A sorted incremental walk stops after the page reaching an item updated before this.
  std::optional<int64_t> stop_before_updated_us;
};

// A request as JSON for the checkpoint ({"method","url","body"[,"incremental",
// "stop_before_updated_us"]}) and back.
std::string RequestToJson(const HttpRequest& request, const WalkMode& mode = {});
std::optional<HttpRequest> RequestFromJson(std::string_view json, WalkMode* mode = nullptr);

// The request's identity for loop detection.
std::string RequestKey(const HttpRequest& request);

}  // namespace stacfed::crawler
