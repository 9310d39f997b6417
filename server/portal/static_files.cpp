#include "server/portal/static_files.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include <boost/url/pct_string_view.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "libstac/base/strings.hpp"

namespace stacfed::portal {
namespace {

absl::Status BadPath(std::string_view why) {
  return absl::InvalidArgumentError(StrCat("not a file of the portal: ", why));
}

// Ids of collections and items may hold dots: only these are extensions of files.
constexpr std::array<std::pair<std::string_view, std::string_view>, 19> kTypes = {{
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"wasm", "application/wasm"},
}};

std::string_view Extension(std::string_view file_name) {
  auto dot = file_name.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : file_name.substr(dot + 1);
}

const std::string_view* KnownType(std::string_view file_name) {
  const std::string ext = absl::AsciiStrToLower(ToAbsl(Extension(file_name)));
  for (const auto& [known, type] : kTypes) {
    if (ext == known) return &type;
  }
  return nullptr;
}

bool IsHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(uint8_t(c)); });
}

}  // namespace

absl::StatusOr<std::vector<std::string>> FileSegments(std::string_view raw_path) {
  if (!raw_path.starts_with(kPrefix)) return BadPath("outside /browser/");
  raw_path.remove_prefix(kPrefix.size());
  if (raw_path.empty() || raw_path == "/") return std::vector<std::string>();
  if (!raw_path.starts_with('/')) return BadPath("outside /browser/");
  raw_path.remove_prefix(1);
  if (raw_path.ends_with('/')) raw_path.remove_suffix(1);  // "/browser/catalogs/" is a page
  // Split on the raw '/' (Boost.URL's segment views would hide a leading "./" or "/"),
  // then decode each segment with Boost.URL: an encoded slash stays inside its segment.
  std::vector<std::string> segments;
  for (absl::string_view raw : absl::StrSplit(ToAbsl(raw_path), '/')) {
    auto encoded = boost::urls::make_pct_string_view(ToStd(raw));
    if (!encoded) return BadPath("malformed percent-encoding");
    std::string segment = encoded->decode();
    if (segment.empty()) return BadPath("empty segment");
    if (segment.front() == '.') return BadPath("dot segment or hidden file");
    if (segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return BadPath("encoded slash, backslash or NUL");
    }
    segments.push_back(std::move(segment));
  }
  return segments;
}

std::string_view ContentTypeFor(std::string_view file_name) {
  const std::string_view* type = KnownType(file_name);
  return type != nullptr ? *type : std::string_view("application/octet-stream");
}

bool IsHashedAsset(std::string_view file_name) {
  // name.HASH.ext: webpack's [contenthash:8] (or longer).
  std::vector<absl::string_view> parts = absl::StrSplit(ToAbsl(file_name), '.');
  if (parts.size() < 3) return false;
  const std::string_view hash = ToStd(parts[parts.size() - 2]);
  return hash.size() >= 8 && hash.size() <= 64 && IsHex(hash);
}

bool IsAppRoute(const std::vector<std::string>& segments,
                const std::vector<std::string>& top_level_dirs) {
  if (segments.empty()) return true;
  if (std::find(top_level_dirs.begin(), top_level_dirs.end(), segments.front()) !=
      top_level_dirs.end()) {
    return false;
  }
  return !(segments.size() == 1 && KnownType(segments.front()) != nullptr);
}

std::string ConfigScript(std::string_view base_url, std::string_view title) {
  std::string out = "window.STAC_BROWSER_CONFIG = {\"catalogUrl\":";
  AppendJsonString(out, StrCat(base_url, "/"));
  out += ",\"catalogTitle\":";
  AppendJsonString(out, title);
  out += "};\n";
  return out;
}

std::string MissingPortalPage() {
  return R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Portal not built</title></head>
<body>
<h1>The portal has not been built</h1>
<p>This stacfed serves its STAC API (<a href="../">the landing page</a>), but the web portal
(stac-browser) it serves at <code>/browser/</code> has not been built on this machine.</p>
<p>Build it from the stacfed checkout with <code>portal/build.sh</code> (it needs
<code>node</code> and <code>npm</code>; <code>deploy/install-deps.sh</code> installs them), or
point <code>STACFED_PORTAL_DIR</code> at a build, then reload this page.
<code>deploy/run.sh</code> does both.</p>
</body></html>
)";
}

bool PrefersHtml(std::string_view accept) {
  // The quality of the most specific range matching each type (RFC 9110 section 12.5.1).
  struct Best {
    int specificity = -1;
    double q = 0;
  };
  Best html, json;
  auto consider = [](Best& best, int specificity, double q) {
    if (specificity > best.specificity) best = {specificity, q};
  };
  for (absl::string_view range : absl::StrSplit(ToAbsl(accept), ',')) {
    std::vector<absl::string_view> params = absl::StrSplit(range, ';');
    const std::string type =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(params.front()));
    double q = 1;
    for (size_t i = 1; i < params.size(); ++i) {
      std::string_view param = ToStd(absl::StripAsciiWhitespace(params[i]));
      if (param.starts_with("q=") || param.starts_with("Q=")) {
        if (!absl::SimpleAtod(ToAbsl(param.substr(2)), &q)) q = 0;
      }
    }
    if (type == "text/html") consider(html, 2, q);
    if (type == "application/json") consider(json, 2, q);
    if (type == "text/*") consider(html, 1, q);
    if (type == "application/*") consider(json, 1, q);
    if (type == "*/*") {
      consider(html, 0, q);
      consider(json, 0, q);
    }
  }
  return html.specificity >= 0 && html.q > 0 && html.q > (json.specificity >= 0 ? json.q : 0);
}

}  // namespace stacfed::portal
