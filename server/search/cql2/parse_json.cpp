// cql2-json into the tree of ast.hpp.

#include <boost/json/value.hpp>
#include <charconv>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/cql2/parse.hpp"
#include "server/search/geometry.hpp"
#include "server/search/json.hpp"

namespace stacfed::search::cql2 {
namespace {

namespace json = boost::json;

absl::Status ErrorAt(std::string_view path, std::string_view what) {
  return absl::InvalidArgumentError(
      StrCat("filter: at ", Excerpt(path.empty() ? std::string_view("the top") : path, 200), ": ",
             Excerpt(what, kMaxMessageBytes)));
}

std::string_view View(const json::string& s) { return {s.data(), s.size()}; }

// How many arguments an operator takes: [min, max].
std::pair<size_t, size_t> Arity(Op op) {
  switch (op) {
    case Op::kAnd:
    case Op::kOr:
      return {2, kMaxNodes};
    case Op::kNot:
    case Op::kIsNull:
    case Op::kCaseI:
    case Op::kAccentI:
      return {1, 1};
    case Op::kBetween:
      return {3, 3};
    default:
      return {2, 2};
  }
}

class Converter {
 public:
  absl::StatusOr<Node> Convert(const json::value& v, const std::string& path, int depth) {
    if (depth > kMaxDepth) {
      return ErrorAt(path, StrCat("the filter nests more than ", kMaxDepth, " levels deep"));
    }
    if (++nodes_ > kMaxNodes) {
      return ErrorAt(path, StrCat("the filter has more than ", kMaxNodes, " terms"));
    }
    Node node;
    node.where = StrCat("at ", path.empty() ? std::string_view("the top") : path);
    switch (v.kind()) {
      case json::kind::string:
        node.op = Op::kString;
        node.text = std::string(View(v.get_string()));
        return node;
      case json::kind::bool_:
        node.op = Op::kBoolean;
        node.boolean = v.get_bool();
        return node;
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        return Number(v, path, std::move(node));
      case json::kind::array:
        return Array(v.get_array(), path, depth, std::move(node));
      case json::kind::object:
        return Object(v.get_object(), path, depth, std::move(node));
      case json::kind::null:
        return ErrorAt(path, "null is not a CQL2 value (to test for a missing value, use "
                             "{\"op\":\"isNull\",...})");
    }
    return ErrorAt(path, "not a CQL2 value");
  }

 private:
  absl::StatusOr<Node> Number(const json::value& v, const std::string& path, Node node) {
    node.op = Op::kNumber;
    node.number = v.to_number<double>();
    if (!std::isfinite(node.number)) return ErrorAt(path, "a number must be finite");
    char buffer[32];
    std::to_chars_result written;
    if (v.is_int64()) {
      written = std::to_chars(buffer, buffer + sizeof buffer, v.get_int64());
    } else if (v.is_uint64()) {
      written = std::to_chars(buffer, buffer + sizeof buffer, v.get_uint64());
    } else {
      written = std::to_chars(buffer, buffer + sizeof buffer, v.get_double());
    }
    node.text.assign(buffer, written.ptr);
    return node;
  }

  absl::StatusOr<Node> Array(const json::array& array, const std::string& path, int depth,
                             Node node) {
    if (array.size() > kMaxInList) {
      return ErrorAt(path, StrCat("a list has more than ", kMaxInList, " elements"));
    }
    node.op = Op::kArray;
    for (size_t i = 0; i < array.size(); ++i) {
      STACFED_ASSIGN_OR_RETURN(Node element,
                               Convert(array[i], StrCat(path, "[", i, "]"), depth + 1));
      node.args.push_back(std::move(element));
    }
    return node;
  }

  absl::StatusOr<Node> Object(const json::object& object, const std::string& path, int depth,
                              Node node) {
    if (const json::value* op = object.if_contains("op")) return Operator(object, *op, path, depth, std::move(node));
    if (const json::value* property = object.if_contains("property")) {
      if (!property->is_string() || property->get_string().empty()) {
        return ErrorAt(path, "\"property\" must be a non-empty string");
      }
      node.op = Op::kProperty;
      node.text = std::string(View(property->get_string()));
      return node;
    }
    if (const json::value* timestamp = object.if_contains("timestamp")) {
      return Instant(*timestamp, false, path, std::move(node));
    }
    if (const json::value* date = object.if_contains("date")) {
      return Instant(*date, true, path, std::move(node));
    }
    if (const json::value* interval = object.if_contains("interval")) {
      return Interval(*interval, path, depth, std::move(node));
    }
    if (const json::value* bbox = object.if_contains("bbox")) return Bbox(*bbox, path, std::move(node));
    if (object.contains("type")) {
      auto geometry = NormalizeGeometry(json::value(object));
      if (!geometry.ok()) return ErrorAt(path, ToStd(geometry.status().message()));
      node.op = Op::kGeometry;
      node.text = std::move(*geometry);
      return node;
    }
    return ErrorAt(path, "an object must be an operation {\"op\",\"args\"}, a {\"property\"}, "
                         "a {\"timestamp\"}, {\"date\"}, {\"interval\"}, {\"bbox\"} or a "
                         "GeoJSON geometry");
  }

  absl::StatusOr<Node> Operator(const json::object& object, const json::value& op_name,
                                const std::string& path, int depth, Node node) {
    if (!op_name.is_string() || !OpFromName(View(op_name.get_string()), node.op)) {
      return ErrorAt(path, StrCat("unknown operator ",
                                  op_name.is_string() ? StrCat("'", View(op_name.get_string()).substr(0, 40), "'")
                                                      : std::string("(not a string)")));
    }
    const json::value* args = object.if_contains("args");
    if (args == nullptr || !args->is_array()) {
      return ErrorAt(path, StrCat("\"", OpName(node.op), "\" needs an \"args\" array"));
    }
    const json::array* list_ptr = &args->get_array();
    // The form of drafts before CQL2 1.0 (stac-api-validator still sends it): "between" with
    // the bounds as one array, [value, [low, high]].
    json::array spread;
    if (node.op == Op::kBetween && list_ptr->size() == 2 && (*list_ptr)[1].is_array() &&
        (*list_ptr)[1].get_array().size() == 2) {
      spread = {(*list_ptr)[0], (*list_ptr)[1].get_array()[0], (*list_ptr)[1].get_array()[1]};
      list_ptr = &spread;
    }
    const json::array& list = *list_ptr;
    // stac-browser 4 wraps the one condition of its filter form in an "and" (or "or") of one
    // argument, which CQL2's schema does not allow: read it as that condition.
    if ((node.op == Op::kAnd || node.op == Op::kOr) && list.size() == 1) {
      return Convert(list[0], StrCat(path.empty() ? "" : StrCat(path, "."), "args[0]"), depth + 1);
    }
    const auto [min, max] = Arity(node.op);
    if (list.size() < min || list.size() > max) {
      return ErrorAt(path, StrCat("\"", OpName(node.op), "\" takes ",
                                  min == max ? StrCat(min) : StrCat(min, " or more"),
                                  " arguments, not ", list.size()));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      STACFED_ASSIGN_OR_RETURN(Node arg,
                               Convert(list[i], StrCat(path.empty() ? "" : StrCat(path, "."), "args[", i, "]"),
                                       depth + 1));
      node.args.push_back(std::move(arg));
    }
    if (node.op == Op::kIn && (node.args[1].op != Op::kArray || node.args[1].args.empty())) {
      return ErrorAt(path, "the second argument of \"in\" must be an array of one or more values");
    }
    return node;
  }

  absl::StatusOr<Node> Instant(const json::value& v, bool date, const std::string& path,
                               Node node) {
    if (!v.is_string()) return ErrorAt(path, date ? "\"date\" must be a string" : "\"timestamp\" must be a string");
    const std::string_view text = View(v.get_string());
    node.op = date ? Op::kDate : Op::kTimestamp;
    auto parsed = date ? (text.size() == 10 ? ParseRfc3339(StrCat(text, "T00:00:00Z"))
                                            : absl::StatusOr<Micros>(absl::InvalidArgumentError("")))
                       : ParseRfc3339(text);
    if (!parsed.ok()) {
      return ErrorAt(path, date ? StrCat("'", text.substr(0, 40), "' is not a date (YYYY-MM-DD)")
                                : StrCat("a timestamp must be an RFC 3339 date-time: ",
                                         parsed.status().message()));
    }
    node.time = *parsed;
    return node;
  }

  absl::StatusOr<Node> Interval(const json::value& v, const std::string& path, int depth,
                                Node node) {
    const json::array* bounds = v.if_array();
    if (bounds == nullptr || bounds->size() != 2) {
      return ErrorAt(path, "\"interval\" must be an array of two bounds");
    }
    node.op = Op::kInterval;
    for (size_t i = 0; i < 2; ++i) {
      const json::value& bound = (*bounds)[i];
      const std::string bound_path = StrCat(path, ".interval[", i, "]");
      Node converted;
      if (bound.is_string() && bound.get_string() == "..") {
        converted.op = Op::kTimestamp;
        converted.open = true;
      } else if (bound.is_string()) {
        STACFED_ASSIGN_OR_RETURN(converted, Instant(bound, bound.get_string().size() == 10,
                                                    bound_path, Node()));
      } else {
        STACFED_ASSIGN_OR_RETURN(converted, Convert(bound, bound_path, depth + 1));
      }
      node.args.push_back(std::move(converted));
    }
    return node;
  }

  absl::StatusOr<Node> Bbox(const json::value& v, const std::string& path, Node node) {
    const json::array* numbers = v.if_array();
    if (numbers == nullptr) return ErrorAt(path, "\"bbox\" must be an array of 4 or 6 numbers");
    std::vector<double> values;
    for (const json::value& n : *numbers) {
      if (!n.is_number()) return ErrorAt(path, "\"bbox\" must be an array of 4 or 6 numbers");
      values.push_back(n.to_number<double>());
    }
    auto polygon = BboxGeometry(values);
    if (!polygon.ok()) return ErrorAt(path, ToStd(polygon.status().message()));
    auto geometry = NormalizeGeometry(*polygon);
    if (!geometry.ok()) return ErrorAt(path, ToStd(geometry.status().message()));
    node.op = Op::kGeometry;
    node.text = std::move(*geometry);
    return node;
  }

  size_t nodes_ = 0;
};

}  // namespace

absl::StatusOr<Node> ParseJson(std::string_view text) {
  STACFED_ASSIGN_OR_RETURN(json::value value, ParseJsonExactly(text, "filter"));
  return FromJson(value);
}

absl::StatusOr<Node> FromJson(const json::value& value) {
  return Converter().Convert(value, "", 0);
}

}  // namespace stacfed::search::cql2
