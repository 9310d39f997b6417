-- Item rows stay whole in their partition's heap (issue 2's bulk load, bench/README.md "Load").
--
-- A typical item (3 KB of content text, 1.5 KB of properties jsonb) exceeded the default
-- TOAST threshold of about 2 KB even with both columns compressed, so PostgreSQL moved the
-- compressed content out of line: per item a second heap tuple in the TOAST table, a new
-- OID checked against the TOAST index and an insert into that index, 16% of the database's
-- CPU in a load. With toast_tuple_target = 4080 PostgreSQL compresses the content and stops:
-- the row (about 3.4 KB) stays in the heap, two per page. Loads run about 10% faster
-- (a 200,000-item load: median 38,300 against 34,700 items/s, 5 runs each) for a database
-- about 15% larger (properties are no longer compressed), and reading an item no longer
-- fetches its content through the TOAST index. Larger items are still compressed and moved
-- out of line as before.
--
-- The storage parameter cannot be set on the partitioned table: every partition gets it,
-- the existing ones here (it applies to rows written from now on) and new ones in
-- ensure_items_partition.

DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'stacfed.items'::regclass
  LOOP
    EXECUTE format('ALTER TABLE %s SET (toast_tuple_target = 4080)', part);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION stacfed.ensure_items_partition(collection_id text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  part text;
BEGIN
  SELECT partition_name INTO part FROM stacfed.collections WHERE id = collection_id;
  IF part IS NULL THEN
    RAISE EXCEPTION 'unknown collection "%"', collection_id USING ERRCODE = 'P0002';
  END IF;
  IF to_regclass(format('stacfed.%I', part)) IS NOT NULL THEN
    RETURN part;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('stacfed.items_partitions'));
  IF to_regclass(format('stacfed.%I', part)) IS NULL THEN
    EXECUTE format('CREATE TABLE stacfed.%I (LIKE stacfed.items INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION) WITH (toast_tuple_target = 4080)', part);
    EXECUTE format('ALTER TABLE stacfed.%I ALTER COLUMN geometry SET STATISTICS 30', part);
    EXECUTE format('ALTER TABLE stacfed.%I ADD CONSTRAINT %I CHECK (collection = %L)', part, part || '_collection_check', collection_id);
    EXECUTE format('ALTER TABLE stacfed.items ATTACH PARTITION stacfed.%I FOR VALUES IN (%L)', part, collection_id);
  END IF;
  RETURN part;
END;
$$;
