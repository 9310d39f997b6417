-- Per collection, the earliest datetime and the latest end_datetime of its items.
--
-- A search with a datetime filter and no collection (or many) merges the time-ordered index
-- of every partition, and a partition with no item in the interval is walked to its end
-- before it can say so: at 1,000,000 items that was about 100 ms per such partition
-- (bench/README.md, "API"). With these bounds the server first picks the collections whose
-- items can overlap the interval and searches only their partitions.
--
-- The bounds are conservative: the one write path (libstac/ingest) widens them in the same
-- transaction as the items it writes and never narrows them, so a collection is never
-- skipped while it holds a matching item (after deletions it may merely be searched in
-- vain). NULL: the collection has no items.
ALTER TABLE stacfed.collections
  ADD COLUMN items_min_datetime timestamptz,
  ADD COLUMN items_max_end_datetime timestamptz;

UPDATE stacfed.collections c
SET items_min_datetime = b.min_datetime, items_max_end_datetime = b.max_end_datetime
FROM (SELECT collection, min(datetime) AS min_datetime, max(end_datetime) AS max_end_datetime
      FROM stacfed.items GROUP BY collection) b
WHERE b.collection = c.id;
