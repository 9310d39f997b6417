-- stacfed federation: the catalog tree described by the federation file
-- (schemas/federation.schema.json), the sites data lives at, and the closure that makes a
-- scoped search as cheap as naming its collections.
--
-- Design notes
-- * origin says who owns a catalog or a link: 'federation' (the file; `stacfed federation
--   apply` adds, updates and removes these) or 'harvest' (the crawler; apply never removes a
--   harvest link of a catalog that still exists). A link the file declares becomes the file's.
-- * Links to collections that do not exist yet are kept: the collection appears in the API
--   once it is loaded or harvested. The closure includes them for the same reason, so a
--   scoped search finds a newly loaded collection without a refresh.
-- * catalog_collections holds (catalog, collection, min depth) for every collection reachable
--   below a catalog; refresh_catalog_closure() recomputes it with one recursive query and
--   writes only the rows that differ, so calling it after every change is cheap.

ALTER TABLE stacfed.catalogs
  ADD COLUMN origin text NOT NULL DEFAULT 'federation' CHECK (origin IN ('federation', 'harvest')),
  -- Position in the file: listings keep the order the file gives.
  ADD COLUMN position integer NOT NULL DEFAULT 0,
  -- The catalog's harvest source as written in the file (NULL: not harvested).
  ADD COLUMN harvest jsonb,
  -- Ids of stacfed.sites holding the catalog's data.
  ADD COLUMN sites text[] NOT NULL DEFAULT '{}',
  -- Countries for catalog search: the sites' ISO alpha-2 codes plus the institution's
  -- (re3data's alpha-3 and, where known, its alpha-2).
  ADD COLUMN countries text[] NOT NULL DEFAULT '{}';
CREATE INDEX catalogs_search_text_idx ON stacfed.catalogs USING gin (search_text);
CREATE INDEX catalogs_characterisation_idx ON stacfed.catalogs USING gin (characterisation jsonb_path_ops);
CREATE INDEX catalogs_countries_idx ON stacfed.catalogs USING gin (countries);

ALTER TABLE stacfed.catalog_links
  ADD COLUMN origin text NOT NULL DEFAULT 'federation' CHECK (origin IN ('federation', 'harvest'));
CREATE INDEX catalog_links_parent_idx ON stacfed.catalog_links (parent_id, position, child_id);

-- Sites (DKRZ, CEDA, CINECA, ...): where data physically lives, for site locality.
CREATE TABLE stacfed.sites (
  id text PRIMARY KEY,
  name text NOT NULL,
  country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  kind text NOT NULL CHECK (kind IN ('hpc', 'cloud', 'archive', 'datacentre')),
  operator text,
  re3data text,
  compute jsonb NOT NULL DEFAULT '[]',
  position integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Words for catalog search: the document's (id, title, keywords, description) plus the
-- characterisation's names and vocabularies, so q=CoreTrustSeal or q=CEDA finds a catalog.
CREATE FUNCTION stacfed.catalog_search_text(content jsonb, characterisation jsonb)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT stacfed.document_search_text(content)
      || setweight(to_tsvector('simple', coalesce((
           SELECT string_agg(v, ' ') FROM jsonb_path_query(characterisation, 'strict $.**') j,
                  LATERAL (SELECT j #>> '{}' AS v) s
           WHERE jsonb_typeof(j) = 'string'), '')), 'D')
$$;

-- Recomputes the closure from catalog_links. Safe to call concurrently (an advisory lock
-- serialises callers) and from inside a larger transaction. Depth is bounded so that a cycle
-- introduced by harvest links cannot run away (the file itself is checked for cycles).
-- Returns the number of closure rows inserted, updated or deleted.
CREATE FUNCTION stacfed.refresh_catalog_closure() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  changed bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('stacfed.catalog_closure'));
  WITH RECURSIVE reach (catalog_id, descendant_id, depth) AS (
      SELECT id, id, 0 FROM stacfed.catalogs
    UNION
      SELECT r.catalog_id, l.child_id, r.depth + 1
      FROM reach r
      JOIN stacfed.catalog_links l ON l.parent_id = r.descendant_id AND l.child_kind = 'catalog'
      WHERE r.depth < 32
  ),
  wanted AS (
    SELECT r.catalog_id, l.child_id AS collection_id, min(r.depth) + 1 AS depth
    FROM reach r
    JOIN stacfed.catalog_links l ON l.parent_id = r.descendant_id AND l.child_kind = 'collection'
    GROUP BY r.catalog_id, l.child_id
  ),
  deleted AS (
    DELETE FROM stacfed.catalog_collections cc
    WHERE NOT EXISTS (SELECT 1 FROM wanted w
                      WHERE w.catalog_id = cc.catalog_id AND w.collection_id = cc.collection_id)
    RETURNING 1
  ),
  upserted AS (
    INSERT INTO stacfed.catalog_collections AS cc (catalog_id, collection_id, depth)
    SELECT catalog_id, collection_id, depth FROM wanted
    ON CONFLICT (catalog_id, collection_id) DO UPDATE SET depth = EXCLUDED.depth
    WHERE cc.depth <> EXCLUDED.depth
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM deleted) + (SELECT count(*) FROM upserted) INTO changed;
  RETURN changed;
END;
$$;

-- Makes sites, catalogs and the file's links match the desired state (built by
-- libstac/federation/apply.cpp from the file), then refreshes the closure. Call it inside a
-- transaction: it is all of the apply, so the tree is never seen half-changed.
--   sites:    [{id, name, country, kind, operator, re3data, compute, position}]
--   catalogs: [{id, position, content, links, characterisation, harvest, sites, countries}]
--   links:    [{parent_id, child_kind, child_id, position}]
-- Returns one row per kind ('sites', 'catalogs', 'links', 'closure') with the counts.
CREATE FUNCTION stacfed.apply_federation(desired_sites jsonb, desired_catalogs jsonb,
                                         desired_links jsonb)
RETURNS TABLE (kind text, added bigint, updated bigint, removed bigint, unchanged bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  n_added bigint;
  n_updated bigint;
  n_removed bigint;
  n_total bigint;
BEGIN
  -- Two applies at once would interleave their diffs: the second waits for the first.
  PERFORM pg_advisory_xact_lock(hashtext('stacfed.apply_federation'));
  -- Sites (catalogs.sites names them by id, without a foreign key: order does not matter).
  CREATE TEMP TABLE federation_sites ON COMMIT DROP AS
    SELECT * FROM jsonb_to_recordset(desired_sites)
      AS d(id text, name text, country text, kind text, operator text, re3data text,
           compute jsonb, position integer);
  WITH upserted AS (
    INSERT INTO stacfed.sites AS s (id, name, country, kind, operator, re3data, compute, position)
    SELECT id, name, country, kind, operator, re3data, coalesce(compute, '[]'), position
    FROM federation_sites
    ON CONFLICT (id) DO UPDATE SET
      name = EXCLUDED.name, country = EXCLUDED.country, kind = EXCLUDED.kind,
      operator = EXCLUDED.operator, re3data = EXCLUDED.re3data, compute = EXCLUDED.compute,
      position = EXCLUDED.position, updated_at = now()
    WHERE (s.name, s.country, s.kind, s.operator, s.re3data, s.compute, s.position)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.country, EXCLUDED.kind, EXCLUDED.operator,
                            EXCLUDED.re3data, EXCLUDED.compute, EXCLUDED.position)
    RETURNING (xmax = 0) AS inserted
  )
  SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
  INTO n_added, n_updated FROM upserted;
  DELETE FROM stacfed.sites s WHERE NOT EXISTS (SELECT 1 FROM federation_sites d WHERE d.id = s.id);
  GET DIAGNOSTICS n_removed = ROW_COUNT;
  SELECT count(*) INTO n_total FROM federation_sites;
  kind := 'sites'; added := n_added; updated := n_updated; removed := n_removed;
  unchanged := n_total - n_added - n_updated;
  RETURN NEXT;

  -- Catalogs: the file's catalogs are the file's, even if the crawler created them first.
  CREATE TEMP TABLE federation_catalogs ON COMMIT DROP AS
    SELECT * FROM jsonb_to_recordset(desired_catalogs)
      AS d(id text, position integer, content jsonb, links jsonb, characterisation jsonb,
           harvest jsonb, sites text[], countries text[]);
  WITH upserted AS (
    INSERT INTO stacfed.catalogs AS c
      (id, origin, position, content, links, characterisation, harvest, sites, countries,
       search_text)
    SELECT id, 'federation', position, content, coalesce(links, '[]'),
           coalesce(characterisation, '{}'), harvest, coalesce(sites, '{}'),
           coalesce(countries, '{}'),
           stacfed.catalog_search_text(content, coalesce(characterisation, '{}'))
    FROM federation_catalogs
    ON CONFLICT (id) DO UPDATE SET
      origin = 'federation', position = EXCLUDED.position, content = EXCLUDED.content,
      links = EXCLUDED.links, characterisation = EXCLUDED.characterisation,
      harvest = EXCLUDED.harvest, sites = EXCLUDED.sites, countries = EXCLUDED.countries,
      search_text = EXCLUDED.search_text, updated_at = now()
    WHERE (c.origin, c.position, c.content, c.links, c.characterisation, c.harvest, c.sites,
           c.countries)
          IS DISTINCT FROM ('federation', EXCLUDED.position, EXCLUDED.content, EXCLUDED.links,
                            EXCLUDED.characterisation, EXCLUDED.harvest, EXCLUDED.sites,
                            EXCLUDED.countries)
    RETURNING (xmax = 0) AS inserted
  )
  SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
  INTO n_added, n_updated FROM upserted;
  SELECT count(*) INTO n_total FROM federation_catalogs;

  -- The file's links. Counting happens before catalogs are removed, so the links of a
  -- removed catalog count as removed links rather than vanishing by cascade.
  CREATE TEMP TABLE federation_links ON COMMIT DROP AS
    SELECT * FROM jsonb_to_recordset(desired_links)
      AS d(parent_id text, child_kind text, child_id text, position integer);
  DECLARE
    l_added bigint;
    l_updated bigint;
    l_removed bigint;
    l_total bigint;
  BEGIN
    WITH upserted AS (
      INSERT INTO stacfed.catalog_links AS l (parent_id, child_kind, child_id, position, origin)
      SELECT parent_id, child_kind, child_id, position, 'federation' FROM federation_links
      ON CONFLICT (parent_id, child_kind, child_id) DO UPDATE SET
        position = EXCLUDED.position, origin = 'federation'
      WHERE (l.position, l.origin) IS DISTINCT FROM (EXCLUDED.position, 'federation')
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
    INTO l_added, l_updated FROM upserted;
    DELETE FROM stacfed.catalog_links l
    WHERE l.origin = 'federation'
      AND NOT EXISTS (SELECT 1 FROM federation_links d
                      WHERE d.parent_id = l.parent_id AND d.child_kind = l.child_kind
                        AND d.child_id = l.child_id);
    GET DIAGNOSTICS l_removed = ROW_COUNT;
    SELECT count(*) INTO l_total FROM federation_links;

    -- Catalogs the file no longer has; then harvested sub-catalogs no file catalog reaches.
    DELETE FROM stacfed.catalogs c
    WHERE c.origin = 'federation'
      AND NOT EXISTS (SELECT 1 FROM federation_catalogs d WHERE d.id = c.id);
    GET DIAGNOSTICS n_removed = ROW_COUNT;
    WITH RECURSIVE reachable (id, depth) AS (
        SELECT id, 0 FROM stacfed.catalogs WHERE origin = 'federation'
      UNION
        SELECT l.child_id, r.depth + 1
        FROM reachable r
        JOIN stacfed.catalog_links l ON l.parent_id = r.id AND l.child_kind = 'catalog'
        WHERE r.depth < 32
    )
    DELETE FROM stacfed.catalogs c
    WHERE c.origin = 'harvest' AND c.id NOT IN (SELECT id FROM reachable);
    -- Harvest links that pointed at a catalog removed above.
    DELETE FROM stacfed.catalog_links l
    WHERE l.child_kind = 'catalog'
      AND NOT EXISTS (SELECT 1 FROM stacfed.catalogs c WHERE c.id = l.child_id);

    kind := 'catalogs'; added := n_added; updated := n_updated; removed := n_removed;
    unchanged := n_total - n_added - n_updated;
    RETURN NEXT;
    kind := 'links'; added := l_added; updated := l_updated; removed := l_removed;
    unchanged := l_total - l_added - l_updated;
    RETURN NEXT;
  END;

  DROP TABLE federation_sites, federation_catalogs, federation_links;
  kind := 'closure'; added := stacfed.refresh_catalog_closure(); updated := 0; removed := 0;
  unchanged := 0;
  RETURN NEXT;
END;
$$;

-- The crawler's way to hang a harvested collection or sub-catalog under a catalog. An
-- existing link (the file's or an earlier harvest's) is left as it is. Returns true when a
-- link was added; the caller refreshes the closure after a batch.
CREATE FUNCTION stacfed.add_harvested_link(parent text, kind text, child text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  added boolean;
BEGIN
  INSERT INTO stacfed.catalog_links (parent_id, child_kind, child_id, position, origin)
  VALUES (parent, kind, child,
          (SELECT coalesce(max(position) + 1, 0) FROM stacfed.catalog_links WHERE parent_id = parent),
          'harvest')
  ON CONFLICT (parent_id, child_kind, child_id) DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  RETURN added;
END;
$$;
