#include "server/export/export_request.hpp"

#include <boost/json/parse.hpp>
#include <charconv>
#include <boost/json/serialize.hpp>
#include <boost/url/url.hpp>

#include "absl/strings/ascii.h"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/params.hpp"

namespace stacfed::exports {
namespace {

namespace json = boost::json;

bool IsSiteId(std::string_view site) {
  if (site.empty() || site.size() > 64) return false;
  for (char c : site) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// A scalar member as GET writes it (a double as its shortest text: 40.5, not 4.05E1);
// nullopt for arrays, objects and null.
std::optional<std::string> ScalarText(const json::value& value) {
  if (const json::string* s = value.if_string()) return std::string(s->data(), s->size());
  if (value.is_double()) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
    if (ec == std::errc()) return std::string(buffer, end);
  }
  if (value.is_number() || value.is_bool()) return json::serialize(value);
  return std::nullopt;
}

// A JSON array as a comma-separated list (sortby objects as field/-field).
std::optional<std::string> ListText(const json::array& array) {
  std::string text;
  for (const json::value& element : array) {
    std::optional<std::string> part;
    if (const json::object* sort = element.if_object()) {
      const json::value* field = sort->if_contains("field");
      const json::value* direction = sort->if_contains("direction");
      if (field == nullptr || !field->is_string()) return std::nullopt;
      const bool descending =
          direction != nullptr && direction->is_string() && direction->get_string() == "desc";
      // Ascending without its '+': a '+' in a query string may be read as a space.
      part = StrCat(descending ? "-" : "", std::string_view(field->get_string()));
    } else {
      part = ScalarText(element);
    }
    if (!part || part->find(',') != std::string::npos) return std::nullopt;
    if (!text.empty()) text += ',';
    text += *part;
  }
  return text;
}

// The Fields extension's object as its GET form: include as is, exclude with '-'.
std::optional<std::string> FieldsText(const json::object& fields) {
  std::string text;
  for (const auto& [member, sign] : {std::pair{"include", ""}, std::pair{"exclude", "-"}}) {
    const json::value* list = fields.if_contains(member);
    if (list == nullptr || list->is_null()) continue;
    if (!list->is_array()) return std::nullopt;
    for (const json::value& name : list->get_array()) {
      if (!name.is_string()) return std::nullopt;
      if (!text.empty()) text += ',';
      StrAppend(&text, sign, std::string_view(name.get_string()));
    }
  }
  return text;
}

}  // namespace

absl::StatusOr<ExportRequest> ParseExportQuery(const search::QueryParams& params) {
  ExportRequest request;
  bool site_seen = false;
  for (const auto& [name, value] : params) {
    if (name == kClientSiteParameter) {
      // The same site twice is one (as in a search: search::Parameter::same_value_repeats).
      if (site_seen && value == request.client_site) continue;
      if (site_seen) {
        return absl::InvalidArgumentError("parameter 'client_site' is given more than once");
      }
      site_seen = true;
      if (!IsSiteId(value)) {
        return absl::InvalidArgumentError(StrCat(
            "client_site '", Excerpt(value, 100),
            "' is not a site id: 1 to 64 letters, digits, '.', '_' or '-'"));
      }
      request.client_site = value;
    } else if (name != "token") {
      request.search_params.emplace_back(name, value);
    }
  }
  STACFED_ASSIGN_OR_RETURN(request.search,
                           search::ParseQuery(request.search_params, search::Family::kItemSearch));
  return request;
}

std::optional<std::string> QueryFromBody(std::string_view body_without_token) {
  boost::system::error_code ec;
  json::value body = json::parse(body_without_token, ec);
  if (ec || !body.is_object()) return std::nullopt;
  const json::object& members = body.get_object();
  boost::urls::url url;
  auto params = url.params();
  for (const auto& member : members) {
    const std::string_view name(member.key().data(), member.key().size());
    const json::value& value = member.value();
    if (name == "token" || value.is_null()) continue;
    std::optional<std::string> text = ScalarText(value);
    if (!text && value.is_array()) text = ListText(value.get_array());
    if (!text && value.is_object()) {
      if (name == "fields") {
        text = FieldsText(value.get_object());
      } else if (name == "filter" || name == "query" || name == "intersects") {
        text = json::serialize(value);
      }
    }
    if (!text) return std::nullopt;
    params.append({name, *text});
  }
  // A JSON filter in GET names its language (POST assumes cql2-json for an object).
  const json::value* filter = members.if_contains("filter");
  if (filter != nullptr && filter->is_object() && !members.contains("filter-lang")) {
    params.append({"filter-lang", "cql2-json"});
  }
  return std::string(url.encoded_query());
}

void AppendExportLinks(std::string& out, std::string_view export_url, std::string_view query) {
  const std::string suffix = query.empty() ? std::string() : StrCat("?", query);
  out += R"(,{"rel":"alternate","type":)";
  AppendJsonString(out, kIntakeEsmType);
  out += R"(,"title":"This search as an intake-esm catalog","href":)";
  AppendJsonString(out, StrCat(export_url, "/intake-esm.json", suffix));
  out += R"(},{"rel":"alternate","type":)";
  AppendJsonString(out, kPythonType);
  out += R"(,"title":"Open this search with xarray","href":)";
  AppendJsonString(out, StrCat(export_url, "/xarray.py", suffix));
  out += '}';
}

}  // namespace stacfed::exports
