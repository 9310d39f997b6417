#include "server/api/extensions.hpp"

#include <array>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "absl/status/status.h"
#include "libstac/base/strings.hpp"
#include "libstac/model/site_access.hpp"
#include "server/http/error_response.hpp"

namespace stacfed::api {

extern const std::string_view kSiteAccessSchema;
extern const std::string_view kSiteAccessReadme;

namespace {

constexpr std::string_view kSchemaJson = "application/schema+json";
constexpr std::string_view kMarkdown = "text/markdown; charset=utf-8";
constexpr std::string_view kCacheControl = "public, max-age=604800";

const std::array<ExtensionDocument, 2>& Documents() {
  static const std::array<ExtensionDocument, 2> documents{{
      {"site-access", site_access::kVersion, "schema.json", kSchemaJson, kSiteAccessSchema},
      {"site-access", site_access::kVersion, "README.md", kMarkdown, kSiteAccessReadme},
  }};
  return documents;
}

absl::Status NotFound(std::string_view name, std::string_view version, std::string_view file) {
  std::string known;
  for (const ExtensionDocument& document : Documents()) {
    if (!known.empty()) known += ", ";
    StrAppend(&known, "/extensions/", document.name, "/", document.version, "/", document.file);
  }
  return absl::NotFoundError(StrCat("no extension document '", Excerpt(name, 100), "/",
                                    Excerpt(version, 100), "/", Excerpt(file, 100),
                                    "': served are ", known));
}

}  // namespace

std::optional<ExtensionDocument> FindExtensionDocument(std::string_view name, std::string_view version,
                                                       std::string_view file) {
  for (const ExtensionDocument& document : Documents()) {
    if (document.name == name && document.version == version && document.file == file) return document;
  }
  return std::nullopt;
}

http::Response ExtensionResponse(const ExtensionDocument& document) {
  http::Response response;
  response.content_type = std::string(document.content_type);
  response.body = std::string(document.body);
  response.headers.emplace_back("Cache-Control", std::string(kCacheControl));
  response.etag = true;
  return response;
}

void RegisterExtensionRoutes(http::Router& router) {
  router.Add(http::Method::kGet, "/extensions/{name}/{version}/{file}",
             [](const http::Request& request) -> boost::asio::awaitable<http::Response> {
               const std::string& name = request.path_params[0];
               const std::string& version = request.path_params[1];
               const std::string& file = request.path_params[2];
               if (std::optional<ExtensionDocument> document = FindExtensionDocument(name, version, file)) {
                 co_return ExtensionResponse(*document);
               }
               co_return http::ErrorResponse(NotFound(name, version, file));
             });
}

}  // namespace stacfed::api
