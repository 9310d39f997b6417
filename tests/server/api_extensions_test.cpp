// The extension documents compiled into the binary (server/api/extensions.hpp): the same bytes
// as the files in schemas/, found by name, version and file, cacheable; nothing else found.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "libstac/model/site_access.hpp"
#include "server/api/extensions.hpp"

namespace stacfed::api {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("the site-access schema and README are embedded byte for byte", "[api][extensions]") {
  const std::string dir = std::string(STACFED_SOURCE_DIR) + "/schemas/site-access/v1.0.0/";
  for (const auto& [file, type] : {std::pair{"schema.json", "application/schema+json"},
                                   std::pair{"README.md", "text/markdown; charset=utf-8"}}) {
    INFO(file);
    const auto document = FindExtensionDocument("site-access", site_access::kVersion, file);
    REQUIRE(document.has_value());
    CHECK(document->body == ReadFile(dir + file));
    const http::Response response = ExtensionResponse(*document);
    CHECK(response.status == 200);
    CHECK(response.content_type == type);
    CHECK(response.body == document->body);
    CHECK(response.etag);
    const bool cached = std::any_of(response.headers.begin(), response.headers.end(), [](const auto& header) {
      return header.first == "Cache-Control" && header.second.find("max-age=") != std::string::npos;
    });
    CHECK(cached);
  }
  // The paths the harvester names are those served.
  CHECK(site_access::kSchemaPath == "/extensions/site-access/" + std::string(site_access::kVersion) + "/schema.json");
  CHECK(site_access::kDefaultSchemaUri == std::string(site_access::kDefaultPublicBase) + std::string(site_access::kSchemaPath));
}

TEST_CASE("no other extension, version or file is found", "[api][extensions]") {
  CHECK_FALSE(FindExtensionDocument("site-access", "v0.1.0", "schema.json"));
  CHECK_FALSE(FindExtensionDocument("site-access", "v1.0.0", "other.json"));
  CHECK_FALSE(FindExtensionDocument("other", "v1.0.0", "schema.json"));
  CHECK_FALSE(FindExtensionDocument("site-access", "v1.0.0", ""));
}

}  // namespace
}  // namespace stacfed::api
