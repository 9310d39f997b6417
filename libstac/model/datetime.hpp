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

// The instants ParseRfc3339 can return: years 0001-9999 shifted by an offset of up to
// 23:59 either way, so from 0000-12-31T00:01:00Z to 10000-01-01T23:58:59.999999Z. A time
// from elsewhere (a page token, a stored value) is checked against them before use.
inline constexpr Micros kMinParsedMicros = -62135596800LL * 1000000 - 1439LL * 60 * 1000000;
inline constexpr Micros kMaxParsedMicros = 253402300800LL * 1000000 + 1439LL * 60 * 1000000 - 1;
inline bool IsParsedRange(Micros time) {
  return time >= kMinParsedMicros && time <= kMaxParsedMicros;
}

// The same instant as PostgreSQL's timestamptz input reads it ("2000-01-01 00:00:00+00",
// "0001-12-31 00:01:00+00 BC" for year 0 of the proleptic calendar, which the ISO form
// cannot express and PostgreSQL rejects). Every timestamp sent to SQL as text goes through
// this, never FormatRfc3339. `time` must be IsParsedRange.
std::string FormatPgTimestamp(Micros time);

}  // namespace stacfed
