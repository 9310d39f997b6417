// CQL2 filter (OGC API Features Part 3, the STAC filter extension) as a module: the
// parameters filter, filter-lang and filter-crs on item search and on a collection's items,
// the classes of CQL2 it implements, and its condition.

#include <array>
#include <set>

#include "absl/strings/match.h"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/core_modules.hpp"
#include "server/search/cql2/parse.hpp"
#include "server/search/cql2/to_sql.hpp"
#include "server/search/facet_stats.hpp"
#include "server/search/queryables.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

constexpr std::string_view kCrs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

// The most collections a filter's facet values narrow a search to (as many as one list of
// collection parameters holds, query.hpp); beyond it the search is not narrowed.
constexpr size_t kMaxHoldingCollections = 32;

absl::Status Invalid(std::string_view parameter, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid '", parameter, "': ", why));
}

absl::Status FilterFromQuery(std::string_view value, SearchRequest& r) {
  r.filter_text = std::string(value);
  return absl::OkStatus();
}
absl::Status FilterFromJson(const json::value& v, SearchRequest& r) {
  if (v.is_string()) {
    r.filter_text = std::string(v.get_string().data(), v.get_string().size());
  } else if (v.is_object()) {
    r.filter_json = v;
  } else {
    return Invalid("filter", "expected a cql2-json object or a cql2-text string");
  }
  return absl::OkStatus();
}
absl::Status LangFromQuery(std::string_view value, SearchRequest& r) {
  r.filter_lang = std::string(value);
  return absl::OkStatus();
}
absl::Status LangFromJson(const json::value& v, SearchRequest& r) {
  if (!v.is_string()) return Invalid("filter-lang", "expected \"cql2-json\" or \"cql2-text\"");
  r.filter_lang = std::string(v.get_string().data(), v.get_string().size());
  return absl::OkStatus();
}
absl::Status CrsFromQuery(std::string_view value, SearchRequest& r) {
  r.filter_crs = std::string(value);
  return absl::OkStatus();
}
absl::Status CrsFromJson(const json::value& v, SearchRequest& r) {
  if (!v.is_string()) return Invalid("filter-crs", StrCat("expected \"", kCrs84, "\""));
  r.filter_crs = std::string(v.get_string().data(), v.get_string().size());
  return absl::OkStatus();
}

constexpr std::array<Parameter, 3> kParameters = {{
    {"filter", FilterFromQuery, FilterFromJson},
    {"filter-lang", LangFromQuery, LangFromJson},
    {"filter-crs", CrsFromQuery, CrsFromJson},
}};

// The CQL2 classes implemented, on item search and on items alike.
constexpr std::array<std::string_view, 11> kCql2Classes = {
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
};

class Filter : public Module {
 public:
  std::string_view Name() const override { return "filter"; }

  std::vector<std::string_view> Conformance(Family family) const override {
    std::vector<std::string_view> uris;
    if (family == Family::kItemSearch) {
      uris = {"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
              // The form pystac-client (v1.0.*) and stac-browser (v1.*) match.
              "https://api.stacspec.org/v1.0.0-rc.2/item-search#filter"};
    } else if (family == Family::kItems) {
      uris = {"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
              "https://api.stacspec.org/v1.0.0-rc.2/ogcapi-features#filter"};
    } else if (family == Family::kCollections) {
      // On collection fields and summaries (collection_search.hpp).
      uris = {"https://api.stacspec.org/v1.0.0-rc.1/collection-search#filter"};
    } else {
      return {};
    }
    uris.insert(uris.end(), kCql2Classes.begin(), kCql2Classes.end());
    return uris;
  }

  std::span<const Parameter> Parameters(Family family) const override {
    if (family == Family::kItems || family == Family::kItemSearch ||
        family == Family::kCollections) {
      return kParameters;
    }
    return {};
  }

  // filter-lang decides how filter is read: cql2-text by default for a string (a GET
  // parameter or a POST string), cql2-json for a POST object.
  absl::Status Finish(SearchRequest& request, Family) const override {
    if (request.filter_crs && *request.filter_crs != kCrs84) {
      return Invalid("filter-crs", StrCat("only ", kCrs84, " is supported"));
    }
    if (!request.filter_text && !request.filter_json) {
      return request.filter_lang ? CheckLang(*request.filter_lang) : absl::OkStatus();
    }
    std::string lang =
        request.filter_lang.value_or(request.filter_json ? "cql2-json" : "cql2-text");
    STACFED_RETURN_IF_ERROR(CheckLang(lang));
    if (request.filter_json) {
      if (lang != "cql2-json") {
        return Invalid("filter-lang", "a filter given as a JSON object is cql2-json");
      }
      STACFED_ASSIGN_OR_RETURN(request.filter, cql2::FromJson(*request.filter_json));
      return absl::OkStatus();
    }
    if (lang == "cql2-json") {
      STACFED_ASSIGN_OR_RETURN(request.filter, cql2::ParseJson(*request.filter_text));
    } else {
      STACFED_ASSIGN_OR_RETURN(request.filter, cql2::ParseText(*request.filter_text));
    }
    return absl::OkStatus();
  }

  // How many items the facet digests that every match holds would find, when there are
  // such digests.
  static std::optional<IndexEstimate> IndexEstimateOf(const cql2::Translation& filter,
                                                      const SearchContext& context) {
    if (filter.index_digests.empty()) return std::nullopt;
    switch (context.facet_plan) {
      case FacetPlan::kIndex:
        return IndexEstimate{.matches = 0, .items = 1};
      case FacetPlan::kWalk:
        return std::nullopt;
      case FacetPlan::kAuto:
        break;
    }
    if (context.facet_stats == nullptr) return std::nullopt;
    return IndexEstimate{.matches = context.facet_stats->Estimate(filter.index_digests),
                         .items = context.facet_stats->items()};
  }

  // The collections whose items can hold the facet values every match must hold, when
  // they are few enough to be bound as a list (then PostgreSQL reads only their
  // partitions): a filter on an experiment that one collection holds searches that one.
  static std::optional<std::vector<std::string>> CollectionsHolding(
      const cql2::Translation& filter, const Queryables& queryables) {
    std::optional<std::set<std::string>> holding;
    for (const cql2::FacetValues& facet : filter.index_values) {
      std::optional<std::vector<std::string>> these =
          queryables.CollectionsHolding(facet.name, facet.values);
      if (!these) continue;
      std::set<std::string> kept;
      for (std::string& collection : *these) {
        if (!holding || holding->contains(collection)) kept.insert(std::move(collection));
      }
      holding = std::move(kept);
    }
    if (!holding || holding->size() > kMaxHoldingCollections) return std::nullopt;
    return std::vector<std::string>(holding->begin(), holding->end());
  }

  absl::Status Constrain(const SearchRequest& request, const SearchContext& context,
                         Conditions& conditions, QueryBuilder& builder) const override {
    if (!request.filter) return absl::OkStatus();
    STACFED_ASSIGN_OR_RETURN(cql2::Translation filter,
                             cql2::ToSql(*request.filter, *context.queryables, builder));
    conditions.Add(std::move(filter.sql), Conditions::Kind::kFilter,
                   IndexEstimateOf(filter, context));
    if (std::optional<std::vector<std::string>> holding =
            CollectionsHolding(filter, *context.queryables)) {
      conditions.Add(holding->empty() ? "false" : CollectionsIn(*holding, builder));
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status CheckLang(std::string_view lang) {
    if (lang == "cql2-text" || lang == "cql2-json") return absl::OkStatus();
    return Invalid("filter-lang", StrCat("'", lang.substr(0, 40),
                                         "' is not supported; use cql2-text or cql2-json"));
  }
};

}  // namespace

const Module& FilterModule() {
  static const Filter module;
  return module;
}

}  // namespace stacfed::search
