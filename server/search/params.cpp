#include "server/search/params.hpp"

#include <boost/json/serialize.hpp>
#include <cmath>
#include <map>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/json.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

// Boost.JSON reads 1e400 as infinity: a body may hold only finite numbers.
absl::Status CheckFiniteNumbers(const json::value& v, int depth = 0) {
  if (depth > 64) return absl::InvalidArgumentError("the request body nests too deeply");
  if (v.is_double() && !std::isfinite(v.get_double())) {
    return absl::InvalidArgumentError(
        "the request body holds a number beyond the range of a double (such as 1e400)");
  }
  if (const json::array* a = v.if_array()) {
    for (const json::value& item : *a) STACFED_RETURN_IF_ERROR(CheckFiniteNumbers(item, depth + 1));
  } else if (const json::object* o = v.if_object()) {
    for (const auto& member : *o) {
      STACFED_RETURN_IF_ERROR(CheckFiniteNumbers(member.value(), depth + 1));
    }
  }
  return absl::OkStatus();
}

absl::Status Finish(SearchRequest& request, Family family) {
  for (const Module* module : EnabledModules()) {
    STACFED_RETURN_IF_ERROR(module->Finish(request, family));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SearchRequest> ParseQuery(const QueryParams& params, Family family,
                                         std::string_view path_collection) {
  SearchRequest request;
  std::map<std::string_view, std::string_view> seen;  // name -> its value
  for (const auto& [name, value] : params) {
    const Parameter* parameter = FindParameter(family, name);
    if (parameter == nullptr) {
      return absl::InvalidArgumentError(StrCat("unknown query parameter '", name,
                                               "'; supported: ", ParameterNames(family)));
    }
    const auto [first, inserted] = seen.emplace(name, value);
    if (!inserted) {
      if (parameter->same_value_repeats && first->second == value) continue;
      return absl::InvalidArgumentError(StrCat("parameter '", name, "' is given more than once"));
    }
    STACFED_RETURN_IF_ERROR(parameter->from_query(value, request));
  }
  if (!path_collection.empty()) request.collections = {std::string(path_collection)};
  STACFED_RETURN_IF_ERROR(Finish(request, family));
  return request;
}

absl::StatusOr<ParsedBody> ParseBody(std::string_view body, Family family) {
  auto parsed_json = ParseJsonExactly(body, "the request body");
  if (!parsed_json.ok()) return parsed_json.status();
  json::value& v = *parsed_json;
  json::object* object = v.if_object();
  if (object == nullptr) return absl::InvalidArgumentError("the request body must be a JSON object");
  STACFED_RETURN_IF_ERROR(CheckFiniteNumbers(v));
  ParsedBody parsed;
  for (const auto& member : *object) {
    const std::string_view name(member.key().data(), member.key().size());
    const Parameter* parameter = FindParameter(family, name);
    if (parameter == nullptr) {
      return absl::InvalidArgumentError(
          StrCat("unknown search parameter '", name, "'; supported: ", ParameterNames(family)));
    }
    if (member.value().is_null() && parameter->null_is_absent) continue;
    STACFED_RETURN_IF_ERROR(parameter->from_json(member.value(), parsed.request));
  }
  STACFED_RETURN_IF_ERROR(Finish(parsed.request, family));
  object->erase("token");
  parsed.body_without_token = json::serialize(v);
  return parsed;
}

}  // namespace stacfed::search
