#include "server/api/landing.hpp"

#include "libstac/base/env.hpp"
#include "libstac/base/strings.hpp"
#include "server/api/aggregate_handlers.hpp"
#include "server/api/links.hpp"
#include "server/api/queryables_render.hpp"
#include "server/search/modules.hpp"

namespace stacfed::api {

LandingInfo LandingInfoFromEnv() {
  LandingInfo info;
  info.id = GetEnvOr("STACFED_CATALOG_ID", info.id);
  info.title = GetEnvOr("STACFED_CATALOG_TITLE", info.title);
  info.description = GetEnvOr("STACFED_CATALOG_DESCRIPTION", info.description);
  return info;
}

std::string RenderLanding(const LandingInfo& info, std::string_view base_url,
                          std::string_view child_links) {
  const std::string root = StrCat(base_url, "/");
  std::string out;
  out.reserve(2048 + child_links.size());
  out += R"({"type":"Catalog","stac_version":"1.0.0","id":)";
  AppendJsonString(out, info.id);
  out += R"(,"title":)";
  AppendJsonString(out, info.title);
  out += R"(,"description":)";
  AppendJsonString(out, info.description);
  out += ',';
  search::AppendConformsTo(out);
  out += R"(,"links":[)";
  AppendLink(out, "self", kJson, root);
  out += ',';
  AppendLink(out, "root", kJson, root);
  out += ',';
  AppendLink(out, "service-desc", kOpenApiJson, StrCat(base_url, "/api"));
  out += ',';
  AppendLink(out, "service-doc", "text/html", StrCat(base_url, "/api.html"));
  out += ',';
  AppendLink(out, "conformance", kJson, StrCat(base_url, "/conformance"));
  out += ',';
  AppendLink(out, "data", kJson, StrCat(base_url, "/collections"));
  out += ',';
  AppendLink(out, "catalogs", kJson, StrCat(base_url, "/catalogs"));
  out += ',';
  AppendLink(out, "search", kGeoJson, StrCat(base_url, "/search"), "GET");
  out += ',';
  AppendLink(out, "search", kGeoJson, StrCat(base_url, "/search"), "POST");
  out += ',';
  AppendLink(out, kQueryablesRel, kSchemaJson, StrCat(base_url, "/queryables"));
  out += ',';
  AppendLink(out, kSortablesRel, kSchemaJson, StrCat(base_url, "/sortables"));
  AppendAggregateLinks(out, base_url);
  AppendPortalLink(out, base_url, root);
  if (!child_links.empty()) {
    out += ',';
    out += child_links;
  }
  out += "]}";
  return out;
}

std::string RenderConformance(bool browseable) {
  std::string out = "{";
  search::AppendConformsTo(out, browseable);
  out += '}';
  return out;
}

}  // namespace stacfed::api
