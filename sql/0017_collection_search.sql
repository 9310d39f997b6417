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
