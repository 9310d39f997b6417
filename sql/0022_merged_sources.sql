-- Several sources of one collection, merged with provenance (issue 17, defect 6).
--
-- Design notes
-- * Collection ids are global. By default the same collection id from several sources is one
--   collection (ESGF East and West both publish CMIP6 with the same item ids): one item per
--   id, the copies of every source kept. Unrelated namesakes are mapped to other local ids by
--   the federation file (a source's collection_ids / collection_prefix), before anything
--   reaches this schema.
-- * stacfed.item_sources says which source lists which item. A source's complete walk of a
--   collection removes its rows for the items it did not meet; an item is withdrawn
--   (sql/0021) only when no row is left, so one source never hides what another still lists.
--   Items with no row at all (loaded with `stacfed load`) are no harvest's to withdraw.
-- * item_sources.content is that source's version of the item, as the harvest prepared it
--   (the upstream's text, normalised and annotated). It is NULL while the item has one
--   source: stacfed.items holds that very document then, and a single-source harvest pays
--   for one small row per item, no copy. Once a second source lists the item, every
--   source's version is kept here and stacfed.items holds the merge (crawler/sink/merge.*):
--   the document of the source with the highest priority, the other sources' copies added
--   as alternates, each copy tagged with the source that listed it. When sources leave
--   until one is left, that source's version goes back to stacfed.items and its content
--   here to NULL.
-- * stacfed.collection_sources keeps each source's collection document; the served one is
--   the highest-priority source's, with extents covering all of them.
-- * Priority: harvest_sources.priority (higher first; the federation file's `priority`,
--   default 0), then position (the source's place in the federation file).

ALTER TABLE stacfed.harvest_sources
  ADD COLUMN priority integer NOT NULL DEFAULT 0,
  ADD COLUMN position integer NOT NULL DEFAULT 2147483647;

CREATE TABLE stacfed.item_sources (
  collection text NOT NULL,
  item_id text NOT NULL,
  source_id text NOT NULL,
  content text,
  PRIMARY KEY (collection, item_id, source_id)
);
DO $$
BEGIN
  ALTER TABLE stacfed.item_sources ALTER COLUMN content SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available: %', SQLERRM;
END
$$;

CREATE TABLE stacfed.collection_sources (
  collection_id text NOT NULL,
  source_id text NOT NULL,
  content jsonb NOT NULL,
  PRIMARY KEY (collection_id, source_id)
);

-- A source's own normalisation records: two sources of one item no longer overwrite each
-- other's.
ALTER TABLE stacfed.harvest_normalisations DROP CONSTRAINT harvest_normalisations_pkey;
ALTER TABLE stacfed.harvest_normalisations ADD PRIMARY KEY (collection_id, item_id, source_id);

-- Items harvested before this migration: listed by every source that walked their
-- collection (a source's next complete walk removes what it does not list).
INSERT INTO stacfed.item_sources (collection, item_id, source_id)
SELECT i.collection, i.id, c.source_id
FROM stacfed.harvest_checkpoints c JOIN stacfed.items i ON i.collection = c.collection_id
ON CONFLICT DO NOTHING;

-- Ends a walk (sql/0003's contract, sql/0021's restore). When the walk was complete, the
-- source's rows for items it did not meet go, and the items no source lists any more are
-- withdrawn. Items another source still lists were re-merged by the caller before (in the
-- transaction that dropped this source's rows for them). Returns the number newly withdrawn.
CREATE OR REPLACE FUNCTION stacfed.finish_harvest_walk(p_source text, p_collection text,
                                                       p_walk bigint, p_complete boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  newly_withdrawn bigint := 0;
BEGIN
  -- Set operations, not anti-joins: right after a first harvest the planner has no statistics
  -- of the rows just written and would compare every seen id with every listed one.
  PERFORM stacfed.restore_withdrawn_items(p_collection, ARRAY(
    SELECT k.id FROM stacfed.withdrawn_item_rows k WHERE k.collection = p_collection
    INTERSECT
    SELECT s.item_id FROM stacfed.harvest_seen s WHERE s.walk_id = p_walk));
  IF p_complete THEN
    WITH dropped AS (
      DELETE FROM stacfed.item_sources o
      WHERE o.collection = p_collection AND o.source_id = p_source
        AND o.item_id = ANY (ARRAY(
          SELECT u.item_id FROM stacfed.item_sources u
          WHERE u.collection = p_collection AND u.source_id = p_source
          EXCEPT
          SELECT s.item_id FROM stacfed.harvest_seen s WHERE s.walk_id = p_walk))
      RETURNING o.item_id
    )
    SELECT stacfed.withdraw_items(p_source, p_collection, ARRAY(
      SELECT d.item_id FROM dropped d
      WHERE NOT EXISTS (SELECT 1 FROM stacfed.item_sources r
                        WHERE r.collection = p_collection AND r.item_id = d.item_id
                          AND r.source_id <> p_source)))
    INTO newly_withdrawn;
  END IF;
  DELETE FROM stacfed.harvest_seen WHERE walk_id = p_walk;
  UPDATE stacfed.harvest_checkpoints
  SET next_request = NULL, completed_at = CASE WHEN p_complete THEN now() ELSE completed_at END
  WHERE source_id = p_source AND collection_id = p_collection;
  RETURN newly_withdrawn;
END;
$$;
