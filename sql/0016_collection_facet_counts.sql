-- Per collection, how many items hold each facet value (the digests of items.facets,
-- sql/0012): the term frequencies of the Aggregation extension over whole collections
-- (cmip6:variable_id_frequency of every item, the ESGF facet sidebar) without reading a row.
-- Counting 1,000,000 items' values took 4 s; these rows answer in milliseconds.
--
-- The write path (libstac/ingest: batch_writer.cpp, facets_backfill.cpp) keeps them in the
-- same transaction as the items it writes, as it keeps stacfed.collections.item_count (sql/0014):
-- an inserted item adds one for each distinct digest it holds, an update subtracts the old
-- row's and adds the new row's (read under the row's lock), so a count is never ahead of or
-- behind the items a reader sees. Rows are written in (collection_id, digest) order and
-- after every other row a batch locks, so concurrent writers do not deadlock on them.
-- A count that falls to 0 stays as a row with 0. Whatever writes items by other means must
-- keep these counts as well.
CREATE TABLE stacfed.collection_facet_counts (
  collection_id text NOT NULL REFERENCES stacfed.collections (id) ON DELETE CASCADE,
  digest bigint NOT NULL,
  items bigint NOT NULL,
  PRIMARY KEY (collection_id, digest)
);

INSERT INTO stacfed.collection_facet_counts (collection_id, digest, items)
SELECT i.collection, d.digest, count(*)
FROM stacfed.items i CROSS JOIN LATERAL (SELECT DISTINCT unnest(i.facets) AS digest) d
GROUP BY i.collection, d.digest;
