#pragma once
// What the server does with a CQL2 filter once it parsed (server/search/filter_module.cpp),
// for the two filter targets: the canonical cql2-json of the filter (cql2/print.hpp, which
// the search fingerprint covers and the array literals of the SQL bind) must parse again to
// the same filter, and the filter's translation to SQL (cql2/to_sql.hpp) against a set of
// queryables must be a 400 or a condition that binds exactly the parameters it refers to.
// No database: the SQL is checked, not run.

#include <string_view>

#include "absl/status/status.h"
#include "server/search/cql2/ast.hpp"

namespace stacfed::fuzz {

// Well-formed UTF-8 (RFC 3629), written here rather than taken from libstac/base/strings so
// that the checks do not trust the code they check.
bool WellFormedUtf8(std::string_view text);

// A filter refused by a parser or by the translation: InvalidArgument, a message that names
// the filter, at most kMaxMessageBytes long, and valid UTF-8 when the filter was (a filter
// reaches the parsers only once the server has checked that: GET values are checked when
// they are decoded, POST bodies are JSON).
inline constexpr size_t kMaxMessageBytes = 2000;
void CheckRefusal(const absl::Status& status, bool input_utf8);

// The checks of a filter that parsed from an input (`input_utf8`: the input was valid UTF-8).
void CheckFilter(const search::cql2::Node& filter, bool input_utf8);

}  // namespace stacfed::fuzz
