-- Search by one collection, a later page reached through a next token whose page saw that
-- the row after its boundary has another datetime (PageToken::past_ties, the usual case
-- outside tie groups): the statement of server/search/query.cpp for it, the rows past the
-- token's datetime alone (one range of the order index).
-- The table is the collection's partition (bench/api.sh writes its name for @partition@: a search
-- of one collection reads it directly, server/search/query.hpp, Conditions::relation).
SELECT collection, id, (extract(epoch FROM datetime) * 1000000)::int8 AS t, content, links FROM @partition@ WHERE true AND collection IN (:collection::text) AND datetime < :token_datetime::timestamptz ORDER BY datetime DESC, collection, id LIMIT :limit_plus_one::int;
