#include "server/search/queryables.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "absl/strings/match.h"
#include "libstac/base/strings.hpp"
#include "libstac/model/facets.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

// Properties whose string values are date-times by the STAC specification or common use.
bool IsDateTimeName(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kNames = {"created", "updated", "published",
                                                             "expires", "unpublished"};
  for (std::string_view known : kNames) {
    if (name == known) return true;
  }
  return absl::EndsWith(ToAbsl(name), "_datetime") || absl::EndsWith(ToAbsl(name), ":datetime");
}

// Short descriptions of well-known properties; others get a generic one.
std::string DescriptionOf(std::string_view name) {
  struct Known {
    std::string_view name, description;
  };
  static constexpr std::array<Known, 20> kKnown = {{
      {"eo:cloud_cover", "Estimate of cloud cover, in percent (0-100)"},
      {"platform", "Unique name of the platform (satellite) that acquired the data"},
      {"constellation", "Name of the constellation the platform belongs to"},
      {"instruments", "Names of the instruments used"},
      {"gsd", "Ground sample distance, in metres"},
      {"product:type", "The product type"},
      {"processing:level", "The processing level"},
      {"created", "When the metadata was created"},
      {"updated", "When the metadata was last updated"},
      {"project", "The project (e.g. CMIP6) the data belongs to"},
      {"version", "The dataset version"},
      {"latest", "Whether this is the latest version of the dataset"},
      {"retracted", "Whether the dataset was retracted"},
      {"title", "The title of the item"},
      {"description", "A description of the item"},
      {"access", "The ways the data can be accessed"},
      // The site-access extension (crawler/README.md, "Annotation").
      {"site:locations", "The sites (federation site ids) holding a copy of the data; "
                         "a_contains(site:locations, 'dkrz') finds what DKRZ holds"},
      {"access:online_status", "Whether the data can be read now: online (every data file has "
                               "an online copy), partial or offline (on tape, or to be ordered)"},
      {"stacfed:sources", "The harvest sources that list the item, the first one's document "
                          "served (several sources of one collection)"},
      {"storage:tier", "The storage tier of the data"},
  }};
  for (const Known& known : kKnown) {
    if (known.name == name) return std::string(known.description);
  }
  const size_t colon = name.rfind(':');
  const std::string_view facet = colon == std::string_view::npos ? name : name.substr(colon + 1);
  if (facet.ends_with("_id") || facet == "frequency" || facet == "realm") {
    return StrCat("The ", facet, " of the dataset (a controlled vocabulary term)");
  }
  return StrCat("Property ", name, " of the items");
}

std::set<std::string> SplitArrayLiteral(std::string_view literal) {
  std::set<std::string> out;
  if (literal.size() < 2) return out;
  std::string_view inner = literal.substr(1, literal.size() - 2);
  while (!inner.empty()) {
    const size_t comma = inner.find(',');
    std::string_view part = inner.substr(0, comma);
    if (part.size() >= 2 && part.front() == '"') part = part.substr(1, part.size() - 2);
    out.emplace(part);
    if (comma == std::string_view::npos) break;
    inner.remove_prefix(comma + 1);
  }
  return out;
}

ValueType TypeOf(const std::set<std::string>& types, std::string_view name) {
  std::set<std::string> scalar = types;
  scalar.erase("null");
  if (scalar.empty()) return ValueType::kAny;
  if (scalar == std::set<std::string>{"integer"}) return ValueType::kInteger;
  if (std::all_of(scalar.begin(), scalar.end(),
                  [](const std::string& t) { return t == "integer" || t == "number"; })) {
    return ValueType::kNumber;
  }
  if (scalar == std::set<std::string>{"boolean"}) return ValueType::kBoolean;
  if (scalar == std::set<std::string>{"string"}) {
    return IsDateTimeName(name) ? ValueType::kTimestamp : ValueType::kString;
  }
  return ValueType::kAny;
}

// The element type of an array property from the values seen (its elements).
ValueType ElementTypeOf(const std::vector<std::string>& values) {
  std::set<std::string> types;
  for (const std::string& value : values) {
    if (value.empty()) continue;
    if (value.front() == '"') {
      types.insert("string");
    } else if (value == "true" || value == "false") {
      types.insert("boolean");
    } else {
      types.insert("number");
    }
  }
  return types.size() == 1 ? TypeOf(types, "") : ValueType::kAny;
}

Queryable Builtin(std::string name, ValueType type, std::string column, std::string description) {
  Queryable q;
  q.name = std::move(name);
  q.type = type;
  q.column = std::move(column);
  q.description = std::move(description);
  return q;
}

Queryable WithEnd(Queryable q, std::string end_column) {
  q.end_column = std::move(end_column);
  return q;
}

}  // namespace

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kNumber:
      return "number";
    case ValueType::kInteger:
      return "integer";
    case ValueType::kBoolean:
      return "boolean";
    case ValueType::kTimestamp:
      return "timestamp";
    case ValueType::kGeometry:
      return "geometry";
    case ValueType::kAny:
      return "any";
  }
  return "any";
}

Queryables Queryables::Builtin() {
  Queryables q;
  for (Queryable builtin : {
           search::Builtin("id", ValueType::kString, "id", "The item's identifier"),
           search::Builtin("collection", ValueType::kString, "collection",
                           "The identifier of the item's collection"),
           WithEnd(search::Builtin("datetime", ValueType::kTimestamp, "datetime",
                                   "The item's date and time; for an item with a range, its "
                                   "start. Temporal functions compare the whole range"),
                   "end_datetime"),
           search::Builtin("start_datetime", ValueType::kTimestamp, "datetime",
                           "The start of the item's time range"),
           search::Builtin("end_datetime", ValueType::kTimestamp, "end_datetime",
                           "The end of the item's time range"),
           search::Builtin("geometry", ValueType::kGeometry, "geometry",
                           "The item's footprint (GeoJSON geometry, WGS 84)"),
       }) {
    q.by_name_.emplace(builtin.name, std::move(builtin));
  }
  return q;
}

Queryables Queryables::Collections() {
  Queryables q;
  // The extent's interval with its open ends infinite, so that time comparisons see them.
  constexpr std::string_view kStart = "coalesce(c.extent_start, '-infinity'::timestamptz)";
  constexpr std::string_view kEnd = "coalesce(c.extent_end, 'infinity'::timestamptz)";
  Queryable keywords = search::Builtin("keywords", ValueType::kString, "(c.content->'keywords')",
                                       "The collection's keywords");
  keywords.array = true;
  for (Queryable builtin : {
           search::Builtin("id", ValueType::kString, "c.id", "The collection's identifier"),
           search::Builtin("title", ValueType::kString, "c.search_title",
                           "The collection's title"),
           search::Builtin("description", ValueType::kString, "(c.content->>'description')",
                           "The collection's description"),
           search::Builtin("license", ValueType::kString, "c.search_license",
                           "The collection's license (SPDX identifier, other or proprietary)"),
           std::move(keywords),
           WithEnd(search::Builtin("datetime", ValueType::kTimestamp, std::string(kStart),
                                   "The collection's temporal extent (its overall interval); "
                                   "compared as an instant, its start"),
                   std::string(kEnd)),
           search::Builtin("start_datetime", ValueType::kTimestamp, std::string(kStart),
                           "The start of the collection's temporal extent"),
           search::Builtin("end_datetime", ValueType::kTimestamp, std::string(kEnd),
                           "The end of the collection's temporal extent"),
           search::Builtin("geometry", ValueType::kGeometry, "c.extent_geometry",
                           "The collection's spatial extent (its bounding boxes)"),
       }) {
    q.by_name_.emplace(builtin.name, std::move(builtin));
  }
  q.property_object_ = "(c.content->'summaries')";
  q.per_element_ = true;
  q.open_ = true;
  q.element_terms_ = "c.summary_terms";
  return q;
}

void Queryables::AddPropertyRow(std::string_view name, std::string_view types_literal,
                                std::optional<std::string_view> values_json, bool array_values,
                                std::string_view collection) {
  if (by_name_.contains(name) && !by_name_.at(std::string(name)).column.empty()) {
    return;  // a property cannot shadow an item field (start_datetime is the range start)
  }
  std::set<std::string> types = SplitArrayLiteral(types_literal);
  std::vector<std::string> values;
  bool many = !values_json.has_value();
  if (values_json) {
    boost::system::error_code ec;
    json::value parsed = json::parse(json::string_view(values_json->data(), values_json->size()), ec);
    if (!ec && parsed.is_array()) {
      for (const json::value& v : parsed.get_array()) values.push_back(json::serialize(v));
    } else {
      many = true;
    }
  }
  if (!collection.empty() && holders_complete_) collections_.insert(std::string(collection));
  if (!collection.empty() && IsFacetKey(name) && holders_complete_) {
    held_values_ += 1 + values.size();
    if (held_values_ > kMaxHeldValues) {
      holders_complete_ = false;
      holders_.clear();
      collections_.clear();
    } else {
      holders_[std::string(name)][std::string(collection)] =
          many ? std::nullopt : std::optional<std::vector<std::string>>(values);
    }
  }
  auto [it, inserted] = by_name_.try_emplace(std::string(name));
  Queryable& q = it->second;
  const bool array = array_values || types.contains("array");
  const ValueType type = array ? ElementTypeOf(values) : TypeOf(types, name);
  if (inserted) {
    q.name = std::string(name);
    q.type = type;
    q.array = array;
    q.facet = IsFacetKey(name);
    q.values = many ? std::vector<std::string>() : std::move(values);
    q.description = DescriptionOf(name);
    return;
  }
  // Seen in another collection too: the types must agree, the values merge.
  if (q.type != type) q.type = ValueType::kAny;
  q.array = q.array || array;
  if (many || q.values.empty()) {
    q.values.clear();
  } else {
    std::set<std::string> merged(q.values.begin(), q.values.end());
    merged.insert(values.begin(), values.end());
    q.values.assign(merged.begin(), merged.end());
  }
}

std::optional<std::vector<std::string>> Queryables::CollectionsHolding(
    std::string_view name, const std::vector<std::string>& values) const {
  if (!holders_complete_) return std::nullopt;
  std::vector<std::string> holding;
  auto facet = holders_.find(name);
  if (facet == holders_.end()) return holding;
  std::set<std::string, std::less<>> wanted;
  for (const std::string& value : values) wanted.insert(json::serialize(json::string(value)));
  for (const auto& [collection, recorded] : facet->second) {
    bool holds = !recorded.has_value();
    for (size_t i = 0; !holds && i < recorded->size(); ++i) holds = wanted.contains((*recorded)[i]);
    if (holds) holding.push_back(collection);
  }
  return holding;
}

bool Queryables::EveryCollectionHolds(std::string_view name) const {
  if (!holders_complete_ || collections_.empty()) return false;
  auto facet = holders_.find(name);
  return facet != holders_.end() && facet->second.size() == collections_.size();
}

const Queryable* Queryables::Find(std::string_view name) const {
  if (name.starts_with("properties.")) name.remove_prefix(std::string_view("properties.").size());
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

std::string Queryables::NameList() const {
  std::string names;
  size_t listed = 0;
  for (const auto& [name, q] : by_name_) {
    if (listed++ == 40) {
      StrAppend(&names, ", ... (", by_name_.size(), " in all; see /queryables)");
      break;
    }
    StrAppend(&names, names.empty() ? "" : ", ", name);
  }
  return names;
}

}  // namespace stacfed::search
