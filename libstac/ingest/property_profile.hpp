#pragma once
// What the write path records about an item's properties for the search layer (sql/0012):
//
// * the digests of its facet values (libstac/model/facets.hpp), stored in items.facets and
//   indexed with GIN, so that a filter on a facet finds its items through the index;
// * a profile of its top-level properties (name, JSON type, the value when it is short),
//   which a batch merges into stacfed.collection_properties: the queryables of the
//   collection (names, types and, while they are few, the values) that /queryables serves
//   and the filter translation reads. The table only grows: a property of deleted items
//   stays listed (a filter on it then finds nothing, which is right).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace simdjson::dom {
class object;
}

namespace stacfed::pg {
class Connection;
}

namespace stacfed::ingest {

struct StagedItem;

// The digests (sorted, without duplicates) and the profile of `properties`; the profile is
// an opaque compact encoding read by PropertySummary::Add.
void ProfileProperties(simdjson::dom::object properties, std::vector<int64_t>& facets,
                       std::string& profile);

// The most distinct values a property's row lists; beyond, its values are NULL ("many").
inline constexpr size_t kMaxListedValues = 100;

// The profiles of a batch of items, per collection and property.
class PropertySummary {
 public:
  struct Property {
    uint8_t types = 0;  // bits of "string", "integer", "number", "boolean", "null", "array", "object"
    absl::flat_hash_set<std::string> values;  // JSON text of scalar values (array elements for arrays)
    bool many = false;  // more than kMaxListedValues values, or one too long to list
    std::vector<std::string> TypeNames() const;
  };
  using Properties = absl::flat_hash_map<std::string, Property>;

  void Add(std::string_view collection, std::string_view profile);
  // Values of `name` are not gathered (the table already says there are many).
  void MarkMany(std::string_view collection, std::string_view name);
  const absl::flat_hash_map<std::string, Properties>& collections() const { return by_collection_; }

 private:
  absl::flat_hash_map<std::string, Properties> by_collection_;
};

// Merges the profiles of `rows` of `items` into stacfed.collection_properties. It first reads
// what is recorded and writes only what is new (after a collection's first batches, nothing:
// no row lock, no WAL), in one statement per collection that locks its rows in name order
// and merges in SQL, so concurrent writers neither lose each other's values nor deadlock.
absl::Status MergePropertyProfiles(pg::Connection& conn, std::span<const StagedItem> items,
                                   std::span<const size_t> rows);

}  // namespace stacfed::ingest
