// libFuzzer target: the input is the body of a POST /search request. It goes through the
// body parser and then what the handler does with a search it parsed (fingerprint, token,
// SQL). The POST next link sends the body back without its token (body_without_token):
// that body must parse again, to the same search.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/search_checks.hpp"
#include "server/search/params.hpp"

namespace stacfed::fuzz {
namespace {

void FuzzBody(std::string_view body) {
  auto parsed = search::ParseBody(body, search::Family::kItemSearch);
  if (!parsed.ok()) return;
  auto again = search::ParseBody(parsed->body_without_token, search::Family::kItemSearch);
  FUZZ_CHECK(again.ok());
  search::SearchRequest expected = parsed->request;
  expected.token_text.reset();
  FUZZ_CHECK(again->request == expected);
  FUZZ_CHECK(again->body_without_token == parsed->body_without_token);
  ExerciseSearch(std::move(parsed->request), "/search");
}

}  // namespace
}  // namespace stacfed::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stacfed::fuzz::FuzzBody(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
