-- Search, first page, by one collection (GET /search?collections=C&limit=N): the page
-- statement of server/search/query.cpp for this shape. Its count statement is left out: the
-- server caches counts per search (STACFED_COUNT_CACHE_SECONDS, default 30 s), so under load it
-- runs at most once per I/O thread every 30 s. bench/api.sh passes the variables with -D and
-- checks this text against the statement the server really sent (pg_stat_activity).
-- The table is the collection's partition (bench/api.sh writes its name for @partition@: a search
-- of one collection reads it directly, server/search/query.hpp, Conditions::relation).
SELECT collection, id, (extract(epoch FROM datetime) * 1000000)::int8 AS t, content, links FROM @partition@ WHERE true AND collection IN (:collection::text) ORDER BY datetime DESC, collection, id LIMIT :limit_plus_one::int;
