// libFuzzer target: the input is the query string of a GET /search request, as it arrives
// on the request line (still percent-encoded). It goes the way the server takes it
// (server/http/server.cpp, then server/api/handlers.cpp and server/search): the target check, decoding, the
// decoded check, the search parser, then what the handler does with a search it parsed.
// The raw bytes are also checked as a Host header, the other piece of the request head
// that is parsed by our code rather than by Beast.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/search_checks.hpp"
#include "server/search/params.hpp"
#include "server/http/request_decoding.hpp"
#include "server/http/types.hpp"

namespace stacfed::fuzz {
namespace {

void FuzzQuery(std::string_view query) {
  (void)http::HostPolicy::CheckHost(query);

  std::string target = "/search?";
  target.append(query);
  // The server answers 400 when this fails; the decoding below must be safe either way
  // (percent-escapes produce any byte from a target that passes).
  (void)http::CheckRequestTarget(target, http::Method::kGet);
  http::Request request;
  http::DecodeTarget(target, request);
  FUZZ_CHECK(request.path == "/search");
  if (!http::CheckDecodedRequest(request).ok()) return;  // a 400 before any handler

  if (auto search = search::ParseQuery(request.query_params, search::Family::kItemSearch); search.ok()) {
    ExerciseSearch(*std::move(search), "/search");
  }
  // /collections/{id}/items: the same parameters with the collection fixed by the path.
  if (auto items = search::ParseQuery(request.query_params, search::Family::kItems, "fuzz-collection"); items.ok()) {
    FUZZ_CHECK(items->collections.size() == 1 && items->collections[0] == "fuzz-collection");
    ExerciseSearch(*std::move(items), "/collections/fuzz-collection/items");
  }
}

}  // namespace
}  // namespace stacfed::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stacfed::fuzz::FuzzQuery(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
