#include "fuzz/cql2_checks.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/cql2/parse.hpp"
#include "server/search/cql2/print.hpp"
#include "server/search/cql2/to_sql.hpp"
#include "server/search/json.hpp"
#include "server/search/query.hpp"
#include "server/search/queryables.hpp"

namespace stacfed::fuzz {

namespace cql2 = search::cql2;

namespace {

// Prints what a failing check was about (cut, bytes other than printable ASCII as \xNN),
// before FUZZ_CHECK aborts.
void Explain(const char* label, std::string_view text) {
  constexpr size_t kShown = 2000;
  std::string shown;
  for (const char c : text.substr(0, kShown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      shown += c;
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      shown += escaped;
    }
  }
  std::fprintf(stderr, "%s (%zu bytes): %s%s\n", label, text.size(), shown.c_str(),
               text.size() > kShown ? " ..." : "");
}

// The built-in queryables and properties of each kind the translation tells apart, as
// stacfed.collection_properties rows (name, types, values seen, array values).
search::Queryables FuzzQueryables() {
  search::Queryables q = search::Queryables::Builtin();
  // A string facet with its values.
  q.AddPropertyRow("cmip6:variable_id", "{string}", R"(["tas","pr","huss"])", false);
  // A string facet whose values are many, and a nullable one.
  q.AddPropertyRow("platform", "{string,null}", std::nullopt, false);
  // A number (integers and fractions seen), not a facet.
  q.AddPropertyRow("eo:cloud_cover", "{integer,number}", std::nullopt, false);
  // An integer; a number facet.
  q.AddPropertyRow("sat:relative_orbit", "{integer}", R"([12,139])", false);
  q.AddPropertyRow("gsd", "{number}", R"([10,20,60.5])", false);
  // A boolean facet.
  q.AddPropertyRow("latest", "{boolean}", R"([true,false])", false);
  // An array of strings (a facet), and an array of numbers.
  q.AddPropertyRow("instruments", "{array}", R"(["msi","oli","tirs"])", true);
  q.AddPropertyRow("bands", "{array}", R"([1,2,3])", true);
  // A string that is a date-time by its name: a timestamp.
  q.AddPropertyRow("updated", "{string}", std::nullopt, false);
  // Values of several types: any.
  q.AddPropertyRow("mixed", "{string,number}", std::nullopt, false);
  return q;
}

// The SQL of a condition is made of our own text: printable ASCII, every value a parameter.
// Its only literals are the translation's constants ('null', 'array', 'infinity',
// '86399.999999 seconds'): lower-case words and numbers, which a value spliced in by mistake
// would soon not be. Its parentheses balance.
bool ConstantLiteral(std::string_view literal) {
  if (literal.empty() || literal.size() > 32) return false;
  for (const char c : literal) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

void CheckSqlText(std::string_view sql) {
  FUZZ_CHECK(!sql.empty());
  int open = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const auto c = static_cast<unsigned char>(sql[i]);
    if (c < 0x20 || c > 0x7e) Explain("sql", sql);
    FUZZ_CHECK(c >= 0x20 && c <= 0x7e);
    if (c == '\'') {
      const size_t close = sql.find('\'', i + 1);
      if (close == std::string_view::npos) Explain("sql", sql);
      FUZZ_CHECK(close != std::string_view::npos);
      const std::string_view literal = sql.substr(i + 1, close - i - 1);
      if (!ConstantLiteral(literal)) Explain("sql", sql);
      FUZZ_CHECK(ConstantLiteral(literal));
      i = close;
    } else if (c == '(') {
      ++open;
    } else if (c == ')') {
      if (open == 0) Explain("sql", sql);
      FUZZ_CHECK(open > 0);
      --open;
    }
  }
  if (open != 0) Explain("sql", sql);
  FUZZ_CHECK(open == 0);
}

// PostgreSQL prepares a statement with as many parameters as the highest $n it refers to
// and infers each one's type from where it is used (libstac/pg/async_pool.cpp prepares
// without types): a parameter bound but never referred to fails the statement ("could not
// determine data type of parameter $2", or a bind message with too many parameters). So
// $1..$n must each appear, and no other. PostgreSQL refuses text that is not UTF-8, and a
// jsonb parameter must be JSON. (A value holding NUL is refused by the pool, a 400:
// AsyncPool::Execute.)
void CheckParameters(std::string_view sql, const std::vector<pg::Param>& params,
                     bool input_utf8) {
  std::vector<bool> referenced(params.size(), false);
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '$') continue;
    size_t end = i + 1;
    size_t number = 0;
    while (end < sql.size() && sql[end] >= '0' && sql[end] <= '9' && number <= params.size()) {
      number = number * 10 + size_t(sql[end] - '0');
      ++end;
    }
    const bool valid = end > i + 1 && sql[i + 1] != '0' && number >= 1 && number <= params.size();
    if (!valid) {
      Explain("sql", sql);
      std::fprintf(stderr, "parameters bound: %zu\n", params.size());
    }
    FUZZ_CHECK(valid);
    referenced[number - 1] = true;
    // (Strings from text that is not UTF-8 cannot be JSON; the server never translates such.)
    if (input_utf8 && sql.substr(end).starts_with("::jsonb") &&
        !sql.substr(end).starts_with("::jsonb[")) {
      const pg::Param& value = params[number - 1];
      const bool json = value.has_value() && search::ParseJsonExactly(*value, "a jsonb").ok();
      if (!json) Explain("jsonb parameter", value.value_or("NULL"));
      FUZZ_CHECK(json);
    }
    i = end - 1;
  }
  for (size_t k = 0; k < params.size(); ++k) {
    if (!referenced[k]) {
      Explain("sql", sql);
      std::fprintf(stderr, "$%zu of %zu is bound (to '%s') but not referred to\n", k + 1,
                   params.size(), params[k].value_or("NULL").c_str());
    }
    FUZZ_CHECK(referenced[k]);
    FUZZ_CHECK(params[k].has_value());
    if (input_utf8) FUZZ_CHECK(WellFormedUtf8(*params[k]));
  }
}

struct Translation {
  absl::Status status;
  std::string sql;
  std::vector<pg::Param> params;
};

// The filter's condition against the fuzz queryables: a 400 or a checked condition.
Translation Translate(const cql2::Node& filter, bool input_utf8) {
  static const search::Queryables queryables = FuzzQueryables();
  search::QueryBuilder builder;
  absl::StatusOr<cql2::Translation> sql = cql2::ToSql(filter, queryables, builder);
  Translation out;
  if (!sql.ok()) {
    out.status = sql.status();
    CheckRefusal(out.status, input_utf8);
    return out;
  }
  out.sql = std::move(sql->sql);
  out.params = builder.TakeParams();
  CheckSqlText(out.sql);
  CheckParameters(out.sql, out.params, input_utf8);
  return out;
}

// The cql2-json of a filter, parsed again: it must be accepted.
cql2::Node Reparse(const std::string& json) {
  absl::StatusOr<cql2::Node> again = cql2::ParseJson(json);
  if (!again.ok()) {
    Explain("cql2-json", json);
    Explain("refused with", ToStd(again.status().message()));
  }
  FUZZ_CHECK(again.ok());
  return std::move(*again);
}

}  // namespace

bool WellFormedUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length;
    unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) low = 0xa0;   // overlong
      if (lead == 0xed) high = 0x9f;  // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) low = 0x90;   // overlong
      if (lead == 0xf4) high = 0x8f;  // beyond U+10FFFF
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < low || second > high) return false;
    for (size_t k = 2; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < 0x80 || next > 0xbf) return false;
    }
    i += length;
  }
  return true;
}

void CheckRefusal(const absl::Status& status, bool input_utf8) {
  const std::string_view message = ToStd(status.message());
  if (!absl::IsInvalidArgument(status) || !message.starts_with("filter") ||
      message.size() > kMaxMessageBytes || (input_utf8 && !WellFormedUtf8(message))) {
    std::fprintf(stderr, "status code %d\n", static_cast<int>(status.code()));
    Explain("message", message);
  }
  FUZZ_CHECK(absl::IsInvalidArgument(status));
  FUZZ_CHECK(message.starts_with("filter"));
  FUZZ_CHECK(message.size() <= kMaxMessageBytes);
  if (input_utf8) FUZZ_CHECK(WellFormedUtf8(message));
}

void CheckFilter(const cql2::Node& filter, bool input_utf8) {
  const std::string json = cql2::ToJson(filter);
  const Translation translation = Translate(filter, input_utf8);
  // Strings from text that is not UTF-8 cannot be JSON; the server never parses such text.
  if (!input_utf8) return;
  if (!WellFormedUtf8(json)) Explain("cql2-json", json);
  FUZZ_CHECK(WellFormedUtf8(json));

  // The canonical form parses again, to the same filter (numbers by value: cql2-text keeps
  // a number's spelling) and the same text.
  const cql2::Node again = Reparse(json);
  const std::string json_again = cql2::ToJson(again);
  if (!(again == filter) || json_again != json) {
    Explain("cql2-json", json);
    Explain("its cql2-json again", json_again);
  }
  FUZZ_CHECK(again == filter);
  FUZZ_CHECK(json_again == json);

  // The same filter read from its cql2-json translates the same way.
  const Translation translation_again = Translate(again, input_utf8);
  if (translation.status.code() != translation_again.status.code() ||
      translation.sql != translation_again.sql) {
    Explain("cql2-json", json);
    Explain("first", translation.status.ok() ? translation.sql
                                             : ToStd(translation.status.message()));
    Explain("again", translation_again.status.ok() ? translation_again.sql
                                                   : ToStd(translation_again.status.message()));
  }
  FUZZ_CHECK(translation.status.code() == translation_again.status.code());
  FUZZ_CHECK(translation.sql == translation_again.sql);
  FUZZ_CHECK(translation.params.size() == translation_again.params.size());
}

}  // namespace stacfed::fuzz
