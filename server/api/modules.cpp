#include "server/api/modules.hpp"

#include "libstac/base/strings.hpp"

#include <algorithm>
#include <array>

namespace stacfed::api {
namespace {

// The v1.0.0 forms on purpose: pystac-client recognises only https://api.stacspec.org/v1.0.*
// and reads them from the landing page.
constexpr std::array<std::string_view, 4> kCore = {
    "https://api.stacspec.org/v1.0.0/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
};
constexpr std::array<std::string_view, 1> kCollections = {
    "https://api.stacspec.org/v1.0.0/collections",
};
constexpr std::array<std::string_view, 1> kFeatures = {
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
};
constexpr std::array<std::string_view, 1> kItemSearch = {
    "https://api.stacspec.org/v1.0.0/item-search",
};
// The catalog tree (catalogs_handlers.cpp): /children on the root and on every catalog, and
// every collection and item reachable by child/item links (collections link pages of item
// links at /collections/{id}/browse).
constexpr std::array<std::string_view, 2> kChildren = {
    "https://api.stacspec.org/v1.0.0-rc.2/children",
    "https://api.stacspec.org/v1.0.0-rc.3/browseable",
};

}  // namespace

const std::vector<ApiModule>& EnabledModules() {
  static const std::vector<ApiModule> modules = {
      {"core", kCore},
      {"collections", kCollections},
      {"ogcapi-features", kFeatures},
      {"item-search", kItemSearch},
      {"children-browseable", kChildren},
  };
  return modules;
}

const std::vector<std::string>& ConformanceUris() {
  static const std::vector<std::string> uris = [] {
    std::vector<std::string> all;
    for (const ApiModule& module : EnabledModules()) {
      all.insert(all.end(), module.conformance_uris.begin(), module.conformance_uris.end());
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
  }();
  return uris;
}

void AppendConformsTo(std::string& out) {
  out += R"("conformsTo":[)";
  bool first = true;
  for (const std::string& uri : ConformanceUris()) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, uri);
  }
  out += ']';
}

}  // namespace stacfed::api
