// The core of the API as modules: STAC API core, collections and OGC API Features (only
// conformance), and item search with its parameters ids, collections, bbox, intersects,
// datetime, limit and token.

#include <array>
#include <boost/json/value.hpp>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/pg/text_array.hpp"
#include "server/search/core_modules.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

absl::Status Invalid(std::string_view parameter, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid '", parameter, "': ", why));
}

// A string may hold anything but NUL ("\u0000"), which no id or value of ours holds and
// which libpq would cut a parameter at.
absl::Status CheckNoNul(std::string_view name, std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return Invalid(name, "a string holds NUL (\\u0000), which no value may hold");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> StringList(const json::value& v, std::string_view name) {
  const json::array* array = v.if_array();
  if (array == nullptr) return Invalid(name, "expected an array of strings");
  std::vector<std::string> out;
  out.reserve(array->size());
  for (const json::value& item : *array) {
    if (!item.is_string()) return Invalid(name, "expected an array of strings");
    const std::string_view text(item.get_string().data(), item.get_string().size());
    STACFED_RETURN_IF_ERROR(CheckNoNul(name, text));
    out.emplace_back(text);
  }
  return out;
}

absl::StatusOr<std::string_view> StringMember(const json::value& v, std::string_view name) {
  if (!v.is_string()) return Invalid(name, "expected a string");
  const std::string_view text(v.get_string().data(), v.get_string().size());
  STACFED_RETURN_IF_ERROR(CheckNoNul(name, text));
  return text;
}

// ---- the parameters of item search, GET and POST ---------------------------------------------

absl::Status IdsFromQuery(std::string_view value, SearchRequest& r) {
  r.ids = SplitList(value);
  return absl::OkStatus();
}
// A POST list member may also be a string of comma-separated names, as in GET (some clients,
// stac-api-validator among them, send "collections": "a").
absl::Status IdsFromJson(const json::value& v, SearchRequest& r) {
  if (v.is_string()) {
    STACFED_ASSIGN_OR_RETURN(std::string_view text, StringMember(v, "ids"));
    return IdsFromQuery(text, r);
  }
  STACFED_ASSIGN_OR_RETURN(r.ids, StringList(v, "ids"));
  return absl::OkStatus();
}
absl::Status CollectionsFromQuery(std::string_view value, SearchRequest& r) {
  r.collections = SplitList(value);
  return absl::OkStatus();
}
absl::Status CollectionsFromJson(const json::value& v, SearchRequest& r) {
  if (v.is_string()) {
    STACFED_ASSIGN_OR_RETURN(std::string_view text, StringMember(v, "collections"));
    return CollectionsFromQuery(text, r);
  }
  STACFED_ASSIGN_OR_RETURN(r.collections, StringList(v, "collections"));
  return absl::OkStatus();
}
absl::Status BboxFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.bbox, ParseBboxText(value));
  return absl::OkStatus();
}
absl::Status BboxFromJson(const json::value& v, SearchRequest& r) {
  const json::array* array = v.if_array();
  if (array == nullptr) return Invalid("bbox", "expected an array of 4 or 6 numbers");
  std::vector<double> numbers;
  for (const json::value& n : *array) {
    if (!n.is_number()) return Invalid("bbox", "expected an array of 4 or 6 numbers");
    numbers.push_back(n.to_number<double>());
  }
  STACFED_ASSIGN_OR_RETURN(r.bbox, BboxFromNumbers(numbers));
  return absl::OkStatus();
}
absl::Status IntersectsFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.intersects, ParseIntersectsText(value));
  return absl::OkStatus();
}
absl::Status IntersectsFromJsonValue(const json::value& v, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.intersects, IntersectsFromJson(v));
  return absl::OkStatus();
}
absl::Status DatetimeFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.datetime, ParseDatetimeText(RestorePlusSigns(value)));
  return absl::OkStatus();
}
absl::Status DatetimeFromJson(const json::value& v, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(std::string_view text, StringMember(v, "datetime"));
  STACFED_ASSIGN_OR_RETURN(r.datetime, ParseDatetimeText(text));
  return absl::OkStatus();
}
absl::Status LimitFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.limit, ParseLimitText(value));
  return absl::OkStatus();
}
absl::Status LimitFromJsonValue(const json::value& v, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.limit, LimitFromJson(v));
  return absl::OkStatus();
}
absl::Status TokenFromQuery(std::string_view value, SearchRequest& r) {
  r.token_text = std::string(value);
  return absl::OkStatus();
}
absl::Status TokenFromJson(const json::value& v, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(std::string_view text, StringMember(v, "token"));
  r.token_text = std::string(text);
  return absl::OkStatus();
}

constexpr std::array<Parameter, 7> kItemSearchParameters = {{
    {"bbox", BboxFromQuery, BboxFromJson},
    {"intersects", IntersectsFromQuery, IntersectsFromJsonValue},
    {"datetime", DatetimeFromQuery, DatetimeFromJson},
    {"ids", IdsFromQuery, IdsFromJson},
    {"collections", CollectionsFromQuery, CollectionsFromJson},
    {"limit", LimitFromQuery, LimitFromJsonValue},
    {"token", TokenFromQuery, TokenFromJson},
}};

// Collection search (collection_search.hpp): the simple query of OGC API Common Part 2 and
// paging; the other parameters belong to their modules.
constexpr std::array<Parameter, 4> kCollectionSearchParameters = {{
    {"bbox", BboxFromQuery, BboxFromJson},
    {"datetime", DatetimeFromQuery, DatetimeFromJson},
    {"limit", LimitFromQuery, LimitFromJsonValue},
    {"token", TokenFromQuery, TokenFromJson},
}};

// ---- conditions ------------------------------------------------------------------------------

// The query geometry from its GeoJSON parameter, computed once per execution (an InitPlan),
// not once per row tested; a parameter is not folded into a constant in a generic plan.
// ST_Intersects brings its own && index condition.
std::string IntersectsCondition(std::string geojson, QueryBuilder& builder) {
  return StrCat("ST_Intersects(geometry, (SELECT ST_GeomFromGeoJSON(", builder.Bind(std::move(geojson)),
                "::text)))");
}

class CoreModule : public Module {
 public:
  std::string_view Name() const override { return "core"; }
  std::vector<std::string_view> Conformance(Family family) const override {
    switch (family) {
      // The v1.0.0 forms on purpose: pystac-client recognises only
      // https://api.stacspec.org/v1.0.* and reads them from the landing page.
      case Family::kLanding:
        return {"https://api.stacspec.org/v1.0.0/core",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"};
      case Family::kCollections:
        // Collection search: the rc.1 form the extension names, and the v1.0.0 form.
        return {"https://api.stacspec.org/v1.0.0/collections",
                "https://api.stacspec.org/v1.0.0-rc.1/collection-search",
                "https://api.stacspec.org/v1.0.0/collection-search",
                "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/simple-query"};
      case Family::kItems:
        return {"https://api.stacspec.org/v1.0.0/ogcapi-features"};
      case Family::kItemSearch:
        return {"https://api.stacspec.org/v1.0.0/item-search"};
      case Family::kAggregate:
        break;  // the aggregation module's
    }
    return {};
  }
  std::span<const Parameter> Parameters(Family family) const override {
    if (family == Family::kItems || family == Family::kItemSearch) return kItemSearchParameters;
    if (family == Family::kCollections) return kCollectionSearchParameters;
    return {};
  }
  absl::Status Finish(SearchRequest& request, Family) const override {
    if (request.bbox && request.intersects) {
      return absl::InvalidArgumentError("'bbox' and 'intersects' cannot be used together");
    }
    return absl::OkStatus();
  }
  absl::Status Constrain(const SearchRequest& request, const SearchContext&,
                         Conditions& conditions, QueryBuilder& builder) const override {
    if (!request.collections.empty()) {
      conditions.Add(CollectionsIn(request.collections, builder));
    }
    if (!request.ids.empty()) {
      conditions.Add(StrCat("id = ANY(", builder.Bind(pg::TextArrayLiteral(request.ids)),
                            "::text[])"));
    }
    if (request.intersects || request.bbox) {
      conditions.Add(IntersectsCondition(
                         request.intersects ? *request.intersects : BboxGeoJson(*request.bbox),
                         builder),
                     Conditions::Kind::kSpatial);
    }
    // Ranges overlap: the item's [datetime, end_datetime] against the query's [start, end].
    if (request.datetime && request.datetime->start) {
      conditions.Add(StrCat("end_datetime >= ",
                            builder.Bind(FormatPgTimestamp(*request.datetime->start)),
                            "::timestamptz"));
    }
    if (request.datetime && request.datetime->end) {
      conditions.Add(StrCat("datetime <= ", builder.Bind(FormatPgTimestamp(*request.datetime->end)),
                            "::timestamptz"));
    }
    return absl::OkStatus();
  }
};

// The catalog tree (server/api/catalogs_handlers.cpp): every catalog is an API of its own
// (Multi-Tenant Catalogs, with scoped search), /children (paged, with the type filter) on the
// root and on every catalog, and every collection and item reachable by child/item links
// (collections link pages of item links at .../collections/{id}/browse). The older URIs
// clients match are kept while they hold.
class ChildrenModule : public Module {
 public:
  std::string_view Name() const override { return "catalogs-children-browseable"; }
  std::vector<std::string_view> Conformance(Family family) const override {
    if (family != Family::kLanding) return {};
    return {"https://api.stacspec.org/v1.0.0/multi-tenant-catalogs",
            "https://api.stacspec.org/v1.0.0/multi-tenant-catalogs/search",
            "https://api.stacspec.org/v1.0.0-rc.2/multi-tenant-catalogs",
            "https://api.stacspec.org/v1.0.0-rc.2/multi-tenant-catalogs/search",
            "https://api.stacspec.org/v1.0.0/children",
            "https://api.stacspec.org/v1.0.0/children#type-filter",
            "https://api.stacspec.org/v1.0.0-rc.2/children",
            "https://api.stacspec.org/v1.0.0-rc.2/children#type-filter",
            kBrowseableUri};
  }
};

}  // namespace

const Module& CoreSearchModule() {
  static const CoreModule module;
  return module;
}

const Module& ChildrenBrowseableModule() {
  static const ChildrenModule module;
  return module;
}

}  // namespace stacfed::search
