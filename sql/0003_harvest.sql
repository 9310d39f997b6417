-- Harvest state (issue 5): per-source runs, per-collection checkpoints, the quarantine for
-- documents that could not be repaired, the record of what normalisation changed, and items
-- withdrawn upstream.
--
-- Design notes
-- * A "walk" is one pass over the items of one collection of one source. Its checkpoint row
--   says where to continue (next_request) and is advanced in the SAME transaction as the
--   items of each page (WriteItemBatch's before_commit), so a harvest killed at any moment
--   resumes exactly after the last committed page and never writes an item twice.
-- * harvest_seen collects the ids a walk met; only a COMPLETE, uncapped walk may mark the
--   items it did not meet as withdrawn ('gone'). Being a table rather than process memory,
--   it survives a kill, so a resumed walk still withdraws correctly.
-- * Nothing here is written when an unchanged upstream is harvested again, except the
--   checkpoint/run bookkeeping: normalisations and quarantine are upserts that skip identical
--   rows, and withdrawn rows are only inserted or removed on change.

CREATE TABLE stacfed.harvest_sources (
  source_id text PRIMARY KEY,
  catalog_id text,
  url text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('stac-api', 'static')),
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_success_at timestamptz,
  -- The summary of the last run (the JSON line `stacfed harvest` prints).
  last_summary jsonb,
  last_error text
);

CREATE SEQUENCE stacfed.harvest_walk_seq;

CREATE TABLE stacfed.harvest_checkpoints (
  source_id text NOT NULL,
  collection_id text NOT NULL,
  walk_id bigint NOT NULL,
  -- The request that continues an interrupted walk ({"method","url","body"} or
  -- {"static_index": n}); NULL when the last walk completed.
  next_request jsonb,
  pages bigint NOT NULL DEFAULT 0,
  items bigint NOT NULL DEFAULT 0,
  -- Largest `updated` (else datetime) seen so far: where an incremental run may start.
  cursor timestamptz,
  etag text,
  last_modified text,
  started_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  PRIMARY KEY (source_id, collection_id)
);

CREATE TABLE stacfed.harvest_seen (
  walk_id bigint NOT NULL,
  item_id text NOT NULL,
  PRIMARY KEY (walk_id, item_id)
);

-- Conditional-request validators per fetched document (static catalogs, item documents).
CREATE TABLE stacfed.harvest_http_cache (
  source_id text NOT NULL,
  url text NOT NULL,
  etag text,
  last_modified text,
  -- For item documents: which item the URL produced, so a 304 still counts it as seen.
  collection_id text,
  item_id text,
  PRIMARY KEY (source_id, url)
);

CREATE TABLE stacfed.quarantine (
  id bigserial PRIMARY KEY,
  source_id text NOT NULL,
  source_url text NOT NULL,
  collection_id text,
  item_id text,
  reason text NOT NULL,
  -- The raw document as received (text: it may not even be JSON).
  document text NOT NULL,
  document_md5 text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_id, document_md5, reason)
);

-- What normalisation changed in an item to make it valid STAC ("properties.datetime:
-- '2023-01-01T12:00:00' -> '2023-01-01T12:00:00Z' (no time zone, UTC assumed)").
CREATE TABLE stacfed.harvest_normalisations (
  collection_id text NOT NULL,
  item_id text NOT NULL,
  source_id text NOT NULL,
  changes jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, item_id)
);

-- Items that upstream no longer offers ('gone'), retracted ('retracted', ESGF
-- retracted=true) or superseded by a newer version ('superseded', ESGF latest=false). The
-- item row stays; readers decide whether to show it.
CREATE TABLE stacfed.withdrawn_items (
  collection_id text NOT NULL,
  item_id text NOT NULL,
  source_id text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('gone', 'retracted', 'superseded')),
  withdrawn_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, item_id)
);

-- Ends a walk: when it was complete, items of the collection it did not meet become
-- withdrawn ('gone') and items it met again stop being 'gone'. Returns the number newly
-- withdrawn. Runs in one transaction with the checkpoint's completion.
CREATE FUNCTION stacfed.finish_harvest_walk(p_source text, p_collection text, p_walk bigint,
                                            p_complete boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  newly_withdrawn bigint := 0;
BEGIN
  IF p_complete THEN
    INSERT INTO stacfed.withdrawn_items (collection_id, item_id, source_id, reason)
    SELECT i.collection, i.id, p_source, 'gone'
    FROM stacfed.items i
    WHERE i.collection = p_collection
      AND NOT EXISTS (SELECT 1 FROM stacfed.harvest_seen s WHERE s.walk_id = p_walk AND s.item_id = i.id)
    ON CONFLICT (collection_id, item_id) DO NOTHING;
    GET DIAGNOSTICS newly_withdrawn = ROW_COUNT;
    DELETE FROM stacfed.withdrawn_items w
    WHERE w.collection_id = p_collection AND w.reason = 'gone'
      AND EXISTS (SELECT 1 FROM stacfed.harvest_seen s WHERE s.walk_id = p_walk AND s.item_id = w.item_id);
  END IF;
  DELETE FROM stacfed.harvest_seen WHERE walk_id = p_walk;
  UPDATE stacfed.harvest_checkpoints
  SET next_request = NULL, completed_at = CASE WHEN p_complete THEN now() ELSE completed_at END
  WHERE source_id = p_source AND collection_id = p_collection;
  RETURN newly_withdrawn;
END;
$$;
