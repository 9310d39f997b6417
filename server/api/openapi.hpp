#pragma once
// GET /api and GET /api.html. The OpenAPI 3.0 document lives in schemas/openapi.json and is
// compiled into the binary (the server needs no file at run time); /api adds the "servers"
// entry for the request's base URL, /api.html is a self-contained page (no scripts) generated
// from the same document.

#include <string>
#include <string_view>

namespace stacfed::api {

std::string RenderOpenApi(std::string_view base_url);
// Built once from the embedded document.
const std::string& OpenApiHtml();

}  // namespace stacfed::api
