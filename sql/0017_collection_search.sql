-- Collection search (server/search/collection_search.hpp): a CQL2 filter on a collection's
-- summaries reads each summary value by value. The rows of summary `name` in `summaries`
-- (a collection's content->'summaries'), each a one-member object {name: value} so that the
-- filter reads it like an item's properties: every element of a list; the minimum and the
-- maximum of a range object; a lone value as itself; nothing when the collection has no
-- such summary. A condition on a summary holds when it holds for one of these rows.
CREATE FUNCTION stacfed.summary_rows(summaries jsonb, name text) RETURNS SETOF jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT jsonb_build_object(name, v)
    FROM jsonb_array_elements(
      CASE coalesce(jsonb_typeof(summaries->name), 'null')
        WHEN 'array' THEN summaries->name
        WHEN 'object' THEN jsonb_build_array(summaries->name->'minimum',
                                             summaries->name->'maximum')
        WHEN 'null' THEN '[]'::jsonb
        ELSE jsonb_build_array(summaries->name)
      END) AS v
$$;

-- The text of every value summary_rows gives, as "<length of name>:<name>=<value text>"
-- (the length makes the term unambiguous whatever the name holds): a filter comparing a
-- summary with a string for equality (`cmip6:variable_id = 'tas'`, IN) asks the GIN index of
-- these terms instead of reading every collection's summaries, and the answer is the same
-- (the value text is what the filter compares). Names and values longer than 256 bytes are
-- left out (an index entry is bounded); the filter reads the summaries for those.
CREATE FUNCTION stacfed.summary_term(name text, value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT length(name) || ':' || name || '=' || value $$;

CREATE FUNCTION stacfed.summary_terms(summaries jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(array_agg(DISTINCT stacfed.summary_term(s.key, r.o ->> s.key)), '{}')
    FROM jsonb_each(CASE WHEN jsonb_typeof(summaries) = 'object' THEN summaries
                         ELSE '{}'::jsonb END) AS s,
         stacfed.summary_rows(summaries, s.key) AS r(o)
   WHERE r.o ->> s.key IS NOT NULL
     AND octet_length(s.key) <= 256 AND octet_length(r.o ->> s.key) <= 256
$$;

-- Columns collection search sorts by and filters on without reading the whole document.
ALTER TABLE stacfed.collections
  ADD COLUMN search_title text GENERATED ALWAYS AS (content->>'title') STORED,
  ADD COLUMN search_license text GENERATED ALWAYS AS (content->>'license') STORED,
  ADD COLUMN summary_terms text[] NOT NULL
    GENERATED ALWAYS AS (stacfed.summary_terms(content->'summaries')) STORED;

CREATE INDEX collections_summary_terms_idx ON stacfed.collections USING gin (summary_terms);

-- Collection search orders by id bytewise (COLLATE "C", whatever the database's collation),
-- the default order of /collections: this index walks it, a page at a time.
CREATE INDEX collections_id_bytewise_idx ON stacfed.collections (id COLLATE "C");
