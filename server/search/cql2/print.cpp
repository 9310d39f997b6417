#include "server/search/cql2/print.hpp"

#include "libstac/base/strings.hpp"
#include "libstac/model/facets.hpp"

namespace stacfed::search::cql2 {
namespace {

void AppendJson(std::string& out, const Node& node);

void AppendArgs(std::string& out, const std::vector<Node>& args) {
  out += '[';
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ',';
    AppendJson(out, args[i]);
  }
  out += ']';
}

void AppendJson(std::string& out, const Node& node) {
  switch (node.op) {
    case Op::kProperty:
      out += R"({"property":)";
      AppendJsonString(out, node.text);
      out += '}';
      return;
    case Op::kString:
      AppendJsonString(out, node.text);
      return;
    case Op::kNumber:
      // Canonical JSON, not the text as written (cql2-text allows "+1", ".5", "-0").
      out += FacetNumberText(node.number == 0 ? 0.0 : node.number);
      return;
    case Op::kBoolean:
      out += node.boolean ? "true" : "false";
      return;
    case Op::kTimestamp:
      if (node.open) {
        out += R"("..")";
      } else {
        out += R"({"timestamp":)";
        AppendJsonString(out, FormatRfc3339(node.time));
        out += '}';
      }
      return;
    case Op::kDate:
      out += R"({"date":)";
      AppendJsonString(out, FormatRfc3339(node.time).substr(0, 10));
      out += '}';
      return;
    case Op::kInterval:
      out += R"({"interval":)";
      AppendArgs(out, node.args);
      out += '}';
      return;
    case Op::kGeometry:
      out += node.text;
      return;
    case Op::kArray:
      AppendArgs(out, node.args);
      return;
    default:
      out += R"({"op":)";
      AppendJsonString(out, OpName(node.op));
      out += R"(,"args":)";
      AppendArgs(out, node.args);
      out += '}';
  }
}

}  // namespace

std::string ToJson(const Node& node) {
  std::string out;
  AppendJson(out, node);
  return out;
}

}  // namespace stacfed::search::cql2
