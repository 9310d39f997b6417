-- Locality as a search facet (issue 18): `site:locations`, `access:online_status` and
-- `stacfed:sources` became facet keys (libstac/model/facets.cpp), so they have digests for
-- the facet index, term aggregations and facet counts. Items written before carry no digests
-- for them: `stacfed migrate` recomputes the facets of every collection whose items hold one
-- of these keys (sql/0012's backfill list, processed right after the migrations).
--
-- Items withdrawn before this migration (stacfed.withdrawn_item_rows, sql/0021) keep their
-- old digests; one that comes back unchanged (HTTP 304) is found by these facets again once
-- its collection is backfilled or the item is written anew.
INSERT INTO stacfed.facets_backfill (collection_id)
SELECT c.id FROM stacfed.collections c
WHERE EXISTS (SELECT 1 FROM stacfed.items i
              WHERE i.collection = c.id
                AND (i.properties ? 'site:locations' OR i.properties ? 'access:online_status'
                     OR i.properties ? 'stacfed:sources'))
ON CONFLICT (collection_id) DO NOTHING;
