-- stacfed core schema: collections, items partitioned by collection, catalogs for nesting,
-- queryables. Everything lives in the schema "stacfed"; PostGIS stays where the database has
-- it. The server and the crawler meet here: this file and its successors are their contract.
--
-- Design notes
-- * items.content is the item as JSON text (type json, not jsonb) WITHOUT its links: the
--   server prepends the links it generates (self, root, parent, collection) to the stored
--   extra links and streams content as it is, so a page of items is never re-serialised.
--   properties is a jsonb copy for property filters and expression indexes.
-- * datetime/end_datetime are the item's time range: datetime for both when the item has one,
--   else start_datetime/end_datetime. A search matches when the ranges overlap.
-- * The global order for paging is (datetime DESC, collection, id); every partition has an
--   index in that order so keyset pages are index range scans merged across partitions.
-- * content_hash (computed by the writer) lets an upsert skip unchanged items, so re-loading
--   or re-harvesting the same data writes nothing.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE SCHEMA IF NOT EXISTS stacfed;

CREATE TABLE stacfed.collections (
  id text PRIMARY KEY,
  -- Name of the items partition holding this collection's items.
  partition_name text NOT NULL UNIQUE,
  -- The Collection document without the links the server generates.
  content jsonb NOT NULL,
  -- Links of the document other than self/root/parent/items (license, about, ...).
  links jsonb NOT NULL DEFAULT '[]',
  -- Extent, lifted out of content for collection search.
  extent_geometry geometry(Geometry, 4326),
  extent_start timestamptz,
  extent_end timestamptz,
  search_text tsvector NOT NULL DEFAULT ''::tsvector,
  content_hash bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX collections_extent_geometry_idx ON stacfed.collections USING gist (extent_geometry);
CREATE INDEX collections_search_text_idx ON stacfed.collections USING gin (search_text);

CREATE TABLE stacfed.items (
  collection text NOT NULL,
  id text NOT NULL,
  geometry geometry(Geometry, 4326),
  datetime timestamptz NOT NULL,
  end_datetime timestamptz NOT NULL,
  properties jsonb NOT NULL,
  content json NOT NULL,
  links json,
  content_hash bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection, id),
  CHECK (end_datetime >= datetime)
) PARTITION BY LIST (collection);
-- lz4 compresses TOASTed items several times faster than the default pglz; a server built
-- without lz4 keeps the default.
DO $$
BEGIN
  ALTER TABLE stacfed.items ALTER COLUMN content SET COMPRESSION lz4;
  ALTER TABLE stacfed.items ALTER COLUMN properties SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available: %', SQLERRM;
END
$$;
CREATE INDEX items_order_idx ON stacfed.items (datetime DESC, collection, id);
CREATE INDEX items_end_datetime_idx ON stacfed.items (end_datetime);
CREATE INDEX items_geometry_idx ON stacfed.items USING gist (geometry);

-- Catalogs form a DAG (a node may have several parents); catalog_links are its edges, with
-- collections as leaves. catalog_collections is the closure (catalog -> every collection
-- reachable below it), kept up to date on change so that a scoped search is a plain
-- collection = ANY(...) and never walks the tree per request.
CREATE TABLE stacfed.catalogs (
  id text PRIMARY KEY,
  content jsonb NOT NULL,
  links jsonb NOT NULL DEFAULT '[]',
  characterisation jsonb NOT NULL DEFAULT '{}',
  search_text tsvector NOT NULL DEFAULT ''::tsvector,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stacfed.catalog_links (
  parent_id text NOT NULL REFERENCES stacfed.catalogs (id) ON DELETE CASCADE,
  child_kind text NOT NULL CHECK (child_kind IN ('catalog', 'collection')),
  child_id text NOT NULL,
  position integer NOT NULL DEFAULT 0,
  PRIMARY KEY (parent_id, child_kind, child_id)
);
CREATE INDEX catalog_links_child_idx ON stacfed.catalog_links (child_kind, child_id);

CREATE TABLE stacfed.catalog_collections (
  catalog_id text NOT NULL REFERENCES stacfed.catalogs (id) ON DELETE CASCADE,
  collection_id text NOT NULL,
  depth integer NOT NULL,
  PRIMARY KEY (catalog_id, collection_id)
);
CREATE INDEX catalog_collections_collection_idx ON stacfed.catalog_collections (collection_id);

CREATE TABLE stacfed.queryables (
  name text NOT NULL,
  -- NULL: applies to every collection.
  collection_id text REFERENCES stacfed.collections (id) ON DELETE CASCADE,
  definition jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX queryables_name_idx ON stacfed.queryables (name, coalesce(collection_id, ''));

-- Creates the items partition of a collection if it is missing. Partitions are created as
-- standalone tables and then ATTACHed: ATTACH takes only SHARE UPDATE EXCLUSIVE on the
-- parent, so it neither blocks searches nor deadlocks with loads writing other partitions.
-- The advisory lock serialises concurrent creators. Callers run this in a short transaction
-- of its own, before the transaction that writes items, so a load never holds item locks
-- while it waits for DDL.
CREATE FUNCTION stacfed.ensure_items_partition(collection_id text) RETURNS text
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
    EXECUTE format('ALTER TABLE stacfed.%I ADD CONSTRAINT %I CHECK (collection = %L)', part, part || '_collection_check', collection_id);
    EXECUTE format('ALTER TABLE stacfed.items ATTACH PARTITION stacfed.%I FOR VALUES IN (%L)', part, collection_id);
  END IF;
  RETURN part;
END;
$$;

-- Inserts or updates a collection from its document and lifts its extent and search text.
-- Returns true when anything changed.
CREATE FUNCTION stacfed.upsert_collection(doc jsonb, extra_links jsonb, hash bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  cid text := doc->>'id';
  bbox jsonb := doc #> '{extent,spatial,bbox,0}';
  interval_start text := doc #>> '{extent,temporal,interval,0,0}';
  interval_end text := doc #>> '{extent,temporal,interval,0,1}';
  geom geometry;
  changed boolean;
BEGIN
  IF jsonb_typeof(bbox) = 'array' AND jsonb_array_length(bbox) IN (4, 6) THEN
    geom := stacfed.bbox_geometry(bbox);
  END IF;
  INSERT INTO stacfed.collections AS c
    (id, partition_name, content, links, extent_geometry, extent_start, extent_end,
     search_text, content_hash)
  VALUES (cid, 'items_' || substr(md5(cid), 1, 16), doc, coalesce(extra_links, '[]'), geom,
          interval_start::timestamptz, interval_end::timestamptz,
          stacfed.document_search_text(doc), hash)
  ON CONFLICT (id) DO UPDATE SET
    content = EXCLUDED.content, links = EXCLUDED.links,
    extent_geometry = EXCLUDED.extent_geometry, extent_start = EXCLUDED.extent_start,
    extent_end = EXCLUDED.extent_end, search_text = EXCLUDED.search_text,
    content_hash = EXCLUDED.content_hash, updated_at = now()
  WHERE c.content_hash <> EXCLUDED.content_hash;
  GET DIAGNOSTICS changed = ROW_COUNT;
  PERFORM stacfed.ensure_items_partition(cid);
  RETURN changed;
END;
$$;

-- A bbox array [w,s,e,n] or [w,s,zmin,e,n,zmax] as a polygon; a box crossing the
-- antimeridian (w > e) becomes a multipolygon of its two halves.
CREATE FUNCTION stacfed.bbox_geometry(bbox jsonb) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN w <= e THEN ST_MakeEnvelope(w, s, e, n, 4326)
              ELSE ST_Multi(ST_Collect(ST_MakeEnvelope(w, s, 180, n, 4326),
                                       ST_MakeEnvelope(-180, s, e, n, 4326))) END
  FROM (SELECT (bbox->>0)::float8 AS w, (bbox->>1)::float8 AS s,
               (bbox->>(CASE WHEN jsonb_array_length(bbox) = 6 THEN 3 ELSE 2 END))::float8 AS e,
               (bbox->>(CASE WHEN jsonb_array_length(bbox) = 6 THEN 4 ELSE 3 END))::float8 AS n) b
$$;

-- Words of id, title, description and keywords, for free-text search on catalogs and
-- collections. 'simple' keeps model and variable names (tas, ICON-ESM-ER) intact.
CREATE FUNCTION stacfed.document_search_text(doc jsonb) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('simple', coalesce(doc->>'id', '') || ' ' || coalesce(doc->>'title', '')), 'A')
      || setweight(to_tsvector('simple', coalesce((SELECT string_agg(k, ' ') FROM jsonb_array_elements_text(
             CASE WHEN jsonb_typeof(doc->'keywords') = 'array' THEN doc->'keywords' ELSE '[]' END) k), '')), 'B')
      || setweight(to_tsvector('simple', coalesce(doc->>'description', '')), 'C')
$$;
