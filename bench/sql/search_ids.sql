-- Search by ids without collections (GET /search?ids=A,B,C): the page statement of
-- server/search/query.cpp for this shape; :ids is a text[] literal.
SELECT collection, id, (extract(epoch FROM datetime) * 1000000)::int8 AS t, content, links FROM stacfed.items WHERE true AND id = ANY(:ids::text[]) ORDER BY datetime DESC, collection, id LIMIT :limit_plus_one::int;
