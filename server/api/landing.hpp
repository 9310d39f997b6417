#pragma once
// The landing page (root Catalog) and /conformance.
//
// Environment: STACFED_CATALOG_ID, STACFED_CATALOG_TITLE, STACFED_CATALOG_DESCRIPTION name
// the root catalog (defaults: "stacfed", "stacfed", a one-line description).

#include <string>
#include <string_view>

namespace stacfed::api {

struct LandingInfo {
  std::string id = "stacfed";
  std::string title = "stacfed";
  std::string description =
      "One searchable STAC API over many climate-data catalogs (ESGF, Copernicus, DestinE, "
      "DKRZ and other STAC sources).";
};

// Defaults overridden by the STACFED_CATALOG_* variables.
LandingInfo LandingInfoFromEnv();

// `child_links`: the inside of a links array appended to the landing page's links (the
// top-level catalogs, from catalogs_handlers.cpp); "" for none.
std::string RenderLanding(const LandingInfo& info, std::string_view base_url,
                          std::string_view child_links = {});
std::string RenderConformance(bool browseable = true);

}  // namespace stacfed::api
