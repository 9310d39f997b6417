#include "libstac/ingest/facets_backfill.hpp"

#include <string>
#include <vector>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/ingest/dom_parser.hpp"
#include "libstac/ingest/property_profile.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/pg/text_array.hpp"
#include "simdjson.h"

namespace stacfed::ingest {
namespace {

constexpr int kPageItems = 2000;

constexpr std::string_view kPending =
    "SELECT collection_id FROM stacfed.facets_backfill ORDER BY collection_id";
// Keyset over the partition's primary key.
constexpr std::string_view kItemsPage =
    "SELECT id, properties::text FROM stacfed.items WHERE collection = $1 AND id > $2"
    " ORDER BY id LIMIT $3::int";
constexpr std::string_view kSetFacets =
    "UPDATE stacfed.items i SET facets = u.facets::bigint[]"
    " FROM unnest($2::text[], $3::text[]) AS u(id, facets)"
    " WHERE i.collection = $1 AND i.id = u.id";
// The facet counts (sql/0016) follow: the page's rows, locked, lose their stored digests and
// gain the new ones, in (collection, digest) order, before the facets are set.
constexpr std::string_view kCountFacets =
    "WITH old AS (SELECT i.id, i.facets FROM stacfed.items i"
    "  WHERE i.collection = $1 AND i.id = ANY($2::text[]) FOR UPDATE),"
    " delta AS (SELECT d, -1 AS n FROM old, LATERAL (SELECT DISTINCT unnest(old.facets) AS d) x"
    "  UNION ALL SELECT d, 1 FROM old JOIN unnest($2::text[], $3::text[]) AS u(id, facets)"
    "  ON u.id = old.id, LATERAL (SELECT DISTINCT unnest(u.facets::bigint[]) AS d) y)"
    " INSERT INTO stacfed.collection_facet_counts AS f (collection_id, digest, items)"
    " SELECT $1, d, sum(n) FROM delta GROUP BY d HAVING sum(n) <> 0 ORDER BY d"
    " ON CONFLICT (collection_id, digest) DO UPDATE SET items = f.items + EXCLUDED.items";
constexpr std::string_view kDone = "DELETE FROM stacfed.facets_backfill WHERE collection_id = $1";

std::string BigintArrayLiteral(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (int64_t v : values) StrAppend(&out, out.size() > 1 ? "," : "", v);
  return out + "}";
}

// One page of a collection's items from `after`; returns the last id, or "" at the end.
absl::StatusOr<std::string> BackfillPage(pg::Connection& conn, const std::string& collection,
                                         const std::string& after, int64_t& updated) {
  STACFED_ASSIGN_OR_RETURN(auto page, conn.Query(kItemsPage, {collection, after,
                                                              std::to_string(kPageItems)}));
  if (page.Rows() == 0) return std::string();
  simdjson::dom::parser parser = NewDomParser();
  std::vector<StagedItem> profiled(page.Rows());
  pg::TextArrayBuilder ids, facets;
  std::vector<size_t> rows;
  for (int r = 0; r < page.Rows(); ++r) {
    StagedItem& item = profiled[r];
    item.collection = collection;
    item.id = std::string(page.Get(r, 0));
    simdjson::dom::object properties;
    if (parser.parse(std::string(page.Get(r, 1))).get_object().get(properties)) {
      return absl::DataLossError(StrCat("the properties of item ", collection, "/", item.id,
                                        " as stored cannot be read"));
    }
    ProfileProperties(properties, item.facets, item.property_profile);
    ids.Add(item.id);
    facets.Add(BigintArrayLiteral(item.facets));
    rows.push_back(r);
  }
  STACFED_RETURN_IF_ERROR(MergePropertyProfiles(conn, profiled, rows));
  const std::string id_array = std::move(ids).Finish();
  const std::string facet_array = std::move(facets).Finish();
  STACFED_ASSIGN_OR_RETURN(auto txn, pg::Transaction::Begin(conn));
  STACFED_ASSIGN_OR_RETURN(auto counted,
                           conn.Query(kCountFacets, {collection, id_array, facet_array}));
  (void)counted;
  STACFED_ASSIGN_OR_RETURN(auto set, conn.Query(kSetFacets, {collection, id_array, facet_array}));
  (void)set;
  STACFED_RETURN_IF_ERROR(txn.Commit());
  updated += page.Rows();
  return profiled.back().id;
}

}  // namespace

absl::StatusOr<int64_t> BackfillFacets(pg::Connection& conn) {
  STACFED_ASSIGN_OR_RETURN(auto pending, conn.Query(kPending));
  int64_t updated = 0;
  for (int c = 0; c < pending.Rows(); ++c) {
    const std::string collection(pending.Get(c, 0));
    std::string after;
    while (true) {
      STACFED_ASSIGN_OR_RETURN(std::string last, BackfillPage(conn, collection, after, updated));
      if (last.empty()) break;
      after = std::move(last);
    }
    STACFED_RETURN_IF_ERROR(conn.Query(kDone, {collection}).status());
  }
  return updated;
}

}  // namespace stacfed::ingest
