// libFuzzer target: the input is a cql2-json filter, as a client sends it in the filter
// parameter with filter-lang=cql2-json (a POST body's filter object goes through FromJson,
// the second half of ParseJson). A filter that parses goes on as the server takes it
// (cql2_checks.hpp): its cql2-json, written back, must parse again to exactly the same
// filter and text, and its SQL must be a 400 or bind exactly the parameters it refers to. A
// filter that does not parse must be a 400 with a readable message.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/cql2_checks.hpp"
#include "fuzz/fuzz_check.hpp"
#include "server/search/cql2/parse.hpp"

namespace stacfed::fuzz {
namespace {

void FuzzJson(std::string_view json) {
  const bool utf8 = WellFormedUtf8(json);
  auto filter = search::cql2::ParseJson(json);
  if (!filter.ok()) {
    CheckRefusal(filter.status(), utf8);
    return;
  }
  // JSON that parsed is UTF-8 (Boost.JSON refuses anything else), as POST bodies are.
  FUZZ_CHECK(utf8);
  CheckFilter(*filter, utf8);
}

}  // namespace
}  // namespace stacfed::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stacfed::fuzz::FuzzJson(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
