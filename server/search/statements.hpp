#pragma once
// Every SQL statement of the server, named, in one place: the search layer's (search,
// narrowing in time, scopes, queryables) and the endpoints' (items, collections, the catalog
// tree). Values reach them only as bind parameters. The page and count statements of a search
// are built per shape (query.hpp) and named by a digest of their text.

#include <string>
#include <string_view>

#include "libstac/base/strings.hpp"
#include "libstac/pg/async_pool.hpp"

namespace stacfed::search::statements {

inline constexpr pg::Statement kCollectionExists{
    "api_collection_exists", "SELECT 1 FROM stacfed.collections WHERE id = $1"};

// The partition of a collection's items (sql/0001 creates it with the collection), when it
// exists: a search of that one collection reads it directly (query.hpp, Conditions::relation).
inline constexpr pg::Statement kCollectionPartition{
    "search_collection_partition",
    "SELECT partition_name FROM stacfed.collections WHERE id = $1"
    " AND to_regclass(format('stacfed.%I', partition_name)) IS NOT NULL"};

// The collections that hold items (sql/0014 keeps item_count), sorted, each with the number
// of collections (each has a partition); one row with a NULL id when none holds items: with
// many partitions a search of every collection reads only these.
inline constexpr pg::Statement kCollectionsWithItems{
    "search_collections_with_items",
    "SELECT c.id, n.total FROM (SELECT count(*) AS total FROM stacfed.collections) n"
    " LEFT JOIN stacfed.collections c ON c.item_count > 0 ORDER BY c.id"};

// The federation's site ids, sorted (what client_site may name; the per-site counts of
// catalogs).
inline constexpr pg::Statement kSiteIds{"search_site_ids",
                                        "SELECT id FROM stacfed.sites ORDER BY id"};

// One row always: whether the collection exists, the item when it does, and else when and
// from which source the item was withdrawn (sql/0021: gone upstream, its row moved aside); so
// a 404 can say which is missing, and why, without a second round trip.
inline constexpr std::string_view kItemByIdBefore =
    "SELECT c.id IS NOT NULL, i.content, i.links, w.source_id,"
    " to_char(w.withdrawn_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM (SELECT $1::text AS cid, $2::text AS iid) q"
    " LEFT JOIN stacfed.collections c ON c.id = q.cid"
    " LEFT JOIN ";
inline constexpr std::string_view kItemByIdAfter =
    " i ON i.collection = q.cid AND i.id = q.iid"
    " LEFT JOIN stacfed.withdrawn_items w ON i.id IS NULL AND w.collection_id = q.cid"
    " AND w.item_id = q.iid AND w.reason = 'gone'";
// The statement above, reading `items_table`: the collection's partition (query.hpp's
// PartitionTable) when it has one, since a generic plan over the partitioned table locks every
// partition on each execution; else the partitioned table (kItemsTable).
struct OwnedStatement {
  std::string name;
  std::string sql;
  pg::Statement view() const { return {name, sql}; }
};
inline OwnedStatement ItemById(std::string_view items_table) {
  return {StrCat("api_item_", items_table), StrCat(kItemByIdBefore, items_table, kItemByIdAfter)};
}

// Collections whose items can overlap a datetime interval (sql/0006 keeps the bounds), with
// the number of collections: a search in time then reads only those partitions. A NULL bound
// of the interval is open.
inline constexpr pg::Statement kCollectionsInTime{
    "api_collections_in_time",
    "SELECT id, (SELECT count(*) FROM stacfed.collections) FROM stacfed.collections"
    " WHERE items_max_end_datetime >= coalesce($1::timestamptz, '-infinity')"
    " AND items_min_datetime <= coalesce($2::timestamptz, 'infinity')"};

// How many items some collections hold (sql/0014, kept by the write path), or every
// collection when $1 is NULL: numberMatched of a search that names nothing but collections.
inline constexpr pg::Statement kCollectionItemCount{
    "search_collection_item_count",
    "SELECT coalesce(sum(item_count), 0)::int8 FROM stacfed.collections"
    " WHERE $1::text[] IS NULL OR id = ANY($1::text[])"};

// The item counts of some collections (sql/0014), or of every collection when $1 is NULL:
// total_count and collection_frequency of an aggregation over whole collections.
inline constexpr pg::Statement kCollectionItemCounts{
    "aggregate_collection_item_counts",
    "SELECT id, item_count FROM stacfed.collections"
    " WHERE $1::text[] IS NULL OR id = ANY($1::text[])"};

// For some facets, the values the items of some collections hold (sql/0012; NULL when many)
// and the JSON types seen, with whether the collection's facets are still to be computed
// (sql/0012's backfill): whether the facet counts below can answer for them.
inline constexpr pg::Statement kFacetValues{
    "aggregate_facet_values",
    "SELECT p.collection_id, p.name, p.types::text, p.\"values\"::text,"
    " EXISTS (SELECT 1 FROM stacfed.facets_backfill b WHERE b.collection_id = p.collection_id)"
    " FROM stacfed.collection_properties p WHERE p.name = ANY($1::text[])"
    " AND ($2::text[] IS NULL OR p.collection_id = ANY($2::text[]))"};

// How many items of some collections hold some facet digests (sql/0016, kept by the write
// path): term frequencies over whole collections without reading an item.
inline constexpr pg::Statement kFacetCounts{
    "aggregate_facet_counts",
    "SELECT collection_id, digest, items FROM stacfed.collection_facet_counts"
    " WHERE collection_id = ANY($1::text[]) AND digest = ANY($2::int8[]) AND items <> 0"};

// The time range of the items of some collections (every collection when $1 is NULL), in
// microseconds: per collection the ends of its time indexes (one partition each).
inline constexpr pg::Statement kCollectionsTimeRange{
    "aggregate_collections_time_range",
    "SELECT (extract(epoch FROM min(r.lo)) * 1000000)::int8,"
    " (extract(epoch FROM max(r.hi)) * 1000000)::int8"
    " FROM stacfed.collections c CROSS JOIN LATERAL (SELECT min(i.datetime) AS lo,"
    " max(i.end_datetime) AS hi FROM stacfed.items i WHERE i.collection = c.id) r"
    " WHERE $1::text[] IS NULL OR c.id = ANY($1::text[])"};

// The properties the items of some collections carry (sql/0012, kept by the write path), or
// of every collection when $1 is NULL: the queryables of a search.
inline constexpr pg::Statement kCollectionProperties{
    "search_collection_properties",
    "SELECT name, types::text, \"values\"::text, 'array' = ANY(types), collection_id"
    " FROM stacfed.collection_properties"
    " WHERE $1::text[] IS NULL OR collection_id = ANY($1::text[])"};

// PostgreSQL's statistics of the facets' digests over all partitions (most common digests,
// their frequencies) and the number of items: FacetStatistics. No row before an ANALYZE.
inline constexpr pg::Statement kFacetStatistics{
    "search_facet_statistics",
    "SELECT s.most_common_elems::text, s.most_common_elem_freqs::text,"
    " (SELECT sum(greatest(c.reltuples, 0)) FROM pg_inherits i"
    "  JOIN pg_class c ON c.oid = i.inhrelid"
    "  WHERE i.inhparent = 'stacfed.items'::regclass)::float8"
    " FROM pg_stats s WHERE s.schemaname = 'stacfed' AND s.tablename = 'items'"
    " AND s.attname = 'facets' AND s.inherited AND s.most_common_elems IS NOT NULL"};

// Columns of catalogs_render.hpp's CatalogColumn. Parents come tree parent first (sql/0018);
// children carry whether they are the catalog's tree children. Children that are collections
// not loaded yet are left out so that every child link resolves; sub-catalogs come first
// ('catalog' sorts before 'collection'), the order /children lists them in.
#define STACFED_CATALOG_SELECT                                                                 \
  "SELECT k.id, k.content::text, k.links::text, "                                              \
  "(SELECT coalesce(json_agg(l.parent_id ORDER BY l.in_tree DESC, p.position, l.parent_id), "  \
  "                 '[]') "                                                                    \
  "   FROM stacfed.catalog_links l JOIN stacfed.catalogs p ON p.id = l.parent_id "             \
  "  WHERE l.child_kind = 'catalog' AND l.child_id = k.id)::text, "                            \
  "(SELECT coalesce(json_agg(json_build_array(l.child_kind, l.child_id, "                      \
  "          coalesce(sc.content->>'title', c.content->>'title'), l.in_tree) "                 \
  "          ORDER BY l.child_kind, l.position, l.child_id), '[]') "                           \
  "   FROM stacfed.catalog_links l "                                                           \
  "   LEFT JOIN stacfed.catalogs sc ON l.child_kind = 'catalog' AND sc.id = l.child_id "       \
  "   LEFT JOIN stacfed.collections c ON l.child_kind = 'collection' AND c.id = l.child_id "   \
  "  WHERE l.parent_id = k.id AND (sc.id IS NOT NULL OR c.id IS NOT NULL))::text, "            \
  "k.walk_complete "
#define STACFED_CATALOG_ROW STACFED_CATALOG_SELECT "FROM stacfed.catalogs k "

// Columns of catalogs_render.hpp's CollectionColumn, for a collection aliased c.
#define STACFED_COLLECTION_ROW                                                                \
  "SELECT c.id, c.content::text, c.links::text, "                                             \
  "(SELECT coalesce(json_agg(json_build_array(h.parent_id, coalesce(hk.content->>'title', '')) " \
  "          ORDER BY hk.position, h.parent_id), '[]') "                                      \
  "   FROM stacfed.catalog_links h JOIN stacfed.catalogs hk ON hk.id = h.parent_id "          \
  "  WHERE h.child_kind = 'collection' AND h.child_id = c.id)::text "

// The select list of a collection row (CollectionColumn), for the statements that
// collection search builds (collection_search.cpp) with their own conditions and order.
inline constexpr std::string_view kCollectionRowSelect = STACFED_COLLECTION_ROW;

inline constexpr pg::Statement kCatalogById{"catalogs_by_id", STACFED_CATALOG_ROW "WHERE k.id = $1"};

// Catalog search. Small table, so one statement with optional filters; bbox and datetime
// match a catalog when any collection below it overlaps.
inline constexpr pg::Statement kCatalogSearch{
    "catalogs_search",
    STACFED_CATALOG_ROW
    "WHERE ($1::text IS NULL OR k.id > $1) "
    "  AND ($2::text IS NULL OR k.search_text @@ websearch_to_tsquery('simple', $2)) "
    "  AND ($3::text IS NULL OR $3 = ANY (k.countries)) "
    "  AND ($4::text IS NULL OR $4 = ANY (k.sites)) "
    "  AND k.characterisation @> $5::jsonb "
    "  AND (($6::text IS NULL AND $7::bigint IS NULL AND $8::bigint IS NULL) OR EXISTS ("
    "    SELECT 1 FROM stacfed.catalog_collections cc "
    "    JOIN stacfed.collections c ON c.id = cc.collection_id "
    "    WHERE cc.catalog_id = k.id "
    "      AND ($6::text IS NULL OR ST_Intersects(c.extent_geometry, "
    "                                   ST_SetSRID(ST_GeomFromGeoJSON($6), 4326))) "
    "      AND ($7::bigint IS NULL OR coalesce(c.extent_end, 'infinity') >= "
    "                                  timestamptz 'epoch' + $7::bigint * interval '1 microsecond') "
    "      AND ($8::bigint IS NULL OR coalesce(c.extent_start, '-infinity') <= "
    "                                  timestamptz 'epoch' + $8::bigint * interval '1 microsecond'))) "
    "ORDER BY k.id LIMIT $9::int"};

// Per catalog of $1 and site, the items below the catalog located at the site: the facet
// counts (sql/0016) of the digests $3 of `site:locations` = each site id of $2.
inline constexpr pg::Statement kCatalogSiteCounts{
    "catalogs_site_counts",
    "SELECT cc.catalog_id, d.site, sum(f.items)::bigint FROM stacfed.catalog_collections cc "
    "JOIN stacfed.collection_facet_counts f ON f.collection_id = cc.collection_id "
    "JOIN unnest($2::text[], $3::bigint[]) AS d(site, digest) ON d.digest = f.digest "
    "WHERE cc.catalog_id = ANY ($1::text[]) "
    "GROUP BY cc.catalog_id, d.site HAVING sum(f.items) > 0 ORDER BY cc.catalog_id, d.site"};

// A catalog's sub-catalogs, tree children or not, keyset-paged as the Children pages below.
inline constexpr pg::Statement kSubCatalogs{
    "catalogs_sub",
    STACFED_CATALOG_SELECT ", e.position FROM stacfed.catalogs k "
    "JOIN stacfed.catalog_links e ON e.child_kind = 'catalog' AND e.child_id = k.id "
    "WHERE e.parent_id = $1 AND ($2::int IS NULL OR (e.position, k.id) > ($2::int, $3::text)) "
    "ORDER BY e.position, k.id LIMIT $4::int"};

// Children extension pages (sql/0018's tree): a catalog's tree children, sub-catalogs then
// collections, each keyset-paged on (position, id) after ($2, $3) when $2 is not NULL, at most
// $4 rows.
inline constexpr pg::Statement kTreeSubCatalogs{
    "catalogs_tree_sub",
    STACFED_CATALOG_SELECT ", e.position FROM stacfed.catalogs k "
    "JOIN stacfed.catalog_links e ON e.child_kind = 'catalog' AND e.child_id = k.id AND e.in_tree "
    "WHERE e.parent_id = $1 AND ($2::int IS NULL OR (e.position, k.id) > ($2::int, $3::text)) "
    "ORDER BY e.position, k.id LIMIT $4::int"};

inline constexpr pg::Statement kTreeChildCollections{
    "catalogs_tree_child_collections",
    STACFED_COLLECTION_ROW ", l.position "
    "FROM stacfed.catalog_links l JOIN stacfed.collections c ON c.id = l.child_id "
    "WHERE l.parent_id = $1 AND l.child_kind = 'collection' AND l.in_tree "
    "  AND ($2::int IS NULL OR (l.position, c.id) > ($2::int, $3::text)) "
    "ORDER BY l.position, c.id LIMIT $4::int"};

inline constexpr pg::Statement kCollectionRowById{"catalogs_collection_by_id",
                                           STACFED_COLLECTION_ROW
                                           "FROM stacfed.collections c WHERE c.id = $1"};

inline constexpr pg::Statement kCatalogExists{"catalogs_exists",
                                       "SELECT 1 FROM stacfed.catalogs WHERE id = $1"};

// One row per collection in scope, or one row with NULL when the catalog has none; no row
// when the catalog does not exist.
inline constexpr pg::Statement kCatalogScope{
    "catalogs_scope",
    "SELECT k.id, cc.collection_id FROM stacfed.catalogs k "
    "LEFT JOIN stacfed.catalog_collections cc ON cc.catalog_id = k.id WHERE k.id = $1"};

// The root's children: catalogs nobody holds, then collections no catalog holds. The rows
// statements are the root's Children pages, keyset-paged as the catalog's above.
#define STACFED_TOP_LEVEL                                                \
  "WHERE NOT EXISTS (SELECT 1 FROM stacfed.catalog_links l "            \
  "                  JOIN stacfed.catalogs p ON p.id = l.parent_id "    \
  "                  WHERE l.child_kind = 'catalog' AND l.child_id = k.id) "
#define STACFED_ORPHAN_COLLECTIONS                                                    \
  "FROM stacfed.collections c WHERE NOT EXISTS (SELECT 1 FROM stacfed.catalog_links l " \
  "  WHERE l.child_kind = 'collection' AND l.child_id = c.id) "

inline constexpr pg::Statement kTopLevelCatalogLinks{
    "catalogs_top_level_links",
    "SELECT k.id, coalesce(k.content->>'title', '') FROM stacfed.catalogs k " STACFED_TOP_LEVEL
    "ORDER BY k.position, k.id"};
inline constexpr pg::Statement kTopLevelCatalogRows{
    "catalogs_top_level_rows",
    STACFED_CATALOG_SELECT ", k.position FROM stacfed.catalogs k " STACFED_TOP_LEVEL
    "AND ($2::int IS NULL OR (k.position, k.id) > ($2::int, $3::text)) "
    "AND $1::text IS NULL ORDER BY k.position, k.id LIMIT $4::int"};
inline constexpr pg::Statement kOrphanCollectionLinks{
    "catalogs_orphan_collection_links",
    "SELECT c.id, coalesce(c.content->>'title', '') " STACFED_ORPHAN_COLLECTIONS "ORDER BY c.id"};
inline constexpr pg::Statement kOrphanCollectionRows{
    "catalogs_orphan_collection_rows",
    STACFED_COLLECTION_ROW ", 0 " STACFED_ORPHAN_COLLECTIONS
    "AND ($2::int IS NULL OR (0, c.id) > ($2::int, $3::text)) AND $1::text IS NULL "
    "ORDER BY c.id LIMIT $4::int"};

// Browse pages: keyset on the items' primary key (collection, id), reading `items_table` as
// ItemById does (the collection's partition when it has one).
inline OwnedStatement BrowseItems(std::string_view items_table) {
  return {StrCat("catalogs_browse_items_", items_table),
          StrCat("SELECT i.id FROM ", items_table,
                 " i WHERE i.collection = $1 AND ($2::text IS NULL OR i.id > $2) "
                 "ORDER BY i.id LIMIT $3::int")};
}


#undef STACFED_TOP_LEVEL
#undef STACFED_ORPHAN_COLLECTIONS
#undef STACFED_CATALOG_ROW
#undef STACFED_CATALOG_SELECT
#undef STACFED_COLLECTION_ROW
}  // namespace stacfed::search::statements
