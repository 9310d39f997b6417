-- Item search by ids without naming collections (pystac-client's `ids=`, stac-browser links):
-- the primary key (collection, id) cannot serve `id = ANY(...)` alone, and without this index
-- such a search walks every partition's order index to its end.
CREATE INDEX IF NOT EXISTS items_id_idx ON stacfed.items (id);
