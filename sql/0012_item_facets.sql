-- Facets and queryables (issue 14: CQL2 filter).
--
-- items.facets: the 64-bit digests of the item's facet values (variable, experiment, model,
-- frequency, platform, product type ...; libstac/model/facets.hpp says which properties are
-- facets and how values are hashed), written by the loader and the harvester with the item.
-- A filter `variable_id = 'tas'` becomes `facets && ARRAY[digest('tas'), overflow]` plus the
-- exact comparison: the GIN index finds the candidates and PostgreSQL's per-element
-- statistics of the array (MCELEM) give the planner the real selectivity of each value,
-- whichever collection it is in. An index over all of properties (jsonb_path_ops) was
-- measured too: it slowed a bulk load by 30-45%, this one by about 8-10%.
--
-- stacfed.collection_properties: the properties the items of each collection carry, with
-- their JSON types and, while they are at most 100, their values: the queryables of the
-- collection (/queryables, and the types the filter translation checks). The write path
-- merges what each batch brings; rows only grow.

ALTER TABLE stacfed.items ADD COLUMN facets bigint[];
CREATE INDEX items_facets_idx ON stacfed.items USING gin (facets);

CREATE TABLE stacfed.collection_properties (
  collection_id text NOT NULL REFERENCES stacfed.collections (id) ON DELETE CASCADE,
  name text NOT NULL,
  types text[] NOT NULL,       -- "string", "integer", "number", "boolean", "null", "array", "object"
  "values" jsonb,              -- the distinct scalar values (array elements), NULL when many
  PRIMARY KEY (collection_id, name)
);

-- Items written before this migration have no digests and no profile: `stacfed migrate`
-- computes them (the digests are computed in C++, by the same code as the write path's),
-- right after applying this file, collection by collection, and removes each collection
-- from this list when it is done (a migrate that was interrupted goes on where it stopped).
CREATE TABLE stacfed.facets_backfill (collection_id text PRIMARY KEY);
INSERT INTO stacfed.facets_backfill
  SELECT c.id FROM stacfed.collections c
  WHERE EXISTS (SELECT 1 FROM stacfed.items i WHERE i.collection = c.id);
