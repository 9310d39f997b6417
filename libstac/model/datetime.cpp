#include "libstac/model/datetime.hpp"

#include "libstac/base/strings.hpp"

namespace stacfed {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

absl::Status Invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      StrCat("'", text, "' is not an RFC 3339 date-time (", why, ")"));
}

}  // namespace

absl::StatusOr<Micros> ParseRfc3339(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, month) ||
      s[7] != '-' || !Digits(s, 8, 2, day)) {
    return Invalid(s, "expected YYYY-MM-DD");
  }
  if (s.size() == 10) return Invalid(s, "a date alone lacks the time and offset");
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return Invalid(s, "expected 'T' after the date");
  if (!Digits(s, 11, 2, hour) || s.size() < 19 || s[13] != ':' || !Digits(s, 14, 2, minute) ||
      s[16] != ':' || !Digits(s, 17, 2, second)) {
    return Invalid(s, "expected hh:mm:ss");
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > int(DaysInMonth(year, month)) ||
      hour > 23 || minute > 59 || second > 60) {
    return Invalid(s, "a field is out of range");
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return Invalid(s, "a decimal point needs digits");
    if (digits > 9) return Invalid(s, "more than 9 fractional digits");
    for (size_t i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos == s.size()) return Invalid(s, "no time zone offset");
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return Invalid(s, "the offset must be +hh:mm or -hh:mm");
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return Invalid(s, "no time zone offset");
  }
  if (pos != s.size()) return Invalid(s, "unexpected characters after the offset");
  if (second == 60) second = 59;  // a leap second is clamped, as PostgreSQL does not store it
  const int64_t days = DaysFromCivil(year, unsigned(month), unsigned(day));
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000000 + micros;
}

namespace {

struct CivilTime {
  int64_t year;
  unsigned month, day;
  int64_t seconds_of_day;
  int64_t micros;
};

CivilTime ToCivil(Micros time) {
  // Floor division: a time before the epoch still has a non-negative time of day.
  int64_t seconds = time / 1000000;
  if (time % 1000000 < 0) --seconds;
  CivilTime civil;
  civil.micros = time - seconds * 1000000;
  int64_t days = seconds / 86400;
  if (seconds % 86400 < 0) --days;
  civil.seconds_of_day = seconds - days * 86400;
  CivilFromDays(days, civil.year, civil.month, civil.day);
  return civil;
}

// Appends a non-negative `value` with at least `width` digits, zero-padded. (snprintf, which
// this replaces, cost about 3,500 instructions per timestamp: a page token's keyset formats
// one per request.)
void AppendPadded(std::string& out, int64_t value, int width) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (int i = n; i < width; ++i) out += '0';
  while (n > 0) out += digits[--n];
}

// "YYYY-MM-DD<separator>HH:MM:SS[.ffffff]" for a year of at least 1, the fraction only when
// non-zero, trailing zeros dropped.
std::string FormatCivil(int64_t year, const CivilTime& t, char separator) {
  std::string out;
  out.reserve(40);
  AppendPadded(out, year, 4);
  out += '-';
  AppendPadded(out, t.month, 2);
  out += '-';
  AppendPadded(out, t.day, 2);
  out += separator;
  AppendPadded(out, t.seconds_of_day / 3600, 2);
  out += ':';
  AppendPadded(out, t.seconds_of_day / 60 % 60, 2);
  out += ':';
  AppendPadded(out, t.seconds_of_day % 60, 2);
  if (t.micros != 0) {
    out += '.';
    AppendPadded(out, t.micros, 6);
    while (out.back() == '0') out.pop_back();
  }
  return out;
}

}  // namespace

std::string FormatRfc3339(Micros time) {
  const CivilTime civil = ToCivil(time);
  std::string out = FormatCivil(civil.year, civil, 'T');
  out += 'Z';
  return out;
}

std::string FormatPgTimestamp(Micros time) {
  const CivilTime civil = ToCivil(time);
  // PostgreSQL counts years as historians do: there is no year 0, 1 BC precedes 1 AD.
  if (civil.year >= 1) return StrCat(FormatCivil(civil.year, civil, ' '), "+00");
  return StrCat(FormatCivil(1 - civil.year, civil, ' '), "+00 BC");
}

}  // namespace stacfed
