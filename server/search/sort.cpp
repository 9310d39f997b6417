#include "server/search/sort.hpp"

#include <charconv>

#include "libstac/base/strings.hpp"
#include "libstac/model/datetime.hpp"
#include "server/search/query.hpp"

namespace stacfed::search {
namespace {

// " DESC", " ASC" or nothing, for a key walked forwards or backwards.
std::string_view Direction(const SortKey& key, bool reversed) {
  if (key.descending != reversed) return " DESC";
  return key.descending ? " ASC" : "";
}

std::string OrderByOf(const std::vector<SortKey>& keys, bool reversed, bool columns) {
  std::string out = " ORDER BY ";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += ", ";
    StrAppend(&out, columns ? keys[i].column : keys[i].sql, Direction(keys[i], reversed));
  }
  return out;
}

std::string_view Cast(SortType type) {
  switch (type) {
    case SortType::kTimestamp:
      return "::timestamptz";
    case SortType::kNumber:
      return "::float8";
    case SortType::kText:
      return "::text";
  }
  return "";
}

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "invalid token: use the token of a next or prev link exactly as the server gave it");
}

// The value of a token key as a bind parameter of its type.
absl::StatusOr<std::string> KeyValue(const SortKey& key, const std::optional<std::string>& value) {
  if (!value) return BadToken();
  if (key.type != SortType::kTimestamp) return *value;
  int64_t micros = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), micros);
  if (ec != std::errc() || end != value->data() + value->size() || !IsParsedRange(micros)) {
    return BadToken();
  }
  return FormatPgTimestamp(micros);
}

// The condition "strictly after the boundary" over keys[from..], given their placeholders:
// a row comparison where the keys run the same way, else one key at a time.
std::string After(const std::vector<SortKey>& keys, const std::vector<std::string>& values,
                  const std::vector<std::string_view>& ops, size_t from) {
  bool same_way = true;
  for (size_t i = from + 1; i < keys.size(); ++i) same_way = same_way && ops[i] == ops[from];
  if (same_way) {
    if (from + 1 == keys.size()) return StrCat(keys[from].sql, " ", ops[from], " ", values[from]);
    std::string left = "(", right = "(";
    for (size_t i = from; i < keys.size(); ++i) {
      StrAppend(&left, i > from ? ", " : "", keys[i].sql);
      StrAppend(&right, i > from ? ", " : "", values[i]);
    }
    return StrCat(left, ") ", ops[from], " ", right, ")");
  }
  return StrCat("(", keys[from].sql, " ", ops[from], " ", values[from], " OR (", keys[from].sql,
                " = ", values[from], " AND ", After(keys, values, ops, from + 1), "))");
}

}  // namespace

SortSpec SortSpec::Default() {
  return SortSpec({
      SortKey{"datetime", SortType::kTimestamp, true, "t"},
      SortKey{"collection", SortType::kText, false, "collection"},
      SortKey{"id", SortType::kText, false, "id"},
  });
}

std::string SortSpec::OrderBy(bool reversed) const { return OrderByOf(keys_, reversed, false); }

std::string SortSpec::OrderByColumns(bool reversed) const {
  return OrderByOf(keys_, reversed, true);
}

absl::StatusOr<std::string> SortSpec::Keyset(const PageToken& token,
                                             QueryBuilder& builder) const {
  if (token.keys.size() != keys_.size() || keys_.empty()) return BadToken();
  const bool backwards = token.direction == PageToken::Direction::kPrev;
  std::vector<std::string> values;
  std::vector<std::string_view> ops;
  for (size_t i = 0; i < keys_.size(); ++i) {
    auto value = KeyValue(keys_[i], token.keys[i]);
    if (!value.ok()) return value.status();
    values.push_back(StrCat(builder.Bind(std::move(*value)), Cast(keys_[i].type)));
    // Forwards, "after" follows the key's own direction; backwards, the opposite.
    ops.push_back(keys_[i].descending != backwards ? "<" : ">");
  }
  const SortKey& lead = keys_[0];
  if (keys_.size() == 1) return StrCat(" AND ", lead.sql, " ", ops[0], " ", values[0]);
  // The redundant outer bound lets the planner start the index scan at the token's row.
  return StrCat(" AND ", lead.sql, " ", ops[0], "= ", values[0], " AND (", lead.sql, " ", ops[0],
                " ", values[0], " OR ", After(keys_, values, ops, 1), ")");
}

}  // namespace stacfed::search
