#pragma once
// A search as an intake-esm catalog (ESM collection spec 0.1.0, github.com/NCAR/esm-
// collection-spec, in the shape DKRZ publishes its catalogs in): the collection JSON and the
// CSV it names in `catalog_file`, one row per data asset of every matched item.
//
// Columns, in this order:
//   id, collection          the item
//   <facets>                every facet property (libstac/model/facets.hpp) the searched
//                           collections' items carry (their queryables), named as DKRZ names
//                           its columns: without the prefix ("cmip6:variable_id" ->
//                           "variable_id") unless two facets, or a facet and a column of
//                           this list, would then share a name (then the full name). DKRZ's
//                           CMIP6 columns come first in DKRZ's order (project, activity_id,
//                           institution_id, source_id, experiment_id, member_id, table_id,
//                           variable_id, grid_label), the others sorted by name.
//   version                 properties.version
//   time_range              start_datetime/end_datetime as an ISO 8601 interval, else the
//                           datetime ("" when neither)
//   uri                     the chosen copy's href (copy.hpp, ChooseCopy)
//   format, engine, site    of the chosen copy (copy.hpp)
// Values: strings as they are, numbers and booleans as JSON writes them, a one-element array
// as its element, a longer one as a Python list literal (['a', 'b']: what intake-esm reads
// for columns named in `columns_with_iterables`), anything else empty. Quoted as RFC 4180
// says (CRLF line ends; a field with a comma, quote or line break in double quotes, quotes
// doubled).

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/search/queryables.hpp"
#include "simdjson.h"

namespace stacfed::exports {

struct FacetColumn {
  std::string name;      // the CSV column
  std::string property;  // the item property it is read from
  // Every collection searched records it (Queryables::EveryCollectionHolds): only such a
  // column may identify datasets (groupby_attrs), intake-esm refusing a group column with
  // some cells empty.
  bool in_every_collection = false;
};

struct Columns {
  std::vector<FacetColumn> facets;
  // Every column name, in CSV order.
  std::vector<std::string> Names() const;
};

// The columns of the items `queryables` describe.
Columns ColumnsFor(const search::Queryables& queryables);

// Appends `field` to a CSV line, quoted when it must be.
void AppendCsvField(std::string& out, std::string_view field);

// Writes the CSV of a search's items, one item at a time; holds a parser reused across them.
class CsvWriter {
 public:
  CsvWriter(Columns columns, std::string client_site);

  void AppendHeader(std::string& out) const;
  // One row per data asset of the item (collection, id and its stored JSON content); the
  // number of rows written. InvalidArgument when the content is not a JSON object.
  absl::StatusOr<int> AppendItem(std::string& out, std::string_view collection,
                                 std::string_view id, std::string_view content);

 private:
  void AppendRow(std::string& out, std::string_view collection, std::string_view id,
                 const simdjson::dom::object* properties, simdjson::dom::object asset);

  Columns columns_;
  std::string client_site_;
  std::string ranked_;  // the item ranked for client_site_, reused from item to item
  simdjson::dom::parser parser_;
  std::string cell_;  // reused
};

// The ESM collection JSON. `catalog_file`: the absolute URL of the CSV.
struct EsmCollectionInfo {
  std::string id;
  std::string title;
  std::string description;
  std::string catalog_file;
};
std::string RenderEsmCollection(const Columns& columns, const EsmCollectionInfo& info);

}  // namespace stacfed::exports
