#pragma once
// The two encodings of a CQL2 filter into the one tree of ast.hpp.
//
// Errors are InvalidArgument naming where the filter went wrong and what was expected there:
//   "filter: at 17: expected ')' to close the list opened at 9, found 'AND'"
//   "filter: at args[0].args[1]: a timestamp must be an RFC 3339 date-time (...)"
// The tree is checked for shape only (arity, literal syntax, depth and size limits);
// whether its properties exist and its types fit is checked against the queryables when it
// is translated (to_sql.hpp).

#include <boost/json/value.hpp>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/search/cql2/ast.hpp"

namespace stacfed::search::cql2 {

// cql2-text (OGC 21-065 section 8), keywords in any case, arrays in ( ) or [ ],
// geometries in WKT (POINT ... GEOMETRYCOLLECTION) or as ENVELOPE/BBOX(w,s,e,n).
absl::StatusOr<Node> ParseText(std::string_view text);

// cql2-json (OGC 21-065 section 9) from its JSON text, or from JSON already parsed (a
// member of a POST body).
absl::StatusOr<Node> ParseJson(std::string_view json);
absl::StatusOr<Node> FromJson(const boost::json::value& json);

}  // namespace stacfed::search::cql2
