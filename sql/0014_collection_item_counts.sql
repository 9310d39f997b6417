-- Per collection, how many items it holds: numberMatched of a search that only names
-- collections (or a catalog, or nothing) is the sum of these, exact at any size and without
-- counting a row (issue 15, "Counts").
--
-- The one write path (libstac/ingest) adds the items each batch inserts, in the same
-- transaction, so a search never sees items its count lacks or the reverse. Items are never
-- deleted one by one; whatever writes items by other means must keep this count as well.
ALTER TABLE stacfed.collections ADD COLUMN item_count bigint NOT NULL DEFAULT 0;

UPDATE stacfed.collections c SET item_count = n.items
FROM (SELECT collection, count(*) AS items FROM stacfed.items GROUP BY collection) n
WHERE n.collection = c.id;
