#pragma once
// The simdjson DOM parser of every reader in the write path, held to kMaxJsonDepth, and the
// reasons its errors give a person.

#include <string>

#include "simdjson.h"

namespace stacfed::ingest {

// A parser that refuses documents nested deeper than kMaxJsonDepth (simdjson's own limit is
// 1024, deeper than a PostgreSQL with a small max_stack_depth parses).
simdjson::dom::parser NewDomParser();
// "not valid JSON (simdjson's message)", or for a document nested too deeply, the limit.
std::string JsonErrorReason(simdjson::error_code error);

}  // namespace stacfed::ingest
