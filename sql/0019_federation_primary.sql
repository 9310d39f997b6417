-- The federation file marks tree parents (issue 16): a child entry may carry "primary": true
-- (schemas/federation.schema.json, format 1.2), naming the parent whose `child` link reaches
-- the node; refresh_catalog_closure() (sql/0018_catalog_tree.sql) already prefers a link with
-- catalog_links.is_primary when it draws the tree. apply_federation() now writes that flag:
-- each element of `links` has a `primary` member (absent: false), and a link whose flag alone
-- changed is updated and counted as updated. The function is the one of
-- sql/0002_federation.sql, same signature, with the flag added to the links part.

-- Makes sites, catalogs and the file's links match the desired state (built by
-- libstac/federation/apply.cpp from the file), then refreshes the closure. Call it inside a
-- transaction: it is all of the apply, so the tree is never seen half-changed.
--   sites:    [{id, name, country, kind, operator, re3data, compute, position}]
--   catalogs: [{id, position, content, links, characterisation, harvest, sites, countries}]
--   links:    [{parent_id, child_kind, child_id, position, primary}]
-- Returns one row per kind ('sites', 'catalogs', 'links', 'closure') with the counts.
CREATE OR REPLACE FUNCTION stacfed.apply_federation(desired_sites jsonb,
                                                    desired_catalogs jsonb,
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
      AS d(parent_id text, child_kind text, child_id text, position integer, "primary" boolean);
  DECLARE
    l_added bigint;
    l_updated bigint;
    l_removed bigint;
    l_total bigint;
  BEGIN
    WITH upserted AS (
      INSERT INTO stacfed.catalog_links AS l
        (parent_id, child_kind, child_id, position, origin, is_primary)
      SELECT parent_id, child_kind, child_id, position, 'federation', coalesce("primary", false)
      FROM federation_links
      ON CONFLICT (parent_id, child_kind, child_id) DO UPDATE SET
        position = EXCLUDED.position, origin = 'federation', is_primary = EXCLUDED.is_primary
      WHERE (l.position, l.origin, l.is_primary)
            IS DISTINCT FROM (EXCLUDED.position, 'federation', EXCLUDED.is_primary)
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
