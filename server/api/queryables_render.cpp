#include "server/api/queryables_render.hpp"

#include "libstac/base/strings.hpp"
#include "server/search/sort.hpp"

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

// The schema of the queryables `keep` accepts.
template <typename Keep>
std::string RenderSchema(const search::Queryables& queryables, std::string_view schema,
                         std::string_view self_href, std::string_view title, bool open,
                         Keep keep) {
  std::string out = R"({"$schema":)";
  AppendJsonString(out, schema);
  out += R"(,"$id":)";
  AppendJsonString(out, self_href);
  out += R"(,"type":"object","title":)";
  AppendJsonString(out, title);
  out += R"(,"properties":{)";
  bool first = true;
  for (const auto& [name, q] : queryables.all()) {
    if (!keep(q)) continue;
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
  // A filter naming a property outside the list is refused (400), as the schema says; but
  // in an open list (collection summaries) any other name is a property.
  out += open ? R"(},"additionalProperties":true})" : R"(},"additionalProperties":false})";
  return out;
}

}  // namespace

std::string RenderQueryables(const search::Queryables& queryables, std::string_view self_href,
                             std::string_view title) {
  return RenderSchema(queryables, "https://json-schema.org/draft/2019-09/schema", self_href, title,
                      queryables.open(), [](const Queryable&) { return true; });
}

std::string RenderSortables(const search::Queryables& queryables, std::string_view self_href,
                            std::string_view title) {
  return RenderSchema(queryables, "https://json-schema.org/draft/2020-12/schema", self_href, title,
                      false, [](const Queryable& q) { return search::IsSortable(q); });
}

std::string RenderPropertySchema(PropertySchema schema, const search::Queryables& queryables,
                                 std::string_view self_href, std::string_view subject) {
  if (schema == PropertySchema::kSortables) {
    return RenderSortables(queryables, self_href, StrCat("Sortables of ", subject));
  }
  return RenderQueryables(queryables, self_href, StrCat("Queryables of ", subject));
}

}  // namespace stacfed::api
