#include "libstac/ingest/property_profile.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

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

// The text a scalar is listed and hashed by: a string unescaped (hash) or as JSON (listing).
struct Scalar {
  bool ok = false;
  std::string hashed;  // what FacetHash takes
  std::string listed;  // JSON text for the values list
};

Scalar ScalarOf(dom::element value) {
  Scalar s;
  switch (value.type()) {
    case dom::element_type::STRING: {
      std::string_view text = value.get_string().value_unsafe();
      s.hashed.assign(text);
      AppendJsonString(s.listed, text);
      s.ok = true;
      break;
    }
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: {
      double number = 0;
      if (value.get_double().get(number)) break;
      s.hashed = s.listed = FacetNumberText(number);
      s.ok = true;
      break;
    }
    case dom::element_type::BOOL:
      s.hashed = s.listed = value.get_bool().value_unsafe() ? "true" : "false";
      s.ok = true;
      break;
    default:
      break;
  }
  return s;
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

std::string_view TypeName(char code) {
  switch (code) {
    case 's':
      return "string";
    case 'i':
      return "integer";
    case 'n':
      return "number";
    case 'b':
      return "boolean";
    case '0':
      return "null";
    case 'a':
      return "array";
    default:
      return "object";
  }
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

// The values of one property: the scalar itself, or an array's scalar elements.
// Returns false when they are too many or too long to list (and to index).
bool ValuesOf(dom::element value, std::vector<Scalar>& out) {
  auto add = [&](dom::element v) {
    Scalar s = ScalarOf(v);
    if (!s.ok) return true;  // null, object: not a value to list
    if (s.hashed.size() > kMaxFacetValueBytes) return false;
    out.push_back(std::move(s));
    return true;
  };
  if (value.type() != dom::element_type::ARRAY) return add(value);
  dom::array array = value.get_array().value_unsafe();
  if (array.size() > kMaxFacetsPerItem) return false;
  for (dom::element element : array) {
    if (!add(element)) return false;
  }
  return true;
}

}  // namespace

// The profile: per property, [u16 name length][name][type code][u8 many][u16 n] and n values
// as [u16 length][JSON text].
void ProfileProperties(dom::object properties, std::vector<int64_t>& facets, std::string& profile) {
  facets.clear();
  profile.clear();
  bool overflow = false;
  size_t profiled = 0;
  std::vector<Scalar> values;
  for (auto [key, value] : properties) {
    values.clear();
    const bool listable = ValuesOf(value, values);
    if (IsFacetKey(key)) {
      if (!listable) {
        overflow = true;
      } else {
        for (const Scalar& s : values) facets.push_back(FacetHash(key, s.hashed));
      }
    }
    if (key.size() > kMaxProfiledNameBytes || profiled == kMaxProfiledProperties) continue;
    ++profiled;
    AppendU16(profile, key.size());
    profile.append(key);
    profile += TypeCode(value);
    profile += listable ? '\0' : '\1';
    AppendU16(profile, listable ? values.size() : 0);
    if (!listable) continue;
    for (const Scalar& s : values) {
      AppendU16(profile, s.listed.size());
      profile.append(s.listed);
    }
  }
  std::sort(facets.begin(), facets.end());
  facets.erase(std::unique(facets.begin(), facets.end()), facets.end());
  if (facets.size() > kMaxFacetsPerItem) {
    overflow = true;
    facets.clear();
  }
  if (overflow) facets.push_back(FacetOverflowHash());
}

void PropertySummary::Add(std::string_view collection, std::string_view profile) {
  auto found = by_collection_.find(collection);
  if (found == by_collection_.end()) found = by_collection_.emplace(std::string(collection), Properties{}).first;
  Properties& properties = found->second;
  while (!profile.empty()) {
    const std::string_view name = ReadBytes(profile, ReadU16(profile));
    if (profile.size() < 2) break;
    const char type = profile[0];
    const bool many = profile[1] != '\0';
    profile.remove_prefix(2);
    const size_t count = ReadU16(profile);
    auto it = properties.find(name);
    if (it == properties.end()) it = properties.emplace(std::string(name), Property{}).first;
    Property& property = it->second;
    property.types.emplace(TypeName(type));
    property.many = property.many || many;
    for (size_t i = 0; i < count; ++i) {
      const std::string_view listed = ReadBytes(profile, ReadU16(profile));
      if (property.many) continue;
      property.values.emplace(listed);
      if (property.values.size() > kMaxListedValues) {
        property.many = true;
        property.values.clear();
      }
    }
  }
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
  PropertySummary summary;
  for (size_t row : rows) summary.Add(items[row].collection, items[row].property_profile);
  for (const auto& [collection, properties] : summary.collections()) {
    STACFED_ASSIGN_OR_RETURN(auto recorded, ReadRecorded(conn, collection));
    pg::TextArrayBuilder names, types, values;
    size_t changed = 0;
    for (const auto& [name, property] : properties) {
      auto known = recorded.find(name);
      std::set<std::string> new_types = property.types;
      std::set<std::string> new_values = property.values;
      bool many = property.many;
      if (known != recorded.end()) {
        for (const std::string& t : known->second.types) new_types.erase(t);
        if (known->second.many) {
          many = false;  // nothing to add: the row already says "many"
          new_values.clear();
        } else {
          for (const std::string& v : known->second.values) new_values.erase(v);
        }
        if (new_types.empty() && new_values.empty() && !many) continue;
      }
      ++changed;
      names.Add(name);
      types.Add(pg::TextArrayLiteral(std::vector<std::string>(property.types.begin(), property.types.end())));
      if (many) {
        values.AddNull();
      } else {
        values.Add(JsonArrayOf(property.values));
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
