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
  STACFED_ASSIGN_OR_RETURN(auto set, conn.Query(kSetFacets, {collection, std::move(ids).Finish(),
                                                             std::move(facets).Finish()}));
  (void)set;
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
