#include "libstac/ingest/dom_parser.hpp"

#include "libstac/base/strings.hpp"
#include "libstac/ingest/staged_item.hpp"

namespace stacfed::ingest {

simdjson::dom::parser NewDomParser() {
  simdjson::dom::parser parser;
  // The capacity grows with the first document; the depth stays. (Should this small
  // allocation fail, the first parse allocates again and reports the error.)
  const simdjson::error_code allocated =
      parser.allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, kMaxJsonDepth);
  (void)allocated;
  return parser;
}

std::string JsonErrorReason(simdjson::error_code error) {
  if (error == simdjson::DEPTH_ERROR) {
    return StrCat("nested deeper than ", kMaxJsonDepth, " levels of objects and arrays");
  }
  return StrCat("not valid JSON (", simdjson::error_message(error), ")");
}

}  // namespace stacfed::ingest
