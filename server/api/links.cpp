#include "server/api/links.hpp"

#include <algorithm>

#include "libstac/base/strings.hpp"

namespace stacfed::api {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string CollectionUrl(std::string_view base_url, std::string_view collection) {
  return StrCat(base_url, "/collections/", PercentEncode(collection));
}

std::string CatalogUrl(std::string_view base_url, std::string_view catalog_id) {
  return StrCat(base_url, "/catalogs/", PercentEncode(catalog_id));
}

std::string PortalUrl(std::string_view base_url, std::string_view api_url) {
  std::string_view below = api_url.substr(std::min(base_url.size(), api_url.size()));
  if (below.starts_with('/')) below.remove_prefix(1);
  return StrCat(base_url, "/browser/", below);
}

void AppendPortalLink(std::string& out, std::string_view base_url, std::string_view api_url) {
  out += ',';
  AppendLink(out, "alternate", "text/html", PortalUrl(base_url, api_url));
  out.pop_back();  // reopen the link object for its title
  out += R"(,"title":"Browse this catalog"})";
}

LinkScope LinkScope::Root(std::string_view base_url) {
  return LinkScope{std::string(base_url), std::string(), std::string(base_url)};
}

LinkScope LinkScope::Catalog(std::string_view base_url, std::string_view catalog) {
  if (catalog.empty()) return Root(base_url);
  return LinkScope{std::string(base_url), std::string(catalog), CatalogUrl(base_url, catalog)};
}

std::string ItemsUrl(std::string_view base_url, std::string_view collection) {
  return StrCat(base_url, "/collections/", PercentEncode(collection), "/items");
}

std::string ItemUrl(std::string_view base_url, std::string_view collection, std::string_view id) {
  return StrCat(base_url, "/collections/", PercentEncode(collection), "/items/",
                PercentEncode(id));
}

void AppendLink(std::string& out, std::string_view rel, std::string_view type,
                std::string_view href, std::string_view method) {
  out += R"({"rel":)";
  AppendJsonString(out, rel);
  if (!type.empty()) {
    out += R"(,"type":)";
    AppendJsonString(out, type);
  }
  out += R"(,"href":)";
  AppendJsonString(out, href);
  if (!method.empty()) {
    out += R"(,"method":)";
    AppendJsonString(out, method);
  }
  out += '}';
}

std::string_view StoredLinksInner(std::string_view links_array) {
  std::string_view s = Trim(links_array);
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return {};
  return Trim(s.substr(1, s.size() - 2));
}

std::string_view MembersAfterBrace(std::string_view object_json) {
  std::string_view s = Trim(object_json);
  if (s.empty() || s.front() != '{') return {};
  s.remove_prefix(1);
  std::string_view rest = Trim(s);
  return rest == "}" ? std::string_view() : s;
}

std::string QueryWithoutToken(std::string_view raw_query) {
  std::string out;
  out.reserve(raw_query.size() + 8);
  while (!raw_query.empty()) {
    const size_t amp = raw_query.find('&');
    const std::string_view part = raw_query.substr(0, amp);
    const std::string_view key = part.substr(0, part.find('='));
    if (!part.empty() && key != "token") {
      if (!out.empty()) out += '&';
      out += part;
    }
    if (amp == std::string_view::npos) break;
    raw_query.remove_prefix(amp + 1);
  }
  return out;
}

std::string QueryWithToken(std::string_view raw_query, std::string_view token) {
  std::string out = QueryWithoutToken(raw_query);
  out.reserve(out.size() + token.size() + 8);
  if (!out.empty()) out += '&';
  StrAppend(&out, "token=", token);
  return out;
}

}  // namespace stacfed::api
