// libFuzzer target: the input is a cql2-text filter, as the filter parameter of GET /search
// or GET /collections/{id}/items carries it once decoded (or a POST body's filter string).
// A filter that parses goes on as the server takes it (cql2_checks.hpp): its cql2-json must
// parse again to the same filter, and its SQL must be a 400 or bind exactly the parameters
// it refers to. A filter that does not parse must be a 400 with a readable message.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/cql2_checks.hpp"
#include "server/search/cql2/parse.hpp"

namespace stacfed::fuzz {
namespace {

void FuzzText(std::string_view text) {
  const bool utf8 = WellFormedUtf8(text);
  auto filter = search::cql2::ParseText(text);
  if (!filter.ok()) {
    CheckRefusal(filter.status(), utf8);
    return;
  }
  CheckFilter(*filter, utf8);
}

}  // namespace
}  // namespace stacfed::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stacfed::fuzz::FuzzText(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
