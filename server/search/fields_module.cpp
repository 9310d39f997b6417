// The Fields extension (STAC API item-search#fields and ogcapi-features#fields) as a module:
// the `fields` parameter of item searches and collection items, read into
// SearchRequest::fields (its forms and rules: fields.hpp). It does not change which items
// match; the item collection is written through a FieldsFilter when the request has fields
// (server/api/render.cpp), and without one, from the stored text as always.

#include <array>

#include <boost/json/value.hpp>

#include "libstac/base/status_macros.hpp"
#include "server/search/core_modules.hpp"
#include "server/search/fields.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

absl::Status FieldsFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.fields, ParseFieldsText(value));
  return absl::OkStatus();
}
absl::Status FieldsFromBody(const json::value& v, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.fields, FieldsFromJson(v));
  return absl::OkStatus();
}

// "fields": null is refused (stac-api-validator expects a 400): the extension defines the
// member as an object, and reading null as "absent" would hide a client's mistake.
constexpr std::array<Parameter, 1> kParameters = {
    {{"fields", FieldsFromQuery, FieldsFromBody, /*null_is_absent=*/false}}};

class Fields : public Module {
 public:
  std::string_view Name() const override { return "fields"; }

  std::vector<std::string_view> Conformance(Family family) const override {
    if (family == Family::kItemSearch) return {"https://api.stacspec.org/v1.0.0/item-search#fields"};
    if (family == Family::kItems) return {"https://api.stacspec.org/v1.0.0/ogcapi-features#fields"};
    if (family == Family::kCollections) {
      return {"https://api.stacspec.org/v1.0.0-rc.1/collection-search#fields"};
    }
    return {};
  }

  std::span<const Parameter> Parameters(Family family) const override {
    if (family == Family::kItems || family == Family::kItemSearch ||
        family == Family::kCollections) {
      return kParameters;
    }
    return {};
  }
};

}  // namespace

const Module& FieldsModule() {
  static const Fields module;
  return module;
}

}  // namespace stacfed::search
