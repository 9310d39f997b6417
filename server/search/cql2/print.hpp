#pragma once
// A CQL2 tree written back as cql2-json: the canonical form of a filter (what a search's
// fingerprint covers, whichever encoding the client used) and what tests compare.

#include <string>

#include "server/search/cql2/ast.hpp"

namespace stacfed::search::cql2 {

std::string ToJson(const Node& node);

}  // namespace stacfed::search::cql2
