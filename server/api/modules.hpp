#pragma once
// API modules: the core STAC API parts and each extension declare the conformance classes
// they implement. `/conformance` and the landing page's `conformsTo` are the sorted union of
// the enabled modules, so a class is advertised exactly when its module is served.
// The list is explicit (no static-initialisation self-registration): add a module to
// EnabledModules() in modules.cpp.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stacfed::api {

struct ApiModule {
  std::string_view name;
  std::span<const std::string_view> conformance_uris;
};

const std::vector<ApiModule>& EnabledModules();

// The sorted, de-duplicated union of the enabled modules' URIs.
const std::vector<std::string>& ConformanceUris();
// Appends `"conformsTo":[...]` with ConformanceUris() (landing page and scoped catalogs).
void AppendConformsTo(std::string& out);

}  // namespace stacfed::api
