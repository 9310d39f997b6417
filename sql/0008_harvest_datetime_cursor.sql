-- Incremental harvests need two cursors (issue 5): the largest `updated` met, for APIs that
-- can filter or sort on it, and the largest item datetime met, for APIs that can only
-- select by `datetime`. Until now one cursor held `updated` where an item had it and its
-- datetime otherwise, so an `updated >= cursor` filter could be handed a datetime.
--
-- cursor: the largest `updated` met (NULL: no item had one).
-- datetime_cursor: the largest start of an item's time range met.
ALTER TABLE stacfed.harvest_checkpoints ADD COLUMN datetime_cursor timestamptz;
-- Mixed cursors are not trusted: the next run of each collection is a full walk, which sets
-- both.
UPDATE stacfed.harvest_checkpoints SET cursor = NULL;
