-- A coarser statistics target for items.geometry.
--
-- PostGIS builds a 2-D histogram of target^2 cells when it analyses a geometry column, and
-- every sampled feature adds to each cell its box overlaps. Climate model output is mostly
-- global, so nearly every sample touches every cell: with the default target (100) one
-- ANALYZE of a 50,000-item partition took 3.7 s, and autovacuum's analyses during a bulk
-- load took a fifth of the machine's CPU (bench/README.md, "Load"). At 30 (900 cells) the
-- same ANALYZE takes 0.16 s. The estimates lose little: PostGIS spreads a global item's
-- weight over the cells by area anyway, which is why the server does not trust them for
-- large matches (server/api/search_sql.cpp).
--
-- ALTER COLUMN recurses to existing partitions; new ones get it from
-- ensure_items_partition, since CREATE TABLE ... LIKE does not copy a statistics target.

ALTER TABLE stacfed.items ALTER COLUMN geometry SET STATISTICS 30;

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
    EXECUTE format('CREATE TABLE stacfed.%I (LIKE stacfed.items INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)', part);
    EXECUTE format('ALTER TABLE stacfed.%I ALTER COLUMN geometry SET STATISTICS 30', part);
    EXECUTE format('ALTER TABLE stacfed.%I ADD CONSTRAINT %I CHECK (collection = %L)', part, part || '_collection_check', collection_id);
    EXECUTE format('ALTER TABLE stacfed.items ATTACH PARTITION stacfed.%I FOR VALUES IN (%L)', part, collection_id);
  END IF;
  RETURN part;
END;
$$;
