#include "libstac/ingest/property_profile.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <map>
#include <set>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/model/facets.hpp"
#include "libstac/pg/connection.hpp"
#include "libstac/pg/text_array.hpp"
#include "simdjson.h"

namespace stacfed::ingest {
namespace {

namespace dom = simdjson::dom;

// Longer names, and properties beyond this many per item, are not profiled: a queryable
// nobody can type, or an item with thousands of keys, would bloat the table.
constexpr size_t kMaxProfiledNameBytes = 256;
constexpr size_t kMaxProfiledProperties = 256;

// Whether `value` is a scalar whose text goes into digests and lists (string, number,
// boolean), and that text: a string unescaped (its digest) and as JSON (its listing).
bool IsListedScalar(dom::element value) {
  switch (value.type()) {
    case dom::element_type::STRING:
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
    case dom::element_type::BOOL:
      return true;
    default:
      return false;
  }
}

// The text a number or boolean is hashed and listed by (the same for both).
std::string ScalarText(dom::element value) {
  if (value.type() == dom::element_type::BOOL) return value.get_bool().value_unsafe() ? "true" : "false";
  double number = 0;
  if (value.get_double().get(number)) number = 0;  // a number: it always converts
  return FacetNumberText(number);
}

char TypeCode(dom::element value) {
  switch (value.type()) {
    case dom::element_type::STRING:
      return 's';
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return 'i';
    case dom::element_type::DOUBLE:
      return 'n';
    case dom::element_type::BOOL:
      return 'b';
    case dom::element_type::NULL_VALUE:
      return '0';
    case dom::element_type::ARRAY:
      return 'a';
    default:
      return 'o';
  }
}

// Type codes as bits of PropertySummary::Property::types, and their names.
constexpr std::string_view kTypeCodes = "sinb0ao";
constexpr std::array<std::string_view, 7> kTypeNames = {"string", "integer", "number", "boolean",
                                                        "null",   "array",   "object"};
uint8_t TypeBit(char code) {
  const size_t at = kTypeCodes.find(code);
  return at == std::string_view::npos ? 0 : static_cast<uint8_t>(1u << at);
}

void AppendU16(std::string& out, size_t n) {
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
}

size_t ReadU16(std::string_view& in) {
  if (in.size() < 2) {
    in = {};
    return 0;
  }
  const size_t n = static_cast<unsigned char>(in[0]) | (static_cast<unsigned char>(in[1]) << 8);
  in.remove_prefix(2);
  return n;
}

std::string_view ReadBytes(std::string_view& in, size_t n) {
  n = std::min(n, in.size());
  std::string_view out = in.substr(0, n);
  in.remove_prefix(n);
  return out;
}

// Whether the values of a property can be listed (and indexed): a scalar, or an array of at
// most kMaxFacetsPerItem elements, none a string longer than kMaxFacetValueBytes (numbers and
// booleans are short). The count of listed values goes to `count`.
bool Listable(dom::element value, size_t& count) {
  count = 0;
  auto fits = [&](dom::element v) {
    if (!IsListedScalar(v)) return true;  // null, object: not a value to list
    if (v.type() == dom::element_type::STRING &&
        v.get_string().value_unsafe().size() > kMaxFacetValueBytes) {
      return false;
    }
    ++count;
    return true;
  };
  if (value.type() != dom::element_type::ARRAY) return fits(value);
  dom::array array = value.get_array().value_unsafe();
  if (array.size() > kMaxFacetsPerItem) return false;
  for (dom::element element : array) {
    if (!fits(element)) return false;
  }
  return true;
}

// Appends the listed values of `value` (itself or its elements) to the profile, each as
// [u16 length][JSON text], and their digests to `facets` when `key` is a facet.
void AppendValues(std::string_view key, bool facet, dom::element value, std::string& profile,
                  std::vector<int64_t>& facets) {
  auto add = [&](dom::element v) {
    if (!IsListedScalar(v)) return;
    const size_t length_at = profile.size();
    AppendU16(profile, 0);
    if (v.type() == dom::element_type::STRING) {
      const std::string_view text = v.get_string().value_unsafe();
      if (facet) facets.push_back(FacetHash(key, text));
      AppendJsonString(profile, text);
    } else {
      const std::string text = ScalarText(v);
      if (facet) facets.push_back(FacetHash(key, text));
      profile += text;
    }
    const size_t length = profile.size() - length_at - 2;
    profile[length_at] = static_cast<char>(length & 0xff);
    profile[length_at + 1] = static_cast<char>((length >> 8) & 0xff);
  };
  if (value.type() != dom::element_type::ARRAY) {
    add(value);
    return;
  }
  // (A copy: ranging over value_unsafe() of the temporary result would dangle.)
  const dom::array array = value.get_array().value_unsafe();
  for (dom::element element : array) add(element);
}

}  // namespace

// The profile: per property, [u16 name length][name][type code][u8 many][u16 n] and n values
// as [u16 length][JSON text].
void ProfileProperties(dom::object properties, std::vector<int64_t>& facets, std::string& profile) {
  facets.clear();
  profile.clear();
  bool overflow = false;
  size_t profiled = 0;
  for (auto [key, value] : properties) {
    size_t count = 0;
    const bool listable = Listable(value, count);
    const bool facet = IsFacetKey(key);
    if (facet && !listable) overflow = true;
    if (key.size() > kMaxProfiledNameBytes || profiled == kMaxProfiledProperties) {
      if (facet && listable) {
        std::string ignored;
        AppendValues(key, true, value, ignored, facets);
      }
      continue;
    }
    ++profiled;
    AppendU16(profile, key.size());
    profile.append(key);
    profile += TypeCode(value);
    profile += listable ? '\0' : '\1';
    AppendU16(profile, listable ? count : 0);
    if (listable) AppendValues(key, facet, value, profile, facets);
  }
  std::sort(facets.begin(), facets.end());
  facets.erase(std::unique(facets.begin(), facets.end()), facets.end());
  if (facets.size() > kMaxFacetsPerItem) {
    overflow = true;
    facets.clear();
  }
  if (overflow) facets.push_back(FacetOverflowHash());
}

std::vector<std::string> PropertySummary::Property::TypeNames() const {
  std::vector<std::string> names;
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (types & (1u << i)) names.emplace_back(kTypeNames[i]);
  }
  return names;
}

void PropertySummary::Add(std::string_view collection, std::string_view profile) {
  Properties& properties = by_collection_[ToAbsl(collection)];
  while (!profile.empty()) {
    const std::string_view name = ReadBytes(profile, ReadU16(profile));
    if (profile.size() < 2) break;
    const char type = profile[0];
    const bool many = profile[1] != '\0';
    profile.remove_prefix(2);
    const size_t count = ReadU16(profile);
    Property& property = properties[ToAbsl(name)];
    property.types |= TypeBit(type);
    property.many = property.many || many;
    for (size_t i = 0; i < count; ++i) {
      const std::string_view listed = ReadBytes(profile, ReadU16(profile));
      if (property.many) continue;
      if (!property.values.contains(ToAbsl(listed))) property.values.emplace(listed);
      if (property.values.size() > kMaxListedValues) {
        property.many = true;
        property.values.clear();
      }
    }
  }
}

void PropertySummary::MarkMany(std::string_view collection, std::string_view name) {
  by_collection_[ToAbsl(collection)][ToAbsl(name)].many = true;
}

namespace {

// What is recorded of one collection's properties.
struct Recorded {
  std::set<std::string> types;
  std::set<std::string> values;
  bool many = false;
};

constexpr std::string_view kRecordedProperties =
    "SELECT name, to_json(types)::text, \"values\" IS NULL,"
    " coalesce((SELECT json_agg(v::text) FROM jsonb_array_elements(\"values\") v), '[]')::text"
    " FROM stacfed.collection_properties WHERE collection_id = $1";

// The strings of a JSON array of strings (as PostgreSQL wrote it).
std::vector<std::string> StringsOf(std::string_view json_array) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(boost::json::string_view(json_array.data(), json_array.size()), ec);
  if (ec || !parsed.is_array()) return out;
  for (const boost::json::value& v : parsed.get_array()) {
    if (v.is_string()) out.emplace_back(v.get_string().data(), v.get_string().size());
  }
  return out;
}

// New rows and additions merged in SQL: types and values are unions; values become NULL
// (many) when either side has many or the union exceeds the listing limit. ORDER BY name:
// concurrent writers lock a collection's rows in one order.
constexpr std::string_view kMergeProperties =
    "INSERT INTO stacfed.collection_properties AS p (collection_id, name, types, \"values\")"
    " SELECT $1, n.name, n.types::text[], n.vals::jsonb"
    " FROM unnest($2::text[], $3::text[], $4::text[]) AS n(name, types, vals) ORDER BY n.name"
    " ON CONFLICT (collection_id, name) DO UPDATE SET"
    " types = ARRAY(SELECT DISTINCT t FROM unnest(p.types || EXCLUDED.types) t ORDER BY t),"
    " \"values\" = (SELECT CASE WHEN p.\"values\" IS NULL OR EXCLUDED.\"values\" IS NULL"
    "   OR count(*) > $5::int THEN NULL ELSE jsonb_agg(v ORDER BY v) END"
    "   FROM (SELECT jsonb_array_elements(p.\"values\") UNION"
    "         SELECT jsonb_array_elements(EXCLUDED.\"values\")) AS u(v))";

absl::StatusOr<std::map<std::string, Recorded, std::less<>>> ReadRecorded(pg::Connection& conn,
                                                                        std::string_view collection) {
  STACFED_ASSIGN_OR_RETURN(auto rows, conn.Query(kRecordedProperties, {std::string(collection)}));
  std::map<std::string, Recorded, std::less<>> recorded;
  for (int r = 0; r < rows.Rows(); ++r) {
    Recorded& entry = recorded[std::string(rows.Get(r, 0))];
    for (std::string& t : StringsOf(rows.Get(r, 1))) entry.types.insert(std::move(t));
    entry.many = rows.Get(r, 2) == "t";
    for (std::string& v : StringsOf(rows.Get(r, 3))) entry.values.insert(std::move(v));
  }
  return recorded;
}

std::string JsonArrayOf(const std::set<std::string>& values) {
  std::string out = "[";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += v;
  }
  return out + "]";
}

}  // namespace

absl::Status MergePropertyProfiles(pg::Connection& conn, std::span<const StagedItem> items,
                                   std::span<const size_t> rows) {
  // The collections of the batch, in order, with what is recorded of each: properties the
  // table already lists as "many" are not gathered value by value again.
  std::vector<std::string_view> collections;
  for (size_t row : rows) {
    const std::string_view c = items[row].collection;
    if (std::find(collections.begin(), collections.end(), c) == collections.end()) collections.push_back(c);
  }
  std::map<std::string, std::map<std::string, Recorded, std::less<>>, std::less<>> recorded_by;
  PropertySummary summary;
  for (std::string_view collection : collections) {
    STACFED_ASSIGN_OR_RETURN(auto recorded, ReadRecorded(conn, collection));
    for (const auto& [name, entry] : recorded) {
      if (entry.many) summary.MarkMany(collection, name);
    }
    recorded_by.emplace(std::string(collection), std::move(recorded));
  }
  for (size_t row : rows) summary.Add(items[row].collection, items[row].property_profile);
  for (const auto& [collection, properties] : summary.collections()) {
    const auto& recorded = recorded_by.find(collection)->second;
    pg::TextArrayBuilder names, types, values;
    size_t changed = 0;
    for (const auto& [name, property] : properties) {
      const std::vector<std::string> type_names = property.TypeNames();
      if (type_names.empty()) continue;  // marked "many" from the table, not in this batch
      auto known = recorded.find(name);
      bool news = known == recorded.end();
      if (!news) {
        for (const std::string& t : type_names) news = news || !known->second.types.contains(t);
        if (!known->second.many) {
          news = news || property.many;
          for (const std::string& v : property.values) {
            news = news || !known->second.values.contains(v);
          }
        }
      }
      if (!news) continue;
      ++changed;
      names.Add(name);
      types.Add(pg::TextArrayLiteral(type_names));
      if (property.many) {
        values.AddNull();
      } else {
        std::set<std::string> sorted(property.values.begin(), property.values.end());
        values.Add(JsonArrayOf(sorted));
      }
    }
    if (changed == 0) continue;
    STACFED_RETURN_IF_ERROR(conn.Query(kMergeProperties,
                                       {collection, std::move(names).Finish(),
                                        std::move(types).Finish(), std::move(values).Finish(),
                                        std::to_string(kMaxListedValues)})
                                .status());
  }
  return absl::OkStatus();
}

}  // namespace stacfed::ingest
