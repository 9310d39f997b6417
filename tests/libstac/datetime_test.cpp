#include <catch2/catch.hpp>

#include "libstac/model/datetime.hpp"

using stacfed::FormatRfc3339;
using stacfed::ParseRfc3339;

TEST_CASE("RFC 3339 instants parse to microseconds and format back", "[datetime]") {
  CHECK(*ParseRfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(*ParseRfc3339("2000-01-01T00:00:00Z") == 946684800LL * 1000000);
  CHECK(*ParseRfc3339("2000-01-01t01:00:00+01:00") == 946684800LL * 1000000);
  CHECK(*ParseRfc3339("2000-01-01T00:00:00.5z") == 946684800LL * 1000000 + 500000);
  CHECK(*ParseRfc3339("2000-01-01T00:00:00.123456789-00:00") == 946684800LL * 1000000 + 123456);
  CHECK(FormatRfc3339(*ParseRfc3339("4029-01-16T12:00:00Z")) == "4029-01-16T12:00:00Z");
  CHECK(FormatRfc3339(*ParseRfc3339("1850-01-01T00:00:00.25Z")) == "1850-01-01T00:00:00.25Z");
}

TEST_CASE("RFC 3339 rejects what the STAC validator rejects", "[datetime]") {
  for (const char* bad : {"2020-01-01", "2020-01-01T00:00:00", "2020-01-01T00:00:00+0100",
                          "2020-13-01T00:00:00Z", "2021-02-29T00:00:00Z", "2020-01-01T24:00:00Z",
                          "50.Z", "2020-01-01T00:00:00,5Z", "2020-01-01T00:00:00.Z",
                          "2020-01-01T00:00:00.1234567890Z", "", "2020-01-01T00:00:00Zjunk"}) {
    INFO(bad);
    CHECK_FALSE(ParseRfc3339(bad).ok());
  }
}

TEST_CASE("timestamps for PostgreSQL name year 0 as 1 BC", "[datetime]") {
  using stacfed::FormatPgTimestamp;
  using stacfed::IsParsedRange;
  const auto earliest = *ParseRfc3339("0001-01-01T00:00:00+23:59");
  const auto latest = *ParseRfc3339("9999-12-31T23:59:59.999999-23:59");
  CHECK(FormatPgTimestamp(earliest) == "0001-12-31 00:01:00+00 BC");
  CHECK(FormatPgTimestamp(latest) == "10000-01-01 23:58:59.999999+00");
  CHECK(FormatPgTimestamp(*ParseRfc3339("2000-01-01T00:00:00.5Z")) == "2000-01-01 00:00:00.5+00");
  CHECK(FormatPgTimestamp(*ParseRfc3339("1969-12-31T23:59:59.75Z")) == "1969-12-31 23:59:59.75+00");
  CHECK(earliest == stacfed::kMinParsedMicros);
  CHECK(latest == stacfed::kMaxParsedMicros);
  CHECK(IsParsedRange(earliest));
  CHECK(IsParsedRange(latest));
  CHECK_FALSE(IsParsedRange(earliest - 1));
  CHECK_FALSE(IsParsedRange(latest + 1));
  CHECK_FALSE(IsParsedRange(INT64_MIN));
}
