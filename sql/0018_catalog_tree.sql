-- One tree for walkers (issue 16). The catalog graph is a DAG: a catalog or collection may
-- have several parents. Clients that walk `child` links (pystac's get_all_items, stac-browser,
-- stac-api-validator) would reach a shared node once per parent, so `child` links follow a
-- tree drawn in the DAG: each node is the child of one parent (its tree parent) and its other
-- parents link it as `related`.
--
-- * The tree parent of a node is the parent marked primary for it (catalog_links.is_primary,
--   from the federation file), else the parent listed first in the file (lowest catalog
--   position, then id). Choosing one parent per node of an acyclic graph yields a forest whose
--   roots are the top-level catalogs, so every node is reached exactly once from the root.
-- * catalog_links.in_tree marks the tree's edges and catalogs.walk_complete says whether every
--   collection below a catalog is a tree descendant of it (then the catalog's `child` links
--   reach every item in its scope and it may declare Browseable). refresh_catalog_closure(),
--   which every change of the tree already calls, keeps both.

ALTER TABLE stacfed.catalog_links
  ADD COLUMN is_primary boolean NOT NULL DEFAULT false,
  ADD COLUMN in_tree boolean NOT NULL DEFAULT false;
CREATE INDEX catalog_links_tree_idx ON stacfed.catalog_links (parent_id, child_kind, position, child_id)
  WHERE in_tree;

ALTER TABLE stacfed.catalogs ADD COLUMN walk_complete boolean NOT NULL DEFAULT true;

CREATE OR REPLACE FUNCTION stacfed.refresh_catalog_closure() RETURNS bigint
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

  -- The tree's edges: per child, its primary link, else the one of the first parent. Only the
  -- links whose mark changes are written.
  WITH tree AS (
    SELECT DISTINCT ON (l.child_kind, l.child_id) l.parent_id, l.child_kind, l.child_id
    FROM stacfed.catalog_links l JOIN stacfed.catalogs p ON p.id = l.parent_id
    ORDER BY l.child_kind, l.child_id, l.is_primary DESC, p.position, l.parent_id
  ),
  marks AS (
    SELECT l.parent_id, l.child_kind, l.child_id, (t.parent_id IS NOT NULL) AS in_tree
    FROM stacfed.catalog_links l
    LEFT JOIN tree t ON t.parent_id = l.parent_id AND t.child_kind = l.child_kind
                    AND t.child_id = l.child_id
  )
  UPDATE stacfed.catalog_links l SET in_tree = m.in_tree
  FROM marks m
  WHERE m.parent_id = l.parent_id AND m.child_kind = l.child_kind AND m.child_id = l.child_id
    AND l.in_tree <> m.in_tree;

  -- A catalog is walk-complete when the tree below it holds every collection of its closure.
  WITH RECURSIVE tree_reach (catalog_id, descendant_id, depth) AS (
      SELECT id, id, 0 FROM stacfed.catalogs
    UNION
      SELECT r.catalog_id, l.child_id, r.depth + 1
      FROM tree_reach r
      JOIN stacfed.catalog_links l
        ON l.parent_id = r.descendant_id AND l.child_kind = 'catalog' AND l.in_tree
      WHERE r.depth < 32
  ),
  tree_collections AS (
    SELECT r.catalog_id, count(DISTINCT l.child_id) AS n
    FROM tree_reach r
    JOIN stacfed.catalog_links l
      ON l.parent_id = r.descendant_id AND l.child_kind = 'collection' AND l.in_tree
    GROUP BY r.catalog_id
  ),
  complete AS (
    SELECT k.id, (SELECT count(*) FROM stacfed.catalog_collections cc WHERE cc.catalog_id = k.id)
                 = coalesce((SELECT t.n FROM tree_collections t WHERE t.catalog_id = k.id), 0)
                 AS walk_complete
    FROM stacfed.catalogs k
  )
  UPDATE stacfed.catalogs k SET walk_complete = c.walk_complete
  FROM complete c WHERE c.id = k.id AND k.walk_complete IS DISTINCT FROM c.walk_complete;

  -- The tree is derived from the links: callers count changes of the closure only.
  RETURN changed;
END;
$$;

SELECT stacfed.refresh_catalog_closure();
