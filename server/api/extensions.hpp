#pragma once
// GET /extensions/{name}/{version}/{file}: the STAC extensions of stacfed, their JSON Schema
// and README, so that the URI a document names in `stac_extensions` resolves
// (schemas/site-access/: libstac/model/site_access.hpp has the paths). The files are compiled
// into the binary (extension_documents.cpp.in), so an installed server needs no source tree.
// A version or file that does not exist is 404 {"code","description"}.

#include <optional>
#include <string_view>

#include "server/http/router.hpp"
#include "server/http/types.hpp"

namespace stacfed::api {

// One embedded file of an extension.
struct ExtensionDocument {
  std::string_view name;     // "site-access"
  std::string_view version;  // "v1.0.0"
  std::string_view file;     // "schema.json", "README.md"
  std::string_view content_type;
  std::string_view body;
};

// The embedded file at `name`/`version`/`file`; nullopt when there is none.
std::optional<ExtensionDocument> FindExtensionDocument(std::string_view name, std::string_view version,
                                                       std::string_view file);

// The response for one of them: its bytes, its media type, cacheable for a week (a published
// version does not change; a changed schema is a new version), with an ETag.
http::Response ExtensionResponse(const ExtensionDocument& document);

void RegisterExtensionRoutes(http::Router& router);

}  // namespace stacfed::api
