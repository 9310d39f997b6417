#pragma once
// The portal: stac-browser served by stacfed at /browser/ (README.md, "The portal").
//
//   GET /browser/config.js   run-time configuration (catalogUrl = the landing page's self href)
//   GET /browser/...         files of the portal's build; other paths (deep links of the
//                            single-page application) answer index.html
//   GET /browser             301 to /browser/
//   GET /                    303 to /browser/ for a browser (Accept prefers text/html) once the
//                            portal is built; API clients get the landing page as before
//
// Files are read per request (bounded: at most kMaxFileBytes each, nothing kept), sent as
// their precompressed FILE.gz when the client accepts gzip (portal/build.sh writes them),
// otherwise compressed by the server like any response.
//
// Environment: STACFED_PORTAL_DIR, the build to serve (default: portal/dist in the folder
// that holds sql/, libstac/base/paths.hpp).

#include <cstddef>
#include <filesystem>
#include <string>

namespace stacfed::http {
class Router;
}

namespace stacfed::portal {

inline constexpr size_t kMaxFileBytes = 16 << 20;

struct PortalOptions {
  std::filesystem::path dir;  // the build: index.html, js/, css/, ...
  std::string title;          // the catalog's title (the landing page's)
};

// `title` is the landing page's title.
PortalOptions PortalOptionsFromEnv(std::string title);

// Registers the /browser routes, and wraps the "/" route already registered (the landing
// page) so that a browser is sent to the portal: call after the API's routes.
void RegisterPortalRoutes(http::Router& router, const PortalOptions& options);

}  // namespace stacfed::portal
