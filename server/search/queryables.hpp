#pragma once
// The properties a filter may name, with their types: the item fields every item has (id,
// collection, datetime, start_datetime, end_datetime, geometry) and the properties the items
// of the searched collections really carry, as the write path records them
// (stacfed.collection_properties, sql/0012: names, JSON types, the values when they are few).
// The filter translation reads types from here; /queryables serves them as JSON Schema.

#include <map>
#include <optional>
#include <set>
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
  // start), "end_datetime"; empty for properties (read from properties->name). A builtin
  // with `array` set is a jsonb array.
  std::string column;
  // For a builtin time that is a range (an item's datetime): the column of the range's end;
  // empty when the value is an instant (the range of `column` alone).
  std::string end_column;
};

class Queryables {
 public:
  // id, collection, datetime, start_datetime, end_datetime, geometry.
  static Queryables Builtin();

  // What a collection filter may name (collection search): id, title, description,
  // license, keywords, datetime (the extent's interval), start_datetime, end_datetime,
  // geometry (the extent), read from a stacfed.collections row aliased c; and, as an open
  // set, any other name: a summary (content->'summaries'), read element by element (each
  // value of a list, the minimum and maximum of a range) through stacfed.summary_rows
  // (sql/0017), so that a condition holds when one of the values holds it.
  static Queryables Collections();

  // Where properties are read: the jsonb object holding them ("properties" for items).
  const std::string& property_object() const { return property_object_; }
  // Whether a property is read per element of its value (collection summaries).
  bool per_element() const { return per_element_; }
  // Whether a name outside the list is a property of mixed type (rather than an error).
  bool open() const { return open_; }
  // For properties read per element: the text[] column of their terms
  // (stacfed.summary_terms, sql/0017), with which a comparison for equality with strings is
  // answered; empty when there is none.
  const std::string& element_terms() const { return element_terms_; }

  // Adds the property rows of stacfed.collection_properties: (name, types text[] as its
  // array literal, values jsonb text or NULL, array_values "t"/"f", collection) for the
  // collections in scope; a property seen in several collections merges.
  void AddPropertyRow(std::string_view name, std::string_view types_literal,
                      std::optional<std::string_view> values_json, bool array_values,
                      std::string_view collection = {});

  // The collections (among those added) whose items can hold facet `name` with one of the
  // string `values`: those that recorded it with many values or with one of these; none
  // when no collection records it. nullopt when that is not known (too many collections
  // and values to keep). The write path records a value before the items holding it are
  // committed, so no collection holding a match is ever left out.
  std::optional<std::vector<std::string>> CollectionsHolding(
      std::string_view name, const std::vector<std::string>& values) const;

  // Whether every collection added (with any property) records facet `name`: false when
  // one does not, or when that is not known (too many values to keep).
  bool EveryCollectionHolds(std::string_view name) const;

  // The queryable `name` ("eo:cloud_cover", also "properties.eo:cloud_cover"); nullptr when
  // unknown.
  const Queryable* Find(std::string_view name) const;

  const std::map<std::string, Queryable, std::less<>>& all() const { return by_name_; }
  // "id, collection, datetime, ..." for error messages (cut after a few dozen).
  std::string NameList() const;

 private:
  std::map<std::string, Queryable, std::less<>> by_name_;
  // Per facet and collection: its values as JSON text, nullopt when many.
  std::map<std::string, std::map<std::string, std::optional<std::vector<std::string>>>,
           std::less<>>
      holders_;
  std::set<std::string, std::less<>> collections_;  // those added, while holders_ is complete
  size_t held_values_ = 0;
  bool holders_complete_ = true;
  std::string property_object_ = "properties";
  bool per_element_ = false;
  bool open_ = false;
  std::string element_terms_;
};

// The most values (over all facets and collections) Queryables keeps per collection.
inline constexpr size_t kMaxHeldValues = 100000;

// The most values a queryable lists as its enum.
inline constexpr size_t kMaxEnumValues = 50;

}  // namespace stacfed::search
