-- Search by one collection, a later page reached through a next token (the page-100
-- benchmark): the statement of server/search/query.cpp for a next-page token, which names
-- the last row of the previous page (datetime, collection, id): the rows sharing its
-- datetime after it, then the rows past its datetime (OrderedScan).
-- The table is the collection's partition (bench/api.sh writes its name for @partition@: a search
-- of one collection reads it directly, server/search/query.hpp, Conditions::relation).
SELECT * FROM ((SELECT collection, id, (extract(epoch FROM datetime) * 1000000)::int8 AS t, content, links FROM @partition@ WHERE true AND collection IN (:collection::text) AND datetime = :token_datetime::timestamptz AND (collection, id) > (:token_collection::text, :token_id::text) AND collection >= :token_collection::text ORDER BY datetime DESC, collection, id LIMIT :limit_plus_one::int) UNION ALL (SELECT collection, id, (extract(epoch FROM datetime) * 1000000)::int8 AS t, content, links FROM @partition@ WHERE true AND collection IN (:collection::text) AND datetime < :token_datetime::timestamptz ORDER BY datetime DESC, collection, id LIMIT :limit_plus_one::int)) keyset LIMIT :limit_plus_one::int;
