#include "server/api/openapi.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "libstac/base/strings.hpp"

namespace stacfed::api {

extern const std::string_view kOpenApiDocument;

namespace {

namespace json = boost::json;

std::string_view View(const json::string& s) { return {s.data(), s.size()}; }

void AppendHtml(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
}

std::string_view StringOr(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(json::string_view(key.data(), key.size()));
  return v != nullptr && v->is_string() ? View(v->get_string()) : std::string_view();
}

// Follows a local "$ref" ("#/components/parameters/limit") within the document.
const json::object& Resolve(const json::object& root, const json::object& object) {
  std::string_view ref = StringOr(object, "$ref");
  if (!ref.starts_with("#/")) return object;
  ref.remove_prefix(2);
  const json::object* at = &root;
  while (!ref.empty()) {
    const size_t slash = ref.find('/');
    const std::string_view key = ref.substr(0, slash);
    const json::value* next = at->if_contains(json::string_view(key.data(), key.size()));
    if (next == nullptr || !next->is_object()) return object;
    at = &next->get_object();
    ref.remove_prefix(slash == std::string_view::npos ? ref.size() : slash + 1);
  }
  return *at;
}

void AppendParameters(std::string& out, const json::object& root, const json::array& parameters) {
  out += "<table><tr><th>name</th><th>in</th><th>required</th><th>schema</th>"
         "<th>description</th></tr>";
  for (const json::value& p : parameters) {
    if (!p.is_object()) continue;
    const json::object& parameter = Resolve(root, p.get_object());
    out += "<tr><td><code>";
    AppendHtml(out, StringOr(parameter, "name"));
    out += "</code></td><td>";
    AppendHtml(out, StringOr(parameter, "in"));
    const json::value* required = parameter.if_contains("required");
    out += required != nullptr && required->is_bool() && required->get_bool() ? "</td><td>yes"
                                                                              : "</td><td>no";
    out += "</td><td><code>";
    if (const json::value* schema = parameter.if_contains("schema")) {
      AppendHtml(out, json::serialize(*schema));
    }
    out += "</code></td><td>";
    AppendHtml(out, StringOr(parameter, "description"));
    out += "</td></tr>";
  }
  out += "</table>";
}

std::string BuildHtml() {
  boost::system::error_code ec;
  const json::value document = json::parse(
      json::string_view(kOpenApiDocument.data(), kOpenApiDocument.size()), ec);
  if (ec || !document.is_object()) return "<!doctype html><title>API</title><p>unavailable</p>";
  const json::object& root = document.get_object();
  const json::object& info = root.at("info").get_object();
  std::string out =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
  AppendHtml(out, StringOr(info, "title"));
  out +=
      "</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
      "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;"
      "text-align:left;vertical-align:top}code{font-size:.9em}h3{margin-top:2em}"
      ".method{font-weight:bold;text-transform:uppercase}</style></head><body><h1>";
  AppendHtml(out, StringOr(info, "title"));
  out += "</h1><p>Machine-readable: <a href=\"api\">OpenAPI 3.0 document</a>.</p>";
  const std::string_view description = StringOr(info, "description");
  for (size_t start = 0; start < description.size();) {
    const size_t end = std::min(description.find("\n\n", start), description.size());
    out += "<p>";
    AppendHtml(out, description.substr(start, end - start));
    out += "</p>";
    start = end + 2;
  }
  for (const auto& [path, operations] : root.at("paths").get_object()) {
    for (const auto& [method, operation_value] : operations.get_object()) {
      const json::object& operation = operation_value.get_object();
      out += "<h3><span class=\"method\">";
      AppendHtml(out, View(json::string(method)));
      out += "</span> <code>";
      AppendHtml(out, View(json::string(path)));
      out += "</code>: ";
      AppendHtml(out, StringOr(operation, "summary"));
      out += "</h3><p>";
      AppendHtml(out, StringOr(operation, "description"));
      out += "</p>";
      if (const json::value* parameters = operation.if_contains("parameters")) {
        AppendParameters(out, root, parameters->get_array());
      }
    }
  }
  out += "</body></html>";
  return out;
}

}  // namespace

std::string RenderOpenApi(std::string_view base_url) {
  // The document starts with '{': the servers entry goes in front of its members.
  std::string out;
  out.reserve(kOpenApiDocument.size() + base_url.size() + 32);
  out += R"({"servers":[{"url":)";
  AppendJsonString(out, base_url.empty() ? std::string_view("/") : base_url);
  out += "}],";
  const size_t brace = kOpenApiDocument.find('{');
  out += kOpenApiDocument.substr(brace == std::string_view::npos ? 0 : brace + 1);
  return out;
}

const std::string& OpenApiHtml() {
  static const std::string html = BuildHtml();
  return html;
}

}  // namespace stacfed::api
