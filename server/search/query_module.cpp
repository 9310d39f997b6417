// The Query extension (STAC API item-search#query, the legacy form of filtering pystac-client
// still sends): {"query": {"eo:cloud_cover": {"lt": 10}, "platform": {"in": ["a", "b"]}}},
// as a JSON string in GET. Each operator of each property becomes a CQL2 condition, all of
// them ANDed (with the request's filter, if any), so a query is checked, translated, indexed
// and planned exactly as the same CQL2 filter:
//
//   eq neq lt lte gt gte   =  <>  <  <=  >  >=
//   startsWith endsWith contains   LIKE 'x%', '%x', '%x%' (x's % _ \ escaped)
//   in                     IN (...)

#include <array>
#include <charconv>
#include <cmath>

#include <boost/json/value.hpp>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/core_modules.hpp"
#include "server/search/cql2/parse.hpp"
#include "server/search/json.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(
      StrCat("invalid 'query': ", Excerpt(why, cql2::kMaxMessageBytes)));
}

absl::Status QueryFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(json::value parsed, ParseJsonExactly(value, "query"));
  r.query = std::move(parsed);
  return absl::OkStatus();
}
absl::Status QueryFromJson(const json::value& v, SearchRequest& r) {
  r.query = v;
  return absl::OkStatus();
}

constexpr std::array<Parameter, 1> kParameters = {{{"query", QueryFromQuery, QueryFromJson}}};

constexpr std::string_view kOperators =
    "eq, neq, lt, lte, gt, gte, startsWith, endsWith, contains, in";

// A LIKE pattern matching `text` literally, between the wildcards the operator adds.
std::string LikeLiteral(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool IsScalar(const json::value& v) { return v.is_string() || v.is_number() || v.is_bool(); }

// One operator on one property as cql2-json.
absl::StatusOr<json::value> Condition(std::string_view name, std::string_view op,
                                      const json::value& operand) {
  const json::object property{{"property", json::string_view(name.data(), name.size())}};
  auto comparison = [&](std::string_view cql2_op) -> absl::StatusOr<json::value> {
    if (!IsScalar(operand)) {
      return Invalid(StrCat(name, ".", op, " takes a string, a number or a boolean"));
    }
    return json::value(json::object{{"op", json::string_view(cql2_op.data(), cql2_op.size())},
                                    {"args", json::array{property, operand}}});
  };
  auto like = [&](std::string_view before, std::string_view after) -> absl::StatusOr<json::value> {
    if (!operand.is_string()) return Invalid(StrCat(name, ".", op, " takes a string"));
    const json::string& text = operand.get_string();
    const std::string pattern =
        StrCat(before, LikeLiteral(std::string_view(text.data(), text.size())), after);
    return json::value(json::object{{"op", "like"}, {"args", json::array{property, pattern}}});
  };
  if (op == "eq") return comparison("=");
  if (op == "neq") return comparison("<>");
  if (op == "lt") return comparison("<");
  if (op == "lte") return comparison("<=");
  if (op == "gt") return comparison(">");
  if (op == "gte") return comparison(">=");
  if (op == "startsWith") return like("", "%");
  if (op == "endsWith") return like("%", "");
  if (op == "contains") return like("%", "%");
  if (op == "in") {
    const json::array* values = operand.if_array();
    if (values == nullptr || values->empty()) {
      return Invalid(StrCat(name, ".in takes a non-empty array of values"));
    }
    for (const json::value& v : *values) {
      if (!IsScalar(v)) return Invalid(StrCat(name, ".in takes strings, numbers or booleans"));
    }
    return json::value(json::object{{"op", "in"}, {"args", json::array{property, *values}}});
  }
  return Invalid(StrCat("unknown operator '", op, "' for ", name, "; expected one of ", kOperators));
}

// The whole query as one cql2-json condition; null when it holds none.
absl::StatusOr<json::value> AsCql2(const json::value& query) {
  const json::object* properties = query.if_object();
  if (properties == nullptr) {
    return Invalid("expected an object of properties, each an object of operators, such as "
                   "{\"eo:cloud_cover\": {\"lt\": 10}}");
  }
  json::array conditions;
  for (const auto& [key, ops] : *properties) {
    const std::string_view name(key.data(), key.size());
    const json::object* operators = ops.if_object();
    if (operators == nullptr || operators->empty()) {
      return Invalid(StrCat(name, " must be an object of operators (", kOperators, ")"));
    }
    for (const auto& [op, operand] : *operators) {
      if (conditions.size() >= cql2::kMaxInList) return Invalid("too many conditions");
      STACFED_ASSIGN_OR_RETURN(json::value condition,
                               Condition(name, std::string_view(op.data(), op.size()), operand));
      conditions.push_back(std::move(condition));
    }
  }
  if (conditions.empty()) return json::value(nullptr);
  if (conditions.size() == 1) return std::move(conditions[0]);
  return json::value(json::object{{"op", "and"}, {"args", std::move(conditions)}});
}

// Whether `text` is a number and nothing else ("10", "-2.5e3").
bool ReadsAsNumber(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() &&
         std::isfinite(value);
}

// Errors found later (an unknown property, a type mismatch) say the condition came from
// `query`, not where in a filter it was; strings that read as numbers may stand for them
// (cql2::Node::number_text).
void MarkFromQuery(cql2::Node& node) {
  node.where = "in 'query'";
  node.from_query = true;
  if (node.op == cql2::Op::kString && ReadsAsNumber(node.text)) node.number_text = true;
  for (cql2::Node& arg : node.args) MarkFromQuery(arg);
}

class Query : public Module {
 public:
  std::string_view Name() const override { return "query"; }

  std::vector<std::string_view> Conformance(Family family) const override {
    if (family == Family::kItemSearch) return {"https://api.stacspec.org/v1.0.0/item-search#query"};
    if (family == Family::kItems) return {"https://api.stacspec.org/v1.0.0/ogcapi-features#query"};
    return {};
  }

  std::span<const Parameter> Parameters(Family family) const override {
    if (family == Family::kItems || family == Family::kItemSearch) return kParameters;
    return {};
  }

  // After the filter module's Finish: the query joins the filter tree it built.
  absl::Status Finish(SearchRequest& request, Family) const override {
    if (!request.query) return absl::OkStatus();
    STACFED_ASSIGN_OR_RETURN(json::value cql2_json, AsCql2(*request.query));
    if (cql2_json.is_null()) return absl::OkStatus();
    absl::StatusOr<cql2::Node> condition = cql2::FromJson(cql2_json);
    if (!condition.ok()) return Invalid(ToStd(condition.status().message()));
    MarkFromQuery(*condition);
    if (!request.filter) {
      request.filter = *std::move(condition);
    } else {
      cql2::Node both;
      both.op = cql2::Op::kAnd;
      both.args = {*std::move(request.filter), *std::move(condition)};
      request.filter = std::move(both);
    }
    return absl::OkStatus();
  }
};

}  // namespace

const Module& QueryModule() {
  static const Query module;
  return module;
}

}  // namespace stacfed::search
