#include "server/portal/portal.hpp"

#include <fstream>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "libstac/base/env.hpp"
#include "libstac/base/log.hpp"
#include "libstac/base/paths.hpp"
#include "libstac/base/strings.hpp"
#include "server/http/error_response.hpp"
#include "server/http/response_encoding.hpp"
#include "server/http/router.hpp"
#include "server/portal/static_files.hpp"

namespace stacfed::portal {
namespace {

namespace fs = std::filesystem;
using boost::asio::awaitable;
using http::Request;
using http::Response;

// Router patterns have no "rest of the path" capture: /browser/{1}, /browser/{1}/{2}, ...
// up to the router's depth (its paths have at most 16 segments).
constexpr int kMaxDepth = 15;

std::string_view RawPath(const Request& request) {
  std::string_view target = request.target;
  return target.substr(0, target.find('?'));
}

Response Text(unsigned status, std::string_view content_type, std::string body) {
  Response response;
  response.status = status;
  response.content_type = std::string(content_type);
  response.body = std::move(body);
  return response;
}

Response Redirect(unsigned status, std::string location) {
  Response response = Text(status, "text/plain; charset=utf-8", "");
  response.headers.emplace_back("Location", std::move(location));
  return response;
}

bool IsRegularFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// The whole file, or nothing when it cannot be read or is larger than kMaxFileBytes.
std::optional<std::string> ReadFile(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size > kMaxFileBytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), std::streamsize(size))) return std::nullopt;
  return bytes;
}

std::vector<std::string> TopLevelDirs(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec)) names.push_back(entry.path().filename().string());
  }
  return names;
}

class Portal {
 public:
  explicit Portal(PortalOptions options) : options_(std::move(options)) {}

  bool Built() const { return IsRegularFile(options_.dir / "index.html"); }

  Response Serve(const Request& request) const {
    const std::string_view raw_path = RawPath(request);
    if (raw_path == kPrefix) return Redirect(301, StrCat(request.base_url, kPrefix, "/"));
    absl::StatusOr<std::vector<std::string>> segments = FileSegments(raw_path);
    if (!segments.ok()) return http::ErrorResponse(absl::NotFoundError(segments.status().message()));
    if (segments->size() == 1 && (*segments)[0] == "config.js") return Config(request);
    if (!Built()) return Text(404, "text/html; charset=utf-8", MissingPortalPage());
    fs::path file = options_.dir;
    for (const std::string& segment : *segments) file /= segment;
    if (segments->empty() || !IsRegularFile(file)) {
      if (!IsAppRoute(*segments, TopLevelDirs(options_.dir))) {
        return http::ErrorResponse(
            absl::NotFoundError(StrCat("the portal has no file ", request.path)));
      }
      file = options_.dir / "index.html";  // history mode: the app reads the path itself
    }
    return File(request, file);
  }

 private:
  Response Config(const Request& request) const {
    Response response = Text(200, "text/javascript; charset=utf-8",
                             ConfigScript(request.base_url, options_.title));
    response.headers.emplace_back("Cache-Control", kRevalidate);
    response.etag = true;
    return response;
  }

  Response File(const Request& request, const fs::path& file) const {
    const std::string name = file.filename().string();
    const bool hashed = IsHashedAsset(name);
    Response response;
    response.content_type = std::string(ContentTypeFor(name));
    response.headers.emplace_back("Cache-Control", hashed ? kImmutable : kRevalidate);
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    fs::path gz = file;
    gz += ".gz";
    std::optional<std::string> body;
    auto accept_encoding = request.Header("accept-encoding");
    if (accept_encoding && http::AcceptsGzip(*accept_encoding) && IsRegularFile(gz)) {
      body = ReadFile(gz);
      if (body) {
        response.headers.emplace_back("Content-Encoding", "gzip");
        response.headers.emplace_back("Vary", "Accept-Encoding");
      }
    }
    if (!body) body = ReadFile(file);
    if (!body) {
      return http::ErrorResponse(absl::InternalError(StrCat("cannot read ", file.string())));
    }
    response.body = std::move(*body);
    // Hashed files never change; the others are revalidated (If-None-Match -> 304).
    response.etag = !hashed;
    return response;
  }

  PortalOptions options_;
};

}  // namespace

PortalOptions PortalOptionsFromEnv(std::string title) {
  PortalOptions options;
  options.title = std::move(title);
  if (auto dir = GetEnv("STACFED_PORTAL_DIR")) {
    options.dir = *dir;
  } else if (absl::StatusOr<fs::path> root = ProjectRoot(); root.ok()) {
    options.dir = *root / "portal" / "dist";
  }
  return options;
}

void RegisterPortalRoutes(http::Router& router, const PortalOptions& options) {
  auto portal = std::make_shared<const Portal>(options);
  if (!portal->Built()) {
    log::Warn("the portal is not built (", options.dir.string(),
              "): /browser/ answers how to build it (portal/build.sh)");
  }
  auto serve = [portal](const Request& request) -> awaitable<Response> {
    co_return portal->Serve(request);
  };
  std::string pattern(kPrefix);
  router.Add(http::Method::kGet, pattern, serve);
  for (int depth = 1; depth <= kMaxDepth; ++depth) {
    pattern += "/{p}";
    router.Add(http::Method::kGet, pattern, serve);
  }

  // "/" for a browser: the portal; for everyone else the landing page as registered.
  std::vector<std::string> unused;
  http::Router::Match landing = router.Find(http::Method::kGet, "/", unused);
  if (landing.outcome != http::Router::Outcome::kFound) return;
  router.Add(http::Method::kGet, "/",
             [portal, api = *landing.handler](const Request& request) -> awaitable<Response> {
               auto accept = request.Header("accept");
               if (accept && PrefersHtml(*accept) && portal->Built()) {
                 Response response = Redirect(303, StrCat(request.base_url, kPrefix, "/"));
                 response.headers.emplace_back("Vary", "Accept");
                 co_return response;
               }
               Response response = co_await api(request);
               response.headers.emplace_back("Vary", "Accept");
               co_return response;
             });
}

}  // namespace stacfed::portal
