#pragma once
// The portal's static files (stac-browser's build in portal/dist) as the server serves them
// at /browser/: which file a request path names, its media type and cache policy, the
// history-mode fallback, and the run-time configuration script. Socket-free: tested on its
// own (tests/server/portal_test.cpp).

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace stacfed::portal {

// Where the portal is served; its build (portal/build.sh) is made for this prefix.
inline constexpr std::string_view kPrefix = "/browser";

// The decoded segments of the path below /browser/ in a raw (still percent-encoded) request
// path, e.g. "/browser/js/app.1a2b3c4d.js" -> {"js", "app.1a2b3c4d.js"}; {} for "/browser/".
// InvalidArgument for anything that could leave the folder or name a hidden file: ".", "..",
// a segment starting with '.', an encoded '/' or '\', a NUL byte, an empty segment; and for a
// path outside /browser/. Segments are decoded with Boost.URL.
absl::StatusOr<std::vector<std::string>> FileSegments(std::string_view raw_path);

// The media type for a file name, by extension ("application/octet-stream" when unknown).
std::string_view ContentTypeFor(std::string_view file_name);

// Whether a file name carries a content hash ("app.302e0f90.js", "1015.de8eb7d8.css"): such
// a file never changes and is cached for a year; everything else is revalidated.
bool IsHashedAsset(std::string_view file_name);
inline constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
inline constexpr std::string_view kRevalidate = "no-cache";

// Whether a path with no file behind it is a page of the single-page application (answered
// with index.html, history mode) rather than a missing asset (404): assets live in the
// dist's folders (js/, css/, img/, ...) or are files at its top ("favicon.ico").
// `top_level_dirs` are the dist's top-level folders.
bool IsAppRoute(const std::vector<std::string>& segments,
                const std::vector<std::string>& top_level_dirs);

// window.STAC_BROWSER_CONFIG for this server: catalogUrl is the landing page's self href
// (`base_url` + "/"), catalogTitle the landing page's title.
std::string ConfigScript(std::string_view base_url, std::string_view title);

// The page /browser/ answers (404) when the portal has not been built.
std::string MissingPortalPage();

// Whether an Accept header prefers an HTML page to JSON (a browser's navigation:
// "text/html,...,*/*;q=0.8"); "*/*", "application/json" or no header prefer JSON.
bool PrefersHtml(std::string_view accept);

}  // namespace stacfed::portal
