-- Search, first page, by bbox and a closed datetime interval over all collections
-- (POST /search {"bbox":[...],"datetime":"start/end","limit":N}): the page statement of
-- server/api/search_sql.cpp for this shape (the cached count is left out, see
-- search_collection.sql).
SELECT collection, id, (extract(epoch FROM datetime) * 1000000)::int8 AS t, content, links FROM stacfed.items WHERE true AND ST_Intersects(geometry, ST_GeomFromGeoJSON(:geometry::text)) AND end_datetime >= :start::timestamptz AND datetime <= :end::timestamptz ORDER BY datetime DESC, collection, id LIMIT :limit_plus_one::int;
