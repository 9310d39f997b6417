// Landing page, conformance, OpenAPI document, links and single-document rendering.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "server/api/landing.hpp"
#include "server/api/links.hpp"
#include "server/search/modules.hpp"
#include "server/api/openapi.hpp"
#include "server/api/render.hpp"

namespace stacfed::api {
namespace {

namespace json = boost::json;

json::value Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  INFO(text);
  REQUIRE_FALSE(ec);
  return v;
}

std::string Str(const json::value& v) { return std::string(v.as_string().c_str()); }

const json::object* FindLink(const json::value& document, std::string_view rel,
                             std::string_view method = {}) {
  for (const json::value& link : document.at("links").as_array()) {
    const json::object& object = link.as_object();
    if (Str(object.at("rel")) != rel) continue;
    if (!method.empty() && (!object.contains("method") || Str(object.at("method")) != method)) {
      continue;
    }
    return &object;
  }
  return nullptr;
}

TEST_CASE("landing page has every required link and conformance class", "[api][landing]") {
  const json::value landing = Parse(RenderLanding(LandingInfo{}, "http://h:1"));
  CHECK(Str(landing.at("type")) == "Catalog");
  CHECK(Str(landing.at("stac_version")) == "1.0.0");
  CHECK(landing.as_object().contains("id"));
  CHECK(landing.as_object().contains("description"));
  struct Expected {
    const char* rel;
    const char* type;
    const char* href;
    const char* method;
  };
  for (const Expected& e : {
           Expected{"self", "application/json", "http://h:1/", ""},
           Expected{"root", "application/json", "http://h:1/", ""},
           Expected{"service-desc", "application/vnd.oai.openapi+json;version=3.0",
                    "http://h:1/api", ""},
           Expected{"service-doc", "text/html", "http://h:1/api.html", ""},
           Expected{"conformance", "application/json", "http://h:1/conformance", ""},
           Expected{"data", "application/json", "http://h:1/collections", ""},
           Expected{"search", "application/geo+json", "http://h:1/search", "GET"},
           Expected{"search", "application/geo+json", "http://h:1/search", "POST"},
       }) {
    INFO(e.rel << " " << e.method);
    const json::object* link = FindLink(landing, e.rel, e.method);
    REQUIRE(link != nullptr);
    CHECK(Str(link->at("type")) == e.type);
    CHECK(Str(link->at("href")) == e.href);
  }
  const json::array& conforms = landing.at("conformsTo").as_array();
  for (const char* uri : {
           "https://api.stacspec.org/v1.0.0/core",
           "https://api.stacspec.org/v1.0.0/collections",
           "https://api.stacspec.org/v1.0.0/ogcapi-features",
           "https://api.stacspec.org/v1.0.0/item-search",
           "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
           "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
           "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
       }) {
    INFO(uri);
    CHECK(std::find(conforms.begin(), conforms.end(), json::value(uri)) != conforms.end());
  }
  // /conformance is the same sorted list.
  CHECK(Parse(RenderConformance()).at("conformsTo") == landing.at("conformsTo"));
  CHECK(std::is_sorted(search::ConformanceUris().begin(), search::ConformanceUris().end()));
}

TEST_CASE("OpenAPI document advertises limits and every endpoint", "[api][openapi]") {
  const json::value api = Parse(RenderOpenApi("http://h:1"));
  CHECK(Str(api.at("openapi")).starts_with("3.0"));
  CHECK(Str(api.at("servers").at(0).at("url")) == "http://h:1");
  const json::object& limit =
      api.at("components").at("parameters").at("limit").at("schema").as_object();
  CHECK(limit.at("minimum") == 1);
  CHECK(limit.at("maximum") == 10000);
  CHECK(limit.at("default") == 10);
  const json::object& paths = api.at("paths").as_object();
  for (const char* path : {"/", "/conformance", "/api", "/collections", "/collections/{collectionId}",
                           "/collections/{collectionId}/items",
                           "/collections/{collectionId}/items/{featureId}", "/search"}) {
    INFO(path);
    CHECK(paths.contains(path));
  }
  CHECK(paths.at("/search").as_object().contains("post"));
  const std::string& html = OpenApiHtml();
  CHECK(html.starts_with("<!doctype html>"));
  CHECK(html.find("/collections/{collectionId}/items") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
}

TEST_CASE("link helpers", "[api][links]") {
  CHECK(ItemUrl("http://h", "a b", "x/y") == "http://h/collections/a%20b/items/x%2Fy");
  CHECK(QueryWithToken("", "T") == "token=T");
  CHECK(QueryWithToken("limit=5&token=OLD&bbox=1,2,3,4", "T") == "limit=5&bbox=1,2,3,4&token=T");
  CHECK(StoredLinksInner("") == "");
  CHECK(StoredLinksInner(" [ ] ") == "");
  CHECK(StoredLinksInner(R"([{"rel":"license"}])") == R"({"rel":"license"})");
  CHECK(MembersAfterBrace("{}") == "");
  CHECK(MembersAfterBrace(R"({"id":"x"})") == R"("id":"x"})");
}

TEST_CASE("items and collections get generated links before their stored members",
          "[api][render]") {
  const json::value item = Parse(RenderItem(
      LinkScope::Root("http://h"), "c 1", "i1", R"({"type":"Feature","id":"i1","properties":{}})",
      R"([{"rel":"license","href":"https://l"}])"));
  CHECK(Str(item.at("id")) == "i1");
  CHECK(Str(FindLink(item, "self")->at("href")) == "http://h/collections/c%201/items/i1");
  CHECK(Str(FindLink(item, "self")->at("type")) == "application/geo+json");
  CHECK(Str(FindLink(item, "parent")->at("href")) == "http://h/collections/c%201");
  CHECK(Str(FindLink(item, "collection")->at("href")) == "http://h/collections/c%201");
  CHECK(Str(FindLink(item, "root")->at("href")) == "http://h/");
  CHECK(FindLink(item, "license") != nullptr);
  // An item without members and without stored links is still valid JSON.
  CHECK(Parse(RenderItem(LinkScope::Root("http://h"), "c", "i", "{}", ""))
            .at("links").as_array().size() == 4);
  CHECK(FindLink(item, "canonical") == nullptr);

  // Inside a catalog's API: its URLs, one canonical link to the root's.
  const json::value scoped = Parse(RenderItem(LinkScope::Catalog("http://h", "esgf/west"), "c 1",
                                              "i1", "{}", ""));
  CHECK(Str(FindLink(scoped, "self")->at("href")) ==
        "http://h/catalogs/esgf%2Fwest/collections/c%201/items/i1");
  CHECK(Str(FindLink(scoped, "parent")->at("href")) ==
        "http://h/catalogs/esgf%2Fwest/collections/c%201");
  CHECK(Str(FindLink(scoped, "root")->at("href")) == "http://h/");
  CHECK(Str(FindLink(scoped, "canonical")->at("href")) == "http://h/collections/c%201/items/i1");

  const json::value collection = Parse(RenderCollection(
      LinkScope::Root("http://h"), "c1", R"({"type": "Collection", "id": "c1"})", "[]",
      "http://h/collections/c1?x=1"));
  CHECK(Str(FindLink(collection, "self")->at("href")) == "http://h/collections/c1?x=1");
  CHECK(Str(FindLink(collection, "parent")->at("href")) == "http://h/");
  CHECK(Str(FindLink(collection, "items")->at("type")) == "application/geo+json");
  CHECK(Str(FindLink(collection, "items")->at("href")) == "http://h/collections/c1/items");
}

}  // namespace
}  // namespace stacfed::api
