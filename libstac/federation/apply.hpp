#pragma once
// Makes the database's catalog tree match a federation file, and the small write API the
// crawler uses to hang what it harvests under a catalog.
//
// Ownership of rows: catalogs and catalog_links carry an `origin` ('federation' | 'harvest').
// Apply adds, updates and removes only what the file owns, so links and sub-catalogs the
// crawler created survive it; harvested sub-catalogs are removed only once no catalog of the
// file reaches them any more. Collections and items are never deleted here: a collection
// whose catalog disappears simply stops being reachable from the tree.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/federation/federation.hpp"
#include "libstac/pg/connection.hpp"

namespace stacfed::federation {

struct ChangeCounts {
  int64_t added = 0;
  int64_t updated = 0;
  int64_t removed = 0;
  int64_t unchanged = 0;
  bool Changed() const { return added + updated + removed > 0; }
};

struct ApplyReport {
  ChangeCounts sites;
  ChangeCounts catalogs;
  ChangeCounts links;  // links owned by the file only (harvest links are not counted)
  int64_t closure_rows_changed = 0;
  bool Changed() const { return sites.Changed() || catalogs.Changed() || links.Changed(); }
  std::string ToString() const;  // "sites: 1 added, 0 updated, ...\ncatalogs: ..."
};

// Applies `federation` in ONE transaction (all or nothing) and refreshes the closure
// (stacfed.catalog_collections) before committing. Applying the same file twice changes
// nothing the second time. Collections named as children need not exist yet: the link is kept
// and the API shows the collection once it is loaded or harvested. A child entry marked
// primary sets catalog_links.is_primary, which makes that parent the child's tree parent
// (catalog_links.in_tree); a change of the mark alone counts as an updated link.
absl::StatusOr<ApplyReport> ApplyFederation(pg::Connection& conn, const Federation& federation);

// Recomputes stacfed.catalog_collections from catalog_links (stacfed.refresh_catalog_closure()),
// writing only the rows that differ. Call it after adding links outside a federation apply.
// Returns the number of closure rows inserted, updated or deleted.
absl::StatusOr<int64_t> RefreshCatalogClosure(pg::Connection& conn);

// For the crawler: puts `child_id` (a collection, or a sub-catalog it created with
// UpsertHarvestedCatalog) under `catalog_id` with origin 'harvest', unless a link already
// exists (a link from the file stays the file's). Does not refresh the closure: call
// RefreshCatalogClosure once after a batch of links.
absl::Status AddHarvestedLink(pg::Connection& conn, std::string_view catalog_id, ChildKind kind,
                              std::string_view child_id);

// AddHarvestedLink for a list of children (a source's hundreds of collections) in one
// statement: each one not yet under `catalog_id` is linked after the catalog's last link, in
// the order given. Returns how many links were added (0: the closure needs no refresh).
absl::StatusOr<int64_t> AddHarvestedLinks(pg::Connection& conn, std::string_view catalog_id,
                                          ChildKind kind, const std::vector<std::string>& child_ids);

// For the crawler: creates or updates a sub-catalog found while walking a static catalog,
// with origin 'harvest'. `content_json` is the STAC Catalog document without its links.
// A catalog of the same id that the file owns is left as the file says.
absl::Status UpsertHarvestedCatalog(pg::Connection& conn, std::string_view catalog_id,
                                    std::string_view content_json);

// The catalog tree as indented text, with the collections and items below each node:
//   esgf  ESGF  (2 catalogs, 3 collections, 1200 items)
//     esgf-east  ESGF East at CEDA  (2 collections, 800 items)
//       CMIP6  (collection, 790 items)
//       CORDEX-CMIP6  (collection, not loaded yet)
absl::StatusOr<std::string> RenderTree(pg::Connection& conn);

}  // namespace stacfed::federation
