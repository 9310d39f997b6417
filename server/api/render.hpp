#pragma once
// JSON responses built from database rows without parsing them: PostgreSQL returns each
// item or collection as JSON text without its generated links, and these functions write
// the links in front of the stored members. Output strings are reserved up front.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "libstac/pg/connection.hpp"
#include "server/api/links.hpp"
#include "server/search/request.hpp"

namespace stacfed::api {

// The search layer's types, as the endpoints use them.
using search::Bbox;
using search::DatetimeInterval;
using search::DecodeCollectionsToken;
using search::EncodeCollectionsToken;
using search::BboxGeoJson;
using search::PageToken;
using search::ParseBboxText;
using search::ParseDatetimeText;
using search::ParseLimitText;
using search::QueryParams;
using search::SearchRequest;
using search::TokenSigner;

// How a search arrived, for its self/next/prev links.
struct SearchOrigin {
  std::string base_url;
  std::string path;          // "/search" or "/collections/{id}/items" as requested (encoded)
  std::string raw_query;     // GET: the query string as received
  bool post = false;
  std::string body_without_token;  // POST: the body to repeat in next/prev links
  std::string collection;    // /collections/{id}/items: the path collection, else ""
  std::string catalog;       // shown inside a catalog's API (links.hpp LinkScope), else ""
  // The search's fingerprint (SearchFingerprint of the request and `path`) and the signer of
  // its tokens.
  std::string fingerprint;
  const TokenSigner* signer = nullptr;
  // Item searches (/search, /catalogs/{id}/search) link their exports (server/export):
  // where the export endpoints are, and the search as their GET query (a POST body
  // translated); nullopt: no export links (an items page, or a POST body without a GET form).
  std::optional<std::string> export_url;
  std::string export_query;
};

// A FeatureCollection from the rows of a search statement (server/search/query.hpp,
// PageColumn); `token_columns` hold the values of the sort keys (TokenColumns). `counted` is
// numberMatched from the count statement of a full first page (nullopt: unknown, the field is
// omitted); a page that is not full counts itself, and later pages take it from their token.
std::string RenderItemCollection(const SearchRequest& request, const pg::Result& rows,
                                 std::span<const int> token_columns,
                                 std::optional<int64_t> counted, const SearchOrigin& origin);

// The token of a page boundary: the row's sort key values (server/search/sort.hpp), read
// from `token_columns`, with numberMatched and the search's fingerprint.
PageToken TokenForRow(const pg::Result& rows, int row, std::span<const int> token_columns,
                      PageToken::Direction direction, std::optional<int64_t> matched,
                      const SearchOrigin& origin);

// A row's first sort key as the token keeps it (read from token_columns[0]); nullopt for
// NULL.
std::optional<std::string_view> LeadOf(const pg::Result& rows, int row,
                                       std::span<const int> token_columns);

// Whether a page beyond a boundary row starts past the boundary's tie group
// (PageToken::past_ties), given the first sort keys of the boundary row and of the row beside
// it on that side: both known and different.
bool PastTies(std::optional<std::string_view> boundary, std::optional<std::string_view> beside);

// A next or prev link of media type `type`: GET repeats the query with the token, POST the
// body with the token and merge:false (stac-browser ignores merge, so the body must be
// complete).
void AppendPageLink(std::string& out, std::string_view rel, const PageToken& token,
                    const SearchOrigin& origin,
                    std::string_view type = "application/geo+json");

// One Feature with its self, parent, collection and root links (and, inside a catalog, its
// canonical link); with `client_site`, its copies ranked for that site (client_site.hpp).
std::string RenderItem(const LinkScope& scope, std::string_view collection, std::string_view id,
                       std::string_view content, std::string_view links,
                       std::string_view client_site = {});

// One Collection with self (`self_href`, exactly as requested), root, one parent (the scope's
// catalog, else the root), canonical inside a catalog, items, child (browse pages),
// queryables, sortables and aggregate links, then `links` (a JSON array text of further
// links: related, duplicate and the stored ones).
std::string RenderCollection(const LinkScope& scope, std::string_view id,
                             std::string_view content, std::string_view links,
                             std::string_view self_href);

}  // namespace stacfed::api
