#include "server/search/sort.hpp"

#include <algorithm>
#include <charconv>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/model/datetime.hpp"
#include "server/search/query.hpp"
#include "server/search/queryables.hpp"

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
    case SortType::kBool:
      return "::bool";
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

// A timestamp expression as the token keeps it: microseconds since the epoch.
std::string Micros(std::string_view timestamp) {
  return StrCat("(extract(epoch FROM ", timestamp, ") * 1000000)::int8");
}

// The key of an item field (a column), or nullopt when `name` is a property.
std::optional<SortKey> FieldKey(std::string_view name, bool descending, size_t index) {
  if (name == "id" || name == "collection") {
    return SortKey{std::string(name), SortType::kText, descending, std::string(name), ""};
  }
  // An item's datetime is the start of its range (sql/0001).
  if (name == "datetime" || name == "start_datetime") {
    return SortKey{"datetime", SortType::kTimestamp, descending, "t", ""};
  }
  if (name == "end_datetime") {
    return SortKey{"end_datetime", SortType::kTimestamp, descending, StrCat("s", index),
                   Micros("end_datetime")};
  }
  return std::nullopt;
}

// The two keys of a property: whether the item lacks it (or holds a value of another type),
// which sorts those items last, then its value, with a placeholder of its type where it is
// missing so that no key is ever NULL (a token could not compare against NULL).
void AppendPropertyKeys(std::vector<SortKey>& keys, const Queryable& property, bool descending,
                        QueryBuilder& builder) {
  const std::string name = StrCat(builder.Bind(property.name), "::text");
  std::string value;
  std::string_view missing = "''";
  SortType type = SortType::kText;
  switch (property.type) {
    case ValueType::kNumber:
    case ValueType::kInteger:
      value = StrCat("stacfed.jsonb_number(properties->", name, ")");
      missing = "0";
      type = SortType::kNumber;
      break;
    case ValueType::kBoolean:
      value = StrCat("stacfed.jsonb_boolean(properties->", name, ")");
      missing = "false";
      type = SortType::kBool;
      break;
    case ValueType::kTimestamp:
      value = StrCat("stacfed.jsonb_timestamptz(properties->", name, ")");
      missing = "'epoch'::timestamptz";
      type = SortType::kTimestamp;
      break;
    default:
      value = StrCat("(properties->>", name, ")");
  }
  const std::string absent = StrCat("(", value, " IS NULL)");
  keys.push_back({absent, SortType::kBool, false, StrCat("s", keys.size()), absent});
  const std::string present = StrCat("coalesce(", value, ", ", missing, ")");
  keys.push_back({present, type, descending, StrCat("s", keys.size()),
                  type == SortType::kTimestamp ? Micros(present) : present});
}

}  // namespace

bool IsIndexedOrder(const std::vector<SortField>& sortby) {
  return sortby.empty() || sortby.front().field == "datetime" ||
         sortby.front().field == "start_datetime";
}

bool IsSortable(const Queryable& queryable) {
  return !queryable.array && queryable.type != ValueType::kGeometry &&
         queryable.type != ValueType::kAny;
}

absl::StatusOr<SortSpec> SortSpecFor(const std::vector<SortField>& sortby,
                                     const Queryables& queryables, QueryBuilder& builder) {
  if (sortby.empty()) return SortSpec::Default();
  if (sortby.size() > kMaxSortFields) {
    return absl::InvalidArgumentError(
        StrCat("invalid 'sortby': at most ", kMaxSortFields, " fields may be given"));
  }
  std::vector<SortKey> keys;
  std::vector<std::string_view> named;
  for (const SortField& field : sortby) {
    const Queryable* queryable = queryables.Find(field.field);
    if (queryable == nullptr || !IsSortable(*queryable)) {
      return absl::InvalidArgumentError(
          StrCat("invalid 'sortby': '", Excerpt(field.field, 100),
                 "' is not sortable; see /sortables for the fields that are"));
    }
    const std::string_view name = queryable->name;
    if (std::find(named.begin(), named.end(), name) != named.end() ||
        (name == "start_datetime" &&
         std::find(named.begin(), named.end(), "datetime") != named.end()) ||
        (name == "datetime" &&
         std::find(named.begin(), named.end(), "start_datetime") != named.end())) {
      return absl::InvalidArgumentError(
          StrCat("invalid 'sortby': '", name, "' is named twice"));
    }
    named.push_back(name);
    if (std::optional<SortKey> key = FieldKey(name, field.descending, keys.size())) {
      keys.push_back(*std::move(key));
    } else {
      AppendPropertyKeys(keys, *queryable, field.descending, builder);
    }
  }
  const bool ties_descending = !sortby.front().descending;
  for (std::string_view tie : {"collection", "id"}) {
    if (std::find(named.begin(), named.end(), tie) == named.end()) {
      keys.push_back(*FieldKey(tie, ties_descending, keys.size()));
    }
  }
  return SortSpec(std::move(keys));
}

SortSpec SortSpec::Default() {
  return SortSpec({
      SortKey{"datetime", SortType::kTimestamp, true, "t", ""},
      SortKey{"collection", SortType::kText, false, "collection", ""},
      SortKey{"id", SortType::kText, false, "id", ""},
  });
}

std::string SortSpec::OrderBy(bool reversed) const { return OrderByOf(keys_, reversed, false); }

std::string SortSpec::OrderByColumns(bool reversed) const {
  return OrderByOf(keys_, reversed, true);
}

absl::StatusOr<std::string> SortSpec::Keyset(const PageToken& token,
                                             QueryBuilder& builder) const {
  STACFED_ASSIGN_OR_RETURN(KeysetRanges ranges, KeysetRangesOf(token, builder));
  return std::move(ranges.after);
}

absl::StatusOr<KeysetRanges> SortSpec::KeysetRangesOf(const PageToken& token,
                                                      QueryBuilder& builder) const {
  if (token.keys.size() != keys_.size() || keys_.empty()) return BadToken();
  const bool backwards = token.direction == PageToken::Direction::kPrev;
  std::vector<std::string> values;
  std::vector<std::string_view> ops;
  // Past the tie group (PageToken::past_ties), the rows after the token's are those beyond its
  // datetime: one range, and the other keys are not bound (an unused parameter has no type).
  const size_t bound = token.past_ties && WalksOrderIndex() ? 1 : keys_.size();
  for (size_t i = 0; i < bound; ++i) {
    auto value = KeyValue(keys_[i], token.keys[i]);
    if (!value.ok()) return value.status();
    values.push_back(StrCat(builder.Bind(std::move(*value)), Cast(keys_[i].type)));
    // Forwards, "after" follows the key's own direction; backwards, the opposite.
    ops.push_back(keys_[i].descending != backwards ? "<" : ">");
  }
  const SortKey& lead = keys_[0];
  KeysetRanges ranges;
  if (bound == 1) {
    ranges.after = StrCat(" AND ", lead.sql, " ", ops[0], " ", values[0]);
    return ranges;
  }
  const std::string rest = After(keys_, values, ops, 1);
  // The redundant outer bound lets the planner start the index scan at the token's row.
  ranges.after = StrCat(" AND ", lead.sql, " ", ops[0], "= ", values[0], " AND (", lead.sql, " ",
                        ops[0], " ", values[0], " OR ", rest, ")");
  if (WalksOrderIndex()) {
    // datetime is never NULL (sql/0001). The bound on collection alone, redundant too, lets
    // the executor skip the partitions the tied range cannot reach.
    ranges.tied = StrCat(" AND ", lead.sql, " = ", values[0], " AND ", rest);
    if (keys_[1].sql == "collection") {
      StrAppend(&ranges.tied, " AND collection ", ops[1], "= ", values[1]);
    }
    ranges.beyond = StrCat(" AND ", lead.sql, " ", ops[0], " ", values[0]);
  }
  return ranges;
}

}  // namespace stacfed::search
