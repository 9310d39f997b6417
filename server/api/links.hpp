#pragma once
// Absolute URLs of our resources and STAC link objects as JSON text. Every href starts with
// the request's public base URL (configured, else from the Host header); ids are
// percent-encoded as path segments so any id yields a URL that routes back to it.

#include <string>
#include <string_view>

namespace stacfed::api {

inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kGeoJson = "application/geo+json";
inline constexpr std::string_view kOpenApiJson = "application/vnd.oai.openapi+json;version=3.0";

std::string CollectionUrl(std::string_view base_url, std::string_view collection);
std::string CatalogUrl(std::string_view base_url, std::string_view catalog_id);
std::string ItemsUrl(std::string_view base_url, std::string_view collection);
std::string ItemUrl(std::string_view base_url, std::string_view collection, std::string_view id);

// Where resources are rendered: at the server's root, or inside a catalog's own API
// (Multi-Tenant Catalogs: /catalogs/{id}/collections/{cid}[/items[/{iid}]]). In a catalog,
// collection and item URLs start at the catalog's URL, the parent of a collection is that
// catalog, and each resource carries one `canonical` link to its URL at the root.
struct LinkScope {
  std::string base_url;  // the public base URL: root links and canonical hrefs
  std::string catalog;   // "" at the root
  std::string url;       // base_url, or the catalog's URL: where scoped URLs start

  static LinkScope Root(std::string_view base_url);
  static LinkScope Catalog(std::string_view base_url, std::string_view catalog);
  bool scoped() const { return !catalog.empty(); }
};

// The portal's page (stac-browser at /browser/, server/portal) of the API resource at
// `api_url`, a URL below `base_url`: "<base>/" -> "<base>/browser/", "<base>/catalogs/x" ->
// "<base>/browser/catalogs/x" (stac-browser's path for a URL below its catalogUrl).
std::string PortalUrl(std::string_view base_url, std::string_view api_url);
// Appends ,{"rel":"alternate","type":"text/html","title":"Browse this catalog","href":..}.
void AppendPortalLink(std::string& out, std::string_view base_url, std::string_view api_url);

// Appends {"rel":..,"type":..,"href":..[,"method":..]} (type and method omitted when empty).
void AppendLink(std::string& out, std::string_view rel, std::string_view type,
                std::string_view href, std::string_view method = {});

// The stored extra links of a document: the elements of a JSON array text without its
// brackets ("" for NULL, "[]" or blank), ready to follow generated links after a comma.
std::string_view StoredLinksInner(std::string_view links_array);

// A document's JSON text after its opening '{' ("" for an empty object), so generated
// members can be written in front of it: out = "{" + generated + "," + rest.
std::string_view MembersAfterBrace(std::string_view object_json);

// The raw query string with every `token` parameter removed.
std::string QueryWithoutToken(std::string_view raw_query);

// The raw query string with every `token` parameter removed and `token=<token>` appended.
std::string QueryWithToken(std::string_view raw_query, std::string_view token);

}  // namespace stacfed::api
