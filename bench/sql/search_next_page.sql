-- Search by one collection, a later page reached through a next token (the page-100
-- benchmark): the statement of server/search/query.cpp for a next-page token, which names
-- the last row of the previous page (datetime, collection, id).
SELECT collection, id, (extract(epoch FROM datetime) * 1000000)::int8 AS t, content, links FROM stacfed.items WHERE true AND collection IN (:collection::text) AND datetime <= :token_datetime::timestamptz AND (datetime < :token_datetime::timestamptz OR (collection, id) > (:token_collection::text, :token_id::text)) ORDER BY datetime DESC, collection, id LIMIT :limit_plus_one::int;
