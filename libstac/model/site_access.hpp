#pragma once
// The "site-access" STAC extension of stacfed (schemas/site-access/): where its schema and
// README are served, and the URI harvested documents name in `stac_extensions`. The server
// (server/api/extensions.cpp) answers at these paths; the harvester (crawler/annotate) names
// `<public base><kSiteAccessSchemaPath>`, the public base being STACFED_PUBLIC_URL as the
// server reads it, so that a server and a harvester configured alike agree on a URL the
// server answers.

#include <string_view>

namespace stacfed::site_access {

inline constexpr std::string_view kVersion = "v1.0.0";
inline constexpr std::string_view kSchemaPath = "/extensions/site-access/v1.0.0/schema.json";
inline constexpr std::string_view kReadmePath = "/extensions/site-access/v1.0.0/README.md";
// The public base without STACFED_PUBLIC_URL: `stacfed serve`'s default listen address.
inline constexpr std::string_view kDefaultPublicBase = "http://127.0.0.1:8080";
// kDefaultPublicBase + kSchemaPath.
inline constexpr std::string_view kDefaultSchemaUri =
    "http://127.0.0.1:8080/extensions/site-access/v1.0.0/schema.json";

}  // namespace stacfed::site_access
