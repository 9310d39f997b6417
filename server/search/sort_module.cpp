// The Sort extension (sortby) on item search and items: GET `sortby=-datetime,+id` (a '+'
// that was not percent-encoded arrives as a space), POST `[{"field", "direction"}]`, names
// with or without "properties.". The order itself, and the paging that follows from it, are
// sort.hpp's; the fields one may sort by are the endpoint's sortables (IsSortable over its
// queryables), served at /sortables.

#include <array>

#include <boost/json/value.hpp>

#include "absl/strings/match.h"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/core_modules.hpp"
#include "server/search/queryables.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

constexpr std::string_view kExpected =
    "expected a comma-separated list of fields, each with an optional '+' (ascending) or '-' "
    "(descending) in front, such as '-datetime,+id'";

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid 'sortby': ", why));
}

// A field name as the queryables know it: without "properties.", non-empty.
absl::StatusOr<std::string> FieldName(std::string_view name) {
  if (absl::StartsWith(ToAbsl(name), "properties.")) name.remove_prefix(11);
  if (name.empty()) return Invalid(kExpected);
  if (name.find('\0') != std::string_view::npos) return Invalid("a field name holds NUL");
  return std::string(name);
}

absl::Status CheckCount(size_t fields) {
  if (fields > kMaxSortFields) {
    return Invalid(StrCat("at most ", kMaxSortFields, " fields may be given"));
  }
  return absl::OkStatus();
}

absl::Status SortbyFromQuery(std::string_view value, SearchRequest& r) {
  std::vector<SortField> fields;
  for (const std::string& text : SplitList(value)) {
    std::string_view part = text;
    SortField field;
    if (!part.empty() && (part[0] == '+' || part[0] == ' ')) {
      part.remove_prefix(1);
    } else if (!part.empty() && part[0] == '-') {
      part.remove_prefix(1);
      field.descending = true;
    }
    STACFED_ASSIGN_OR_RETURN(field.field, FieldName(part));
    fields.push_back(std::move(field));
    STACFED_RETURN_IF_ERROR(CheckCount(fields.size()));
  }
  if (fields.empty()) return Invalid(kExpected);
  r.sortby = std::move(fields);
  return absl::OkStatus();
}

constexpr std::string_view kExpectedJson =
    "expected an array of objects {\"field\": \"<name>\", \"direction\": \"asc\" or \"desc\"}";

absl::StatusOr<SortField> SortFieldFromJson(const json::value& v) {
  const json::object* object = v.if_object();
  if (object == nullptr) return Invalid(kExpectedJson);
  SortField field;
  bool named = false;
  for (const auto& [key, member] : *object) {
    if (key == "field" && member.is_string()) {
      const json::string& name = member.get_string();
      STACFED_ASSIGN_OR_RETURN(field.field, FieldName(std::string_view(name.data(), name.size())));
      named = true;
    } else if (key == "direction" && member.is_string() &&
               (member.get_string() == "asc" || member.get_string() == "desc")) {
      field.descending = member.get_string() == "desc";
    } else {
      return Invalid(kExpectedJson);
    }
  }
  if (!named) return Invalid(kExpectedJson);
  return field;
}

absl::Status SortbyFromJson(const json::value& v, SearchRequest& r) {
  const json::array* array = v.if_array();
  if (array == nullptr || array->empty()) return Invalid(kExpectedJson);
  STACFED_RETURN_IF_ERROR(CheckCount(array->size()));
  std::vector<SortField> fields;
  for (const json::value& item : *array) {
    STACFED_ASSIGN_OR_RETURN(SortField field, SortFieldFromJson(item));
    fields.push_back(std::move(field));
  }
  r.sortby = std::move(fields);
  return absl::OkStatus();
}

constexpr std::array<Parameter, 1> kParameters = {{{"sortby", SortbyFromQuery, SortbyFromJson}}};

class SortModule : public Module {
 public:
  std::string_view Name() const override { return "sort"; }
  // The v1.0.0 forms, which pystac-client recognises, and the v1.1.0 ones, which add the
  // sortables.
  std::vector<std::string_view> Conformance(Family family) const override {
    switch (family) {
      case Family::kItemSearch:
        return {"https://api.stacspec.org/v1.0.0/item-search#sort",
                "https://api.stacspec.org/v1.1.0/item-search#sort",
                "https://api.stacspec.org/v1.1.0/item-search#sortables"};
      case Family::kItems:
        return {"https://api.stacspec.org/v1.0.0/ogcapi-features#sort",
                "https://api.stacspec.org/v1.1.0/ogcapi-features#sort",
                "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables"};
      case Family::kCollections:  // collection_search.hpp orders collections
        return {"https://api.stacspec.org/v1.0.0-rc.1/collection-search#sort",
                "https://api.stacspec.org/v1.1.0/collection-search#sort",
                "https://api.stacspec.org/v1.1.0/collection-search#sortables"};
      default:
        return {};
    }
  }
  std::span<const Parameter> Parameters(Family family) const override {
    if (family == Family::kItems || family == Family::kItemSearch ||
        family == Family::kCollections) {
      return kParameters;
    }
    return {};
  }
  absl::StatusOr<std::optional<SortSpec>> Order(const SearchRequest& request,
                                                const SearchContext& context,
                                                QueryBuilder& builder) const override {
    if (request.sortby.empty()) return std::nullopt;
    STACFED_ASSIGN_OR_RETURN(SortSpec order,
                             SortSpecFor(request.sortby, *context.queryables, builder));
    return order;
  }
};

}  // namespace

const Module& SortByModule() {
  static const SortModule module;
  return module;
}

}  // namespace stacfed::search
