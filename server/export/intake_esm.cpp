#include "server/export/intake_esm.hpp"

#include "server/search/client_site.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>

#include "libstac/base/strings.hpp"
#include "server/export/copy.hpp"

namespace stacfed::exports {
namespace {

namespace json = boost::json;

// The columns of every export, before and after the facets.
constexpr std::array<std::string_view, 2> kLeadingColumns = {"id", "collection"};
constexpr std::array<std::string_view, 6> kTrailingColumns = {"version", "time_range", "uri",
                                                              "format",  "engine",     "site"};
// DKRZ's CMIP6 catalog columns, in its order: they come first.
constexpr std::array<std::string_view, 9> kDkrzOrder = {
    "project",  "activity_id", "institution_id", "source_id", "experiment_id",
    "member_id", "table_id",   "variable_id",    "grid_label"};
// What identifies a dataset (DKRZ's groupby_attrs), when present.
constexpr std::array<std::string_view, 8> kDatasetColumns = {
    "project",  "activity_id", "institution_id", "source_id",
    "experiment_id", "member_id", "table_id",   "grid_label"};

bool IsReserved(std::string_view name) {
  return std::find(kLeadingColumns.begin(), kLeadingColumns.end(), name) != kLeadingColumns.end() ||
         std::find(kTrailingColumns.begin(), kTrailingColumns.end(), name) != kTrailingColumns.end();
}

std::string_view ShortName(std::string_view property) {
  const size_t colon = property.rfind(':');
  return colon == std::string_view::npos ? property : property.substr(colon + 1);
}

size_t DkrzRank(std::string_view column) {
  return static_cast<size_t>(std::find(kDkrzOrder.begin(), kDkrzOrder.end(), column) -
                             kDkrzOrder.begin());
}

bool NeedsQuotes(std::string_view field) {
  return field.find_first_of(",\"\r\n") != std::string_view::npos;
}

// A scalar JSON value as a cell: strings as they are, numbers and booleans as JSON text.
bool AppendScalar(std::string& out, simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      out += std::string_view(value.get_string().value_unsafe());
      return true;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
    case simdjson::dom::element_type::BOOL:
      out += simdjson::minify(value);
      return true;
    default:
      return false;
  }
}

// A Python string literal of `text` ('...', backslash and quote escaped).
void AppendPythonString(std::string& out, std::string_view text) {
  out += '\'';
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
}

void AppendCell(std::string& out, simdjson::dom::element value) {
  if (AppendScalar(out, value)) return;
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) return;
  if (array.size() == 1) {
    AppendScalar(out, array.at(0).value_unsafe());
    return;
  }
  out += '[';
  bool first = true;
  for (simdjson::dom::element element : array) {
    if (!first) out += ", ";
    first = false;
    std::string_view text;
    if (element.get_string().get(text) == simdjson::SUCCESS) {
      AppendPythonString(out, text);
    } else {
      AppendScalar(out, element);
    }
  }
  out += ']';
}

std::string_view StringProperty(simdjson::dom::object properties, std::string_view key) {
  std::string_view value;
  if (properties[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return value;
}

// How intake-esm combines rows into datasets. Always written: intake-esm before 2023.4.20
// requires it, and without it later versions group by every column, failing when one has
// some cells empty (a search over collections with different facets).
// * A variable column and dataset columns that every searched collection records: DKRZ's
//   CMIP6 catalogs' rule, the variables' union joined along time per dataset. Each
//   aggregation names its kind twice: `agg_type` as the spec's schema requires, `type` as
//   intake-esm (and DKRZ's catalogs) read it.
// * Otherwise one dataset per row (collection, id and uri, never empty), nothing combined;
//   the variable column is the variable's, else `id` (intake-esm needs one that exists).
json::object AggregationControl(const Columns& columns) {
  std::set<std::string, std::less<>> names, everywhere;
  for (const FacetColumn& facet : columns.facets) {
    names.insert(facet.name);
    if (facet.in_every_collection) everywhere.insert(facet.name);
  }
  std::string variable;
  for (std::string_view candidate : {"variable_id", "variable"}) {
    if (names.contains(candidate)) {
      variable = std::string(candidate);
      break;
    }
  }
  json::array groupby;
  for (std::string_view name : kDatasetColumns) {
    if (everywhere.contains(name)) groupby.emplace_back(name);
  }
  json::object control;
  json::array aggregations;
  if (!variable.empty() && everywhere.contains(variable) && !groupby.empty()) {
    control["variable_column_name"] = variable;
    control["groupby_attrs"] = std::move(groupby);
    json::object by_variable;
    by_variable["type"] = "union";
    by_variable["agg_type"] = "union";
    by_variable["attribute_name"] = variable;
    aggregations.push_back(std::move(by_variable));
    json::object by_time;
    by_time["type"] = "join_existing";
    by_time["agg_type"] = "join_existing";
    by_time["attribute_name"] = "time_range";
    by_time["options"] = json::object{{"dim", "time"}, {"coords", "minimal"}, {"compat", "override"}};
    aggregations.push_back(std::move(by_time));
  } else {
    control["variable_column_name"] = variable.empty() ? std::string("id") : variable;
    control["groupby_attrs"] = json::array{"collection", "id", "uri"};
  }
  control["aggregations"] = std::move(aggregations);
  return control;
}

}  // namespace

std::vector<std::string> Columns::Names() const {
  std::vector<std::string> names(kLeadingColumns.begin(), kLeadingColumns.end());
  for (const FacetColumn& facet : facets) names.push_back(facet.name);
  names.insert(names.end(), kTrailingColumns.begin(), kTrailingColumns.end());
  return names;
}

Columns ColumnsFor(const search::Queryables& queryables) {
  std::vector<std::string_view> properties;
  std::map<std::string_view, int> short_names;
  for (const auto& [name, queryable] : queryables.all()) {
    if (!queryable.column.empty() || !queryable.facet || name == "version") continue;
    properties.push_back(name);
    ++short_names[ShortName(name)];
  }
  Columns columns;
  for (std::string_view property : properties) {
    const std::string_view short_name = ShortName(property);
    const bool unique = short_names[short_name] == 1 && !IsReserved(short_name);
    columns.facets.push_back({std::string(unique ? short_name : property), std::string(property),
                              queryables.EveryCollectionHolds(property)});
  }
  std::stable_sort(columns.facets.begin(), columns.facets.end(),
                   [](const FacetColumn& a, const FacetColumn& b) {
                     const size_t rank_a = DkrzRank(a.name), rank_b = DkrzRank(b.name);
                     if (rank_a != rank_b) return rank_a < rank_b;
                     return a.name < b.name;
                   });
  return columns;
}

void AppendCsvField(std::string& out, std::string_view field) {
  if (!NeedsQuotes(field)) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

CsvWriter::CsvWriter(Columns columns, std::string client_site)
    : columns_(std::move(columns)), client_site_(std::move(client_site)) {}

void CsvWriter::AppendHeader(std::string& out) const {
  bool first = true;
  for (const std::string& name : columns_.Names()) {
    if (!first) out += ',';
    first = false;
    AppendCsvField(out, name);
  }
  out += "\r\n";
}

absl::StatusOr<int> CsvWriter::AppendItem(std::string& out, std::string_view collection,
                                          std::string_view id, std::string_view content) {
  // For a client's site, the item as the search layer ranks it (docs/client-site.md): the
  // best copy the client can read is each asset's href, copies internal to another site are
  // gone, and so is an asset without a copy the client may see.
  if (!client_site_.empty()) {
    ranked_ = search::RankCopies(content, client_site_);
    content = ranked_;
  }
  simdjson::dom::object item;
  if (parser_.parse(content.data(), content.size()).get_object().get(item) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(StrCat("item '", id, "' is not a JSON object"));
  }
  simdjson::dom::object properties_object;
  const simdjson::dom::object* properties = nullptr;
  if (item["properties"].get_object().get(properties_object) == simdjson::SUCCESS) {
    properties = &properties_object;
  }
  simdjson::dom::object assets;
  if (item["assets"].get_object().get(assets) != simdjson::SUCCESS) return 0;
  bool any_data_role = false;
  for (auto [key, value] : assets) {
    simdjson::dom::object asset;
    if (value.get_object().get(asset) == simdjson::SUCCESS && HasDataRole(asset)) {
      any_data_role = true;
      break;
    }
  }
  int rows = 0;
  for (auto [key, value] : assets) {
    simdjson::dom::object asset;
    if (value.get_object().get(asset) != simdjson::SUCCESS) continue;
    if (any_data_role ? !HasDataRole(asset) : IsAncillary(asset)) continue;
    AppendRow(out, collection, id, properties, asset);
    ++rows;
  }
  return rows;
}

void CsvWriter::AppendRow(std::string& out, std::string_view collection, std::string_view id,
                          const simdjson::dom::object* properties,
                          simdjson::dom::object asset) {
  AppendCsvField(out, id);
  out += ',';
  AppendCsvField(out, collection);
  for (const FacetColumn& facet : columns_.facets) {
    out += ',';
    simdjson::dom::element value;
    if (properties == nullptr ||
        (*properties)[facet.property].get(value) != simdjson::SUCCESS) {
      continue;
    }
    cell_.clear();
    AppendCell(cell_, value);
    AppendCsvField(out, cell_);
  }
  out += ',';
  simdjson::dom::element version;
  if (properties != nullptr && (*properties)["version"].get(version) == simdjson::SUCCESS) {
    cell_.clear();
    AppendCell(cell_, version);
    AppendCsvField(out, cell_);
  }
  out += ',';
  if (properties != nullptr) {
    const std::string_view start = StringProperty(*properties, "start_datetime");
    const std::string_view end = StringProperty(*properties, "end_datetime");
    if (!start.empty() && !end.empty()) {
      cell_.assign(start);
      cell_ += '/';
      cell_ += end;
      AppendCsvField(out, cell_);
    } else {
      AppendCsvField(out, StringProperty(*properties, "datetime"));
    }
  }
  const Copy copy = ChooseCopy(asset);
  out += ',';
  AppendCsvField(out, copy.href);
  out += ',';
  AppendCsvField(out, copy.format);
  out += ',';
  AppendCsvField(out, copy.engine);
  out += ',';
  AppendCsvField(out, copy.site);
  out += "\r\n";
}

std::string RenderEsmCollection(const Columns& columns, const EsmCollectionInfo& info) {
  json::object root;
  root["esmcat_version"] = "0.1.0";
  root["id"] = info.id;
  root["title"] = info.title;
  root["description"] = info.description;
  root["catalog_file"] = info.catalog_file;
  json::array attributes;
  for (const std::string& name : columns.Names()) {
    if (name == "uri") continue;  // the assets column
    json::object attribute;
    attribute["column_name"] = name;
    attribute["vocabulary"] = "";
    attributes.push_back(std::move(attribute));
  }
  root["attributes"] = std::move(attributes);
  json::object assets;
  assets["column_name"] = "uri";
  assets["format_column_name"] = "format";
  root["assets"] = std::move(assets);
  root["aggregation_control"] = AggregationControl(columns);
  return json::serialize(root);
}

}  // namespace stacfed::exports
