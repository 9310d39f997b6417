#pragma once
// JSON from clients (search bodies, the intersects parameter, cql2-json filters), parsed with
// Boost.JSON but with exact numbers: Boost.JSON 1.81 reads a number with a fraction or an
// exponent imprecisely ("-1.7243127776997827E2" comes out one unit in the last place away
// from the double it spells, for about one random coordinate in eight). A POST next link
// repeats the body as the server wrote it, so the next page read other coordinates than the
// first one and its token was refused (found by fuzz/fuzz_search_body). Numbers are read
// again from their text with std::from_chars, which is exact.

#include <boost/json/value.hpp>
#include <string_view>

#include "absl/status/statusor.h"

namespace stacfed::search {

// InvalidArgument naming `what` ("the request body", "filter") when `text` is not one JSON
// value.
absl::StatusOr<boost::json::value> ParseJsonExactly(std::string_view text, std::string_view what);

}  // namespace stacfed::search
