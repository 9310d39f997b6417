// The Free-Text extension (q) on item search and items, basic and advanced
// (free_text.hpp): the items whose words (sql/0015: title, description, keywords and the
// identifying facets) match, ranked by relevance (ts_rank) when the request sets no
// sortby.

#include <array>

#include <boost/json/value.hpp>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/core_modules.hpp"
#include "server/search/free_text.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

// The words of an item (sql/0015: a stored tsvector with a GIN index).
constexpr std::string_view kItemWords = "words";

absl::Status QFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.q, TsQueryOfParameter(value));
  return absl::OkStatus();
}

absl::Status QFromJson(const json::value& v, SearchRequest& r) {
  if (v.is_string()) {
    const json::string& text = v.get_string();
    STACFED_ASSIGN_OR_RETURN(r.q,
                             TsQueryOfParameter(std::string_view(text.data(), text.size())));
    return absl::OkStatus();
  }
  const json::array* array = v.if_array();
  if (array == nullptr) {
    return absl::InvalidArgumentError(
        "invalid 'q': expected an array of terms (any of them) or a string (the advanced form)");
  }
  std::vector<std::string> terms;
  for (const json::value& term : *array) {
    if (!term.is_string()) {
      return absl::InvalidArgumentError("invalid 'q': expected an array of strings");
    }
    terms.emplace_back(term.get_string().data(), term.get_string().size());
  }
  STACFED_ASSIGN_OR_RETURN(r.q, BasicTsQuery(terms));
  return absl::OkStatus();
}

constexpr std::array<Parameter, 1> kParameters = {{{"q", QFromQuery, QFromJson}}};

std::string Query(const SearchRequest& request, QueryBuilder& builder) {
  return TsQuerySql(builder.Bind(*request.q));
}

class FreeText : public Module {
 public:
  std::string_view Name() const override { return "free-text"; }
  std::vector<std::string_view> Conformance(Family family) const override {
    switch (family) {
      case Family::kItemSearch:
        return {"https://api.stacspec.org/v1.0.0-rc.1/item-search#free-text",
                "https://api.stacspec.org/v1.0.0-rc.1/item-search#advanced-free-text"};
      case Family::kItems:
        return {"https://api.stacspec.org/v1.0.0-rc.1/ogcapi-features#free-text",
                "https://api.stacspec.org/v1.0.0-rc.1/ogcapi-features#advanced-free-text"};
      case Family::kCollections:  // over title, description and keywords (collection_search)
        return {"https://api.stacspec.org/v1.0.0-rc.1/collection-search#free-text",
                "https://api.stacspec.org/v1.0.0-rc.1/collection-search#advanced-free-text"};
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
  absl::Status Constrain(const SearchRequest& request, const SearchContext&,
                         Conditions& conditions, QueryBuilder& builder) const override {
    if (!request.q) return absl::OkStatus();
    conditions.Add(StrCat(kItemWords, " @@ ", Query(request, builder)), Conditions::Kind::kFilter);
    return absl::OkStatus();
  }
  // Relevance first (how often the terms occur), then collection and id. (A sortby
  // comes first: the sort module is asked before this one.)
  absl::StatusOr<std::optional<SortSpec>> Order(const SearchRequest& request,
                                                const SearchContext&,
                                                QueryBuilder& builder) const override {
    if (!request.q) return std::nullopt;
    const std::string rank = RelevanceSql(kItemWords, Query(request, builder));
    return SortSpec({SortKey{rank, SortType::kNumber, true, "s0", rank},
                     SortKey{"collection", SortType::kText, false, "collection", ""},
                     SortKey{"id", SortType::kText, false, "id", ""}});
  }
};

}  // namespace

const Module& FreeTextModule() {
  static const FreeText module;
  return module;
}

}  // namespace stacfed::search
