#pragma once
// Copies ranked for the client's site (issue 18; docs/client-site.md): a request that names
// the site it runs at (`client_site=dkrz`, or the header `Client-Site: dkrz`) gets, for each
// asset, its copies (the asset itself and every value of its `alternate` map, as the harvest
// annotated them with the site-access extension) ranked for that site: the best readable copy
// in the asset's `href`, the others under `alternate`, each with `access:rank` (1 is best);
// copies that are internal to another site are not shown at all.
//
// The rewrite works on the text of an item, as the Fields filter does: the members it does
// not move are copied byte for byte (numbers are never reformatted), and an item without
// `assets` is returned as it is. Pure functions: no database, no sockets; the search layer
// calls them only for requests with a client site, so plain searches never read item text.
//
//   std::string ranked = RankCopies(item_json, "dkrz");

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace stacfed::search {

// The request header equivalent to the parameter (for tools that cannot add parameters); the
// parameter wins when both are given.
inline constexpr std::string_view kClientSiteHeader = "client-site";
inline constexpr std::string_view kClientSiteParameter = "client_site";
inline constexpr size_t kMaxSiteIdBytes = 128;  // the federation file's id limit

// The ranks of access-hints section 6, lower is better.
enum class CopyRank : int {
  kSameSitePosix = 1,   // a POSIX path at the client's site, online
  kSameSiteObject = 2,  // the client's site's object store (any protocol)
  kZarr = 3,            // native or virtual Zarr (zarr, kerchunk, icechunk)
  kOpendap = 4,
  kHttps = 5,           // https, and s3 at another site (a network read like HTTPS)
  kGlobus = 6,          // globus transfers; also wps (data reached through a service)
  kTape = 7,            // tape (slk) or anything nearline: needs staging first
  kOffline = 8,         // offline or unavailable; also what the client cannot read at all
};

// What one copy says about itself (the annotation's fields, or what its href implies when
// they are missing).
struct CopyFacts {
  std::string_view href;
  std::string_view site;      // site:ref ("" when missing)
  std::string_view tier;      // site:tier
  std::string_view protocol;  // access:protocol, else implied by the href's scheme
  std::string_view scope;     // access:scope, else site-internal for POSIX paths
  std::string_view status;    // access:status
  bool annotated = false;     // access:protocol was given (not implied)
};

// The protocol an href implies when access:protocol is missing: posix (file://, an absolute
// path), kerchunk (reference::), slk, s3 (s3, gs, az), https (http, https, relative hrefs),
// opendap (an http(s) URL through THREDDS' /dodsC/), globus (globus://); "" when unknown.
std::string_view ImpliedProtocol(std::string_view href);

// Whether the copy is shown to a client at `client_site`: a site-internal copy (access:scope,
// or a POSIX href when access:scope is missing) only to clients of its own site; a copy of
// site "unknown" or none that is site-internal is shown to nobody.
bool IsVisibleTo(const CopyFacts& copy, std::string_view client_site);

// The copy's rank for a client at `client_site` (the copy is visible to it).
CopyRank RankFor(const CopyFacts& copy, std::string_view client_site);

// Whether the copy may be an asset's `href`: not offline or unavailable (status), and
// readable from the client's site at all (not a POSIX path of another site).
bool MayBeHref(const CopyFacts& copy, std::string_view client_site);

// The members that belong to a copy rather than to the asset: they move with the copy when
// it is swapped into or out of the asset's top level. `href`, `alternate:name`, `node` and
// `protocol` (ESGF's), `stacfed:source`, `auth:refs`, `expires`, and every member whose
// name starts with `site:`, `access:`, `xarray:`, `storage:` or `order:`. Everything else of
// an asset (title, type, roles, file:*, ...) stays on the asset.
bool IsCopyLevelMember(std::string_view name);

// The alternate key the asset's own copy gets when another copy takes its place: its
// site:ref, else (missing, "unknown", or taken) "original", then "original-2", ...
// `taken(key)` says whether a key is in use.
template <typename Taken>
std::string DemotedCopyKey(std::string_view site, const Taken& taken) {
  if (!site.empty() && site != "unknown" && !taken(site)) return std::string(site);
  std::string key = "original";
  for (int n = 2; taken(key); ++n) key = "original-" + std::to_string(n);
  return key;
}

// Ranks the copies of item after item for one client site, reusing its scratch space (a page
// of a thousand items allocates once). Not thread-safe: one per page.
class CopyRanker {
 public:
  explicit CopyRanker(std::string_view client_site);
  ~CopyRanker();
  CopyRanker(CopyRanker&&) noexcept;
  CopyRanker& operator=(CopyRanker&&) noexcept;

  // Appends the item `item_json` (the text of one JSON object, as served) with every asset's
  // copies ranked. Assets whose copies are all hidden are left out. Text that is not an
  // object, or has no `assets` object, is appended unchanged. One pass over the item up to
  // the end of its assets; the members after them are copied unread.
  void Append(std::string_view item_json, std::string& out);

  struct Scratch;

 private:
  std::string client_site_;
  std::unique_ptr<Scratch> scratch_;
};

// The same for one item.
void AppendRankedItem(std::string_view item_json, std::string_view client_site, std::string& out);
// The same, returning the ranked item (for the export endpoints).
std::string RankCopies(std::string_view item_json, std::string_view client_site);

// The parameter's value checked for form (non-empty, at most kMaxSiteIdBytes); whether the
// site exists is for the caller to check against the federation's sites.
absl::StatusOr<std::string> ParseClientSite(std::string_view value);

}  // namespace stacfed::search
