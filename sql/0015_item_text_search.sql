-- Free text over items (issue 15, `q`): the words a scientist searches by, kept as a text-search
-- vector per item (items.words) with a GIN index: the item's title, description and keywords,
-- and its identifying facets (the variable, experiment, model, institution, member, frequency,
-- table, realm of CMIP6, CMIP7 and CORDEX items, EERIE's model, experiment and region, a
-- satellite's platform, constellation, mission and instruments, the product type, the
-- project). Arrays count by their strings.
--
-- Only these: indexing every string of properties (jsonb_to_tsvector) cost about 50 us per
-- item, twice what a bulk load spends on an item in all; this list costs about 20 us, most
-- of it PostgreSQL's text parser. The 'simple' configuration lowercases and does not stem, so
-- model names and ids match as written, case aside (server/search/free_text.hpp).
--
-- The vector is stored (a generated column), not only indexed: ranking the matches by
-- relevance reads it, where an expression index would make every ranked match parse its
-- text again (about 40 us: 170 ms for a query matching 4,000 of 1,000,000 items, against
-- about 15 ms stored).

CREATE FUNCTION stacfed.item_text(p jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT
    coalesce(p->>'title', '') || ' ' ||
    coalesce(p->>'description', '') || ' ' ||
    coalesce(p->>'keywords', '') || ' ' ||
    coalesce(p->>'project', '') || ' ' ||
    coalesce(p->>'platform', '') || ' ' ||
    coalesce(p->>'constellation', '') || ' ' ||
    coalesce(p->>'mission', '') || ' ' ||
    coalesce(p->>'instruments', '') || ' ' ||
    coalesce(p->>'product:type', '') || ' ' ||
    coalesce(p->>'variables', '') || ' ' ||
    coalesce(p->>'cmip6:activity_id', '') || ' ' ||
    coalesce(p->>'cmip6:institution_id', '') || ' ' ||
    coalesce(p->>'cmip6:source_id', '') || ' ' ||
    coalesce(p->>'cmip6:experiment_id', '') || ' ' ||
    coalesce(p->>'cmip6:experiment', '') || ' ' ||
    coalesce(p->>'cmip6:member_id', '') || ' ' ||
    coalesce(p->>'cmip6:variable_id', '') || ' ' ||
    coalesce(p->>'cmip6:variable_long_name', '') || ' ' ||
    coalesce(p->>'cmip6:frequency', '') || ' ' ||
    coalesce(p->>'cmip6:table_id', '') || ' ' ||
    coalesce(p->>'cmip6:realm', '') || ' ' ||
    coalesce(p->>'cmip7:activity_id', '') || ' ' ||
    coalesce(p->>'cmip7:institution_id', '') || ' ' ||
    coalesce(p->>'cmip7:source_id', '') || ' ' ||
    coalesce(p->>'cmip7:experiment_id', '') || ' ' ||
    coalesce(p->>'cmip7:experiment', '') || ' ' ||
    coalesce(p->>'cmip7:member_id', '') || ' ' ||
    coalesce(p->>'cmip7:variable_id', '') || ' ' ||
    coalesce(p->>'cmip7:variable_long_name', '') || ' ' ||
    coalesce(p->>'cmip7:frequency', '') || ' ' ||
    coalesce(p->>'cmip7:table_id', '') || ' ' ||
    coalesce(p->>'cmip7:realm', '') || ' ' ||
    coalesce(p->>'cordex:domain_id', '') || ' ' ||
    coalesce(p->>'cordex:driving_source_id', '') || ' ' ||
    coalesce(p->>'cordex:driving_experiment_id', '') || ' ' ||
    coalesce(p->>'cordex:institution_id', '') || ' ' ||
    coalesce(p->>'cordex:source_id', '') || ' ' ||
    coalesce(p->>'cordex:experiment_id', '') || ' ' ||
    coalesce(p->>'cordex:variable_id', '') || ' ' ||
    coalesce(p->>'cordex:frequency', '') || ' ' ||
    coalesce(p->>'eerie:model', '') || ' ' ||
    coalesce(p->>'eerie:experiment', '') || ' ' ||
    coalesce(p->>'eerie:region', '') $$;

ALTER TABLE stacfed.items ADD COLUMN words tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, stacfed.item_text(properties))) STORED;
CREATE INDEX items_words_idx ON stacfed.items USING gin (words);

-- New partitions take the column's generation expression from the parent.
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
    EXECUTE format('CREATE TABLE stacfed.%I (LIKE stacfed.items INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING GENERATED) WITH (toast_tuple_target = 4080)', part);
    EXECUTE format('ALTER TABLE stacfed.%I ALTER COLUMN geometry SET STATISTICS 30', part);
    EXECUTE format('ALTER TABLE stacfed.%I ADD CONSTRAINT %I CHECK (collection = %L)', part, part || '_collection_check', collection_id);
    EXECUTE format('ALTER TABLE stacfed.items ATTACH PARTITION stacfed.%I FOR VALUES IN (%L)', part, collection_id);
  END IF;
  RETURN part;
END;
$$;
