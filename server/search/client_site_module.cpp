// Copies ranked for the client's site (client_site.hpp; docs/client-site.md) as a module:
// the `client_site` parameter of item searches and collection items, read into
// SearchRequest::client_site. It does not change which items match, nor the tokens of their
// pages; a page is written through the ranking rewrite when the request names a site
// (server/api/render.cpp), and without one from the stored text as always. Whether the site
// exists is checked by the endpoints against the federation's sites (they hold the database);
// the `Client-Site` header is read there too.

#include <array>

#include <boost/json/value.hpp>

#include "libstac/base/status_macros.hpp"
#include "server/search/client_site.hpp"
#include "server/search/core_modules.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

absl::Status ClientSiteFromQuery(std::string_view value, SearchRequest& r) {
  STACFED_ASSIGN_OR_RETURN(r.client_site, ParseClientSite(value));
  return absl::OkStatus();
}
absl::Status ClientSiteFromBody(const json::value& v, SearchRequest& r) {
  if (!v.is_string()) {
    return absl::InvalidArgumentError("client_site must be a string: the id of a site");
  }
  STACFED_ASSIGN_OR_RETURN(r.client_site,
                           ParseClientSite(std::string_view(v.get_string().data(),
                                                            v.get_string().size())));
  return absl::OkStatus();
}

constexpr std::array<Parameter, 1> kParameters = {
    {{kClientSiteParameter, ClientSiteFromQuery, ClientSiteFromBody, /*null_is_absent=*/true,
      /*same_value_repeats=*/true}}};

class ClientSite : public Module {
 public:
  std::string_view Name() const override { return "client-site"; }

  // No conformance class: the ranking is an extension of ours (the site-access extension),
  // declared by the items' stac_extensions.
  std::vector<std::string_view> Conformance(Family) const override { return {}; }

  std::span<const Parameter> Parameters(Family family) const override {
    if (family == Family::kItems || family == Family::kItemSearch) return kParameters;
    // Collection search takes it and ranks nothing: pystac-client's `parameters` go with
    // every request, and listing collections must not fail for them.
    if (family == Family::kCollections) return kParameters;
    return {};
  }
};

}  // namespace

const Module& ClientSiteModule() {
  static const ClientSite module;
  return module;
}

}  // namespace stacfed::search
