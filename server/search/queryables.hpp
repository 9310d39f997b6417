#pragma once
// The properties a filter may name, with their types: the item fields every item has (id,
// collection, datetime, start_datetime, end_datetime, geometry) and the properties the items
// of the searched collections really carry, as the write path records them
// (stacfed.collection_properties, sql/0012: names, JSON types, the values when they are few).
// The filter translation reads types from here; /queryables serves them as JSON Schema.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libstac/pg/connection.hpp"

namespace stacfed::search {

enum class ValueType { kString, kNumber, kInteger, kBoolean, kTimestamp, kGeometry, kAny };

std::string_view ValueTypeName(ValueType type);  // "string", "number", ... for messages

struct Queryable {
  std::string name;  // as clients write it, without "properties."
  ValueType type = ValueType::kAny;
  bool array = false;   // its values are arrays of `type`
  bool facet = false;   // items.facets holds the digests of its values (libstac/model/facets)
  // The values seen, as JSON text ("\"tas\"", "10", "true"), when they are few; empty when
  // there are many or none are known.
  std::vector<std::string> values;
  std::string description;
  // Where a builtin lives: "id", "collection", "geometry", "datetime" (the item's range
  // start), "end_datetime"; empty for properties (read from properties->name).
  std::string column;
};

class Queryables {
 public:
  // id, collection, datetime, start_datetime, end_datetime, geometry.
  static Queryables Builtin();

  // Adds the property rows of stacfed.collection_properties: (name, types text[] as its
  // array literal, values jsonb text or NULL, array_values "t"/"f") for the collections
  // in scope; a property seen in several collections merges.
  void AddPropertyRow(std::string_view name, std::string_view types_literal,
                      std::optional<std::string_view> values_json, bool array_values);

  // The queryable `name` ("eo:cloud_cover", also "properties.eo:cloud_cover"); nullptr when
  // unknown.
  const Queryable* Find(std::string_view name) const;

  const std::map<std::string, Queryable, std::less<>>& all() const { return by_name_; }
  // "id, collection, datetime, ..." for error messages (cut after a few dozen).
  std::string NameList() const;

 private:
  std::map<std::string, Queryable, std::less<>> by_name_;
};

// The most values a queryable lists as its enum.
inline constexpr size_t kMaxEnumValues = 50;

}  // namespace stacfed::search
