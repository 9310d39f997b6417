// The portal's static-file rules (server/portal/static_files.hpp), without sockets; the
// routes over a real server are in conformance/test_portal.py.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/portal/static_files.hpp"

namespace stacfed::portal {
namespace {

using Segments = std::vector<std::string>;

TEST_CASE("portal: request paths name files below /browser/ only", "[portal]") {
  CHECK(*FileSegments("/browser") == Segments{});
  CHECK(*FileSegments("/browser/") == Segments{});
  CHECK(*FileSegments("/browser/js/app.302e0f90.js") == Segments{"js", "app.302e0f90.js"});
  CHECK(*FileSegments("/browser/catalogs/esgf/") == Segments{"catalogs", "esgf"});
  CHECK(*FileSegments("/browser/collections/my%20coll") == Segments{"collections", "my coll"});
  for (const char* bad : {"/browser/../sql/0001_core.sql", "/browser/js/../../x",
                          "/browser/%2e%2e/x", "/browser/./index.html", "/browser/.stamp",
                          "/browser/js/%2F..%2Fx", "/browser/a%5Cb", "/browser/a%00b",
                          "/browser//x", "/browserx", "/other/index.html"}) {
    INFO(bad);
    CHECK_FALSE(FileSegments(bad).ok());
  }
}

TEST_CASE("portal: media types by extension", "[portal]") {
  CHECK(ContentTypeFor("index.html") == "text/html; charset=utf-8");
  CHECK(ContentTypeFor("app.302e0f90.js") == "text/javascript; charset=utf-8");
  CHECK(ContentTypeFor("app.4851dafa.css") == "text/css; charset=utf-8");
  CHECK(ContentTypeFor("logo.8a3b2c1d.SVG") == "image/svg+xml");
  CHECK(ContentTypeFor("font.woff2") == "font/woff2");
  CHECK(ContentTypeFor("README") == "application/octet-stream");
  CHECK(ContentTypeFor("x.exe") == "application/octet-stream");
}

TEST_CASE("portal: hashed assets are immutable, the rest is revalidated", "[portal]") {
  CHECK(IsHashedAsset("app.302e0f90.js"));
  CHECK(IsHashedAsset("1015.de8eb7d8.css"));
  CHECK(IsHashedAsset("chunk-vendors.7a02af77.js"));
  CHECK_FALSE(IsHashedAsset("index.html"));
  CHECK_FALSE(IsHashedAsset("sw.js"));
  CHECK_FALSE(IsHashedAsset("app.notahash.js"));
  CHECK_FALSE(IsHashedAsset("app.302e0f9.js"));  // 7 digits
}

TEST_CASE("portal: deep links are pages, missing assets are not", "[portal]") {
  const Segments dirs = {"js", "css", "img"};
  CHECK(IsAppRoute({}, dirs));
  CHECK(IsAppRoute({"catalogs", "esgf"}, dirs));
  CHECK(IsAppRoute({"collections", "CMIP6.ScenarioMIP", "items", "tas.v20200101"}, dirs));
  CHECK(IsAppRoute({"search"}, dirs));
  CHECK_FALSE(IsAppRoute({"js", "missing.0123abcd.js"}, dirs));
  CHECK_FALSE(IsAppRoute({"img", "x"}, dirs));
  CHECK_FALSE(IsAppRoute({"favicon.ico"}, dirs));
}

TEST_CASE("portal: run-time configuration names the root exactly", "[portal]") {
  CHECK(ConfigScript("http://127.0.0.1:8080", "Climate \"data\"") ==
        "window.STAC_BROWSER_CONFIG = {\"catalogUrl\":\"http://127.0.0.1:8080/\","
        "\"catalogTitle\":\"Climate \\\"data\\\"\"};\n");
  CHECK(MissingPortalPage().find("portal/build.sh") != std::string::npos);
}

TEST_CASE("portal: a browser's navigation prefers HTML, API clients JSON", "[portal]") {
  // Chromium and Firefox navigating.
  CHECK(PrefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                    "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"));
  CHECK(PrefersHtml("text/html"));
  CHECK_FALSE(PrefersHtml(""));
  CHECK_FALSE(PrefersHtml("*/*"));
  CHECK_FALSE(PrefersHtml("application/json"));
  CHECK_FALSE(PrefersHtml("application/json, text/plain, */*"));  // axios (stac-browser)
  CHECK_FALSE(PrefersHtml("text/html;q=0.5, application/json"));
  CHECK_FALSE(PrefersHtml("text/html;q=0, */*"));
  CHECK(PrefersHtml("text/html, application/json;q=0.9"));
}

}  // namespace
}  // namespace stacfed::portal
