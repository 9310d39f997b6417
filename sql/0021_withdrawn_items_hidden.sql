-- Withdrawn items leave every read path (issue 17, defect 5).
--
-- Design notes
-- * An item gone upstream (stacfed.withdrawn_items, reason 'gone', sql/0003) is moved out of
--   stacfed.items into stacfed.withdrawn_item_rows, its row exactly as stored, in the same
--   transaction that marks it; it moves back when a walk meets it again. Every reader of
--   stacfed.items (searches, numberMatched, aggregations, browse pages, export) so leaves it
--   out without a condition of its own, and searches keep their plans and their speed: a
--   NOT EXISTS against the marks on every search would have cost every search, for rows
--   that are rarely more than a few in a thousand.
-- * What the write path keeps per collection follows the rows, in the same transaction:
--   collections.item_count (sql/0014) loses a withdrawn item and gains it back, and so do its
--   facet counts (sql/0016). The item time bounds (sql/0006) and the collection's property
--   profile (sql/0012) are conservative by design (they only widen or grow) and stay.
-- * Locks are taken in the write path's order: the collection's row, then its facet counts
--   in digest order, so a withdrawal never deadlocks with a batch being written.
-- * ESGF's 'retracted' and 'superseded' items stay in stacfed.items: ESGF-NG serves them
--   with their flags (retracted: true, latest: false), and so does stacfed. Only 'gone'
--   hides; an item that was retracted and then disappears becomes 'gone'.
-- * Invariant: an item has a row in withdrawn_item_rows exactly when it is marked 'gone',
--   and then none in stacfed.items. The crawler's sink (crawler/sink) drops the stored copy
--   of an item it writes again (the writer inserts it as new, counts included);
--   finish_harvest_walk below brings back those a walk met without writing them (HTTP 304).
-- * The columns are the stored columns of stacfed.items (items.words is generated from
--   properties and comes back with the row). A migration adding a column to stacfed.items
--   adds it here as well.

CREATE TABLE stacfed.withdrawn_item_rows (
  collection text NOT NULL,
  id text NOT NULL,
  geometry geometry(Geometry, 4326),
  datetime timestamptz NOT NULL,
  end_datetime timestamptz NOT NULL,
  properties jsonb NOT NULL,
  content text NOT NULL,
  links text,
  content_hash bigint NOT NULL,
  facets bigint[],
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (collection, id)
);
DO $$
BEGIN
  ALTER TABLE stacfed.withdrawn_item_rows ALTER COLUMN content SET COMPRESSION lz4;
  ALTER TABLE stacfed.withdrawn_item_rows ALTER COLUMN properties SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available: %', SQLERRM;
END
$$;

-- Moves items of one collection from stacfed.items to withdrawn_item_rows and marks them
-- 'gone' from p_source (an ESGF retracted or superseded mark becomes 'gone': the item is no
-- longer offered at all; an existing 'gone' mark keeps its time). Returns how many moved.
CREATE FUNCTION stacfed.withdraw_items(p_source text, p_collection text, p_ids text[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  moved bigint;
BEGIN
  IF coalesce(cardinality(p_ids), 0) = 0 THEN
    RETURN 0;
  END IF;
  PERFORM 1 FROM stacfed.collections WHERE id = p_collection FOR NO KEY UPDATE;
  WITH taken AS (
    DELETE FROM stacfed.items i WHERE i.collection = p_collection AND i.id = ANY (p_ids)
    RETURNING i.collection, i.id, i.geometry, i.datetime, i.end_datetime, i.properties,
              i.content, i.links, i.content_hash, i.facets, i.updated_at
  ), kept AS (
    INSERT INTO stacfed.withdrawn_item_rows AS k (collection, id, geometry, datetime,
        end_datetime, properties, content, links, content_hash, facets, updated_at)
    SELECT * FROM taken
    ON CONFLICT (collection, id) DO UPDATE SET geometry = EXCLUDED.geometry,
      datetime = EXCLUDED.datetime, end_datetime = EXCLUDED.end_datetime,
      properties = EXCLUDED.properties, content = EXCLUDED.content, links = EXCLUDED.links,
      content_hash = EXCLUDED.content_hash, facets = EXCLUDED.facets,
      updated_at = EXCLUDED.updated_at
  ), uncounted AS (
    INSERT INTO stacfed.collection_facet_counts AS f (collection_id, digest, items)
    SELECT p_collection, d.digest, -count(*)
    FROM taken t CROSS JOIN LATERAL unnest(t.facets) AS d(digest)
    GROUP BY d.digest ORDER BY d.digest
    ON CONFLICT (collection_id, digest) DO UPDATE SET items = f.items + EXCLUDED.items
  ), marked AS (
    INSERT INTO stacfed.withdrawn_items AS w (collection_id, item_id, source_id, reason)
    SELECT p_collection, t.id, p_source, 'gone' FROM taken t
    ON CONFLICT (collection_id, item_id) DO UPDATE SET reason = 'gone',
      source_id = EXCLUDED.source_id, withdrawn_at = now()
    WHERE w.reason <> 'gone'
  )
  SELECT count(*) INTO moved FROM taken;
  IF moved > 0 THEN
    UPDATE stacfed.collections SET item_count = item_count - moved WHERE id = p_collection;
  END IF;
  RETURN moved;
END;
$$;

-- Moves items of one collection back from withdrawn_item_rows into stacfed.items as they
-- were stored and removes their 'gone' marks. An item that is in stacfed.items again already
-- (written anew by `stacfed load`) keeps that row; its stored copy is dropped. Returns how
-- many rows came back.
CREATE FUNCTION stacfed.restore_withdrawn_items(p_collection text, p_ids text[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  restored bigint;
BEGIN
  IF coalesce(cardinality(p_ids), 0) = 0 THEN
    RETURN 0;
  END IF;
  PERFORM 1 FROM stacfed.collections WHERE id = p_collection FOR NO KEY UPDATE;
  WITH taken AS (
    DELETE FROM stacfed.withdrawn_item_rows k
    WHERE k.collection = p_collection AND k.id = ANY (p_ids)
    RETURNING k.collection, k.id, k.geometry, k.datetime, k.end_datetime, k.properties,
              k.content, k.links, k.content_hash, k.facets, k.updated_at
  ), put AS (
    INSERT INTO stacfed.items (collection, id, geometry, datetime, end_datetime, properties,
        content, links, content_hash, facets, updated_at)
    SELECT * FROM taken
    ON CONFLICT (collection, id) DO NOTHING
    RETURNING facets
  ), counted AS (
    INSERT INTO stacfed.collection_facet_counts AS f (collection_id, digest, items)
    SELECT p_collection, d.digest, count(*)
    FROM put p CROSS JOIN LATERAL unnest(p.facets) AS d(digest)
    GROUP BY d.digest ORDER BY d.digest
    ON CONFLICT (collection_id, digest) DO UPDATE SET items = f.items + EXCLUDED.items
  ), unmarked AS (
    DELETE FROM stacfed.withdrawn_items w
    WHERE w.collection_id = p_collection AND w.item_id = ANY (p_ids) AND w.reason = 'gone'
  )
  SELECT count(*) INTO restored FROM put;
  IF restored > 0 THEN
    UPDATE stacfed.collections SET item_count = item_count + restored WHERE id = p_collection;
  END IF;
  RETURN restored;
END;
$$;

-- Ends a walk (sql/0003's contract): withdrawn items the walk met without writing them come
-- back (written ones left withdrawn_item_rows with their page); when the walk was complete,
-- the items of the collection it did not meet are withdrawn. Returns the number newly
-- withdrawn. Runs in one transaction with the checkpoint's completion.
CREATE OR REPLACE FUNCTION stacfed.finish_harvest_walk(p_source text, p_collection text,
                                                       p_walk bigint, p_complete boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  newly_withdrawn bigint := 0;
BEGIN
  PERFORM stacfed.restore_withdrawn_items(p_collection, ARRAY(
    SELECT k.id FROM stacfed.withdrawn_item_rows k
    WHERE k.collection = p_collection
      AND EXISTS (SELECT 1 FROM stacfed.harvest_seen s
                  WHERE s.walk_id = p_walk AND s.item_id = k.id)));
  -- Until merged sources record which source lists which item (issue 17, defect 6), a
  -- collection that another source harvests as well withdraws nothing: one source's walk
  -- never hides what the other may still list.
  IF p_complete AND NOT EXISTS (SELECT 1 FROM stacfed.harvest_checkpoints c
                                WHERE c.collection_id = p_collection
                                  AND c.source_id <> p_source) THEN
    newly_withdrawn := stacfed.withdraw_items(p_source, p_collection, ARRAY(
      SELECT i.id FROM stacfed.items i
      WHERE i.collection = p_collection
        AND NOT EXISTS (SELECT 1 FROM stacfed.harvest_seen s
                        WHERE s.walk_id = p_walk AND s.item_id = i.id)));
  END IF;
  DELETE FROM stacfed.harvest_seen WHERE walk_id = p_walk;
  UPDATE stacfed.harvest_checkpoints
  SET next_request = NULL, completed_at = CASE WHEN p_complete THEN now() ELSE completed_at END
  WHERE source_id = p_source AND collection_id = p_collection;
  RETURN newly_withdrawn;
END;
$$;

-- Items withdrawn before this migration: moved aside now, their marks kept as they are.
SELECT stacfed.withdraw_items(w.source_id, w.collection_id, array_agg(w.item_id))
FROM stacfed.withdrawn_items w WHERE w.reason = 'gone'
GROUP BY w.source_id, w.collection_id;
