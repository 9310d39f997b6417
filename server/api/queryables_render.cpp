#include "server/api/queryables_render.hpp"

#include "libstac/base/strings.hpp"

namespace stacfed::api {
namespace {

using search::Queryable;
using search::ValueType;

// The JSON Schema of one value of a queryable's type (of an element, for arrays).
void AppendValueSchema(std::string& out, const Queryable& q) {
  switch (q.type) {
    case ValueType::kString:
      out += R"("type":"string")";
      break;
    case ValueType::kNumber:
      out += R"("type":"number")";
      break;
    case ValueType::kInteger:
      out += R"("type":"integer")";
      break;
    case ValueType::kBoolean:
      out += R"("type":"boolean")";
      break;
    case ValueType::kTimestamp:
      out += R"("type":"string","format":"date-time")";
      break;
    case ValueType::kGeometry:
      out += R"("$ref":"https://geojson.org/schema/Geometry.json")";
      return;
    case ValueType::kAny:
      out += R"("type":["string","number","boolean"])";
      return;
  }
  if (!q.values.empty() && q.values.size() <= search::kMaxEnumValues) {
    out += R"(,"enum":[)";
    for (size_t i = 0; i < q.values.size(); ++i) {
      if (i > 0) out += ',';
      out += q.values[i];  // JSON text already
    }
    out += ']';
  }
}

}  // namespace

std::string RenderQueryables(const search::Queryables& queryables, std::string_view self_href,
                             std::string_view title) {
  std::string out = R"({"$schema":"https://json-schema.org/draft/2019-09/schema","$id":)";
  AppendJsonString(out, self_href);
  out += R"(,"type":"object","title":)";
  AppendJsonString(out, title);
  out += R"(,"properties":{)";
  bool first = true;
  for (const auto& [name, q] : queryables.all()) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, name);
    out += R"(:{"title":)";
    AppendJsonString(out, name);
    out += R"(,"description":)";
    AppendJsonString(out, q.description);
    out += ',';
    if (q.array) {
      out += R"("type":"array","items":{)";
      AppendValueSchema(out, q);
      out += '}';
    } else {
      AppendValueSchema(out, q);
    }
    out += '}';
  }
  // A filter naming a property outside the list is refused (400), as the schema says.
  out += R"(},"additionalProperties":false})";
  return out;
}

}  // namespace stacfed::api
