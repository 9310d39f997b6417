#pragma once
// GET query strings and POST bodies into one SearchRequest, through the parameter table of
// the enabled modules (modules.hpp). Unknown or repeated parameters are errors that list the
// supported ones.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/search/modules.hpp"
#include "server/search/request.hpp"

namespace stacfed::search {

// GET. On /collections/{id}/items (`path_collection` set) the path collection replaces any
// `collections` parameter (pystac-client sends `?collections=<id>`; naming other collections
// there cannot widen the search).
absl::StatusOr<SearchRequest> ParseQuery(const QueryParams& params, Family family,
                                         std::string_view path_collection = {});

// POST. Also returns, in `body_without_token`, the body as compact JSON with any "token"
// member removed: the POST next link repeats it with the new token.
struct ParsedBody {
  SearchRequest request;
  std::string body_without_token;
};
absl::StatusOr<ParsedBody> ParseBody(std::string_view body, Family family);

}  // namespace stacfed::search
