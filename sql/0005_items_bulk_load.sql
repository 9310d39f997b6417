-- Cheaper item writes (issue 2's bulk load), measured by the CPU PostgreSQL spends per loaded
-- item (bench/README.md, "Load").

-- items.content becomes text. The one write path (libstac/ingest) parses and validates every
-- item with simdjson before it is stored, and the server only streams content as it is:
-- PostgreSQL's json input function, which lexed the whole 2-4 KB document again on every
-- insert, bought nothing and cost about a tenth of the database's CPU in a bulk load.
-- properties stays jsonb: searches filter on it.
ALTER TABLE stacfed.items ALTER COLUMN content TYPE text;

-- One index fewer per partition. The primary key becomes (id, collection): it still enforces
-- the same uniqueness and serves look-ups by (collection, id) (both columns are compared for
-- equality), and with id first it also serves searches by id without a collection, for which
-- 0004 added a separate index on id. Every item insert maintained both; now it maintains one.
ALTER TABLE stacfed.items DROP CONSTRAINT items_pkey;
ALTER TABLE stacfed.items ADD CONSTRAINT items_pkey PRIMARY KEY (id, collection);
DROP INDEX stacfed.items_id_idx;
