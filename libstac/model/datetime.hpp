#pragma once
// RFC 3339 date-times as STAC uses them: "2020-01-01T00:00:00Z", up to 9 fractional digits,
// "Z"/"z" or a +HH:MM/-HH:MM offset, "T"/"t" separator. Strict: a date alone, a missing
// offset or an out-of-range field is an error. Times are microseconds since the Unix epoch
// (PostgreSQL's resolution); years 0001-9999 (model calendars reach 4029 and beyond).

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace stacfed {

using Micros = int64_t;

absl::StatusOr<Micros> ParseRfc3339(std::string_view text);
// "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", the fraction only when non-zero.
std::string FormatRfc3339(Micros time);

}  // namespace stacfed
