-- One item (GET /collections/C/items/ID): statement api_item of server/search/statements.hpp (one
-- row always, telling a missing collection from a missing item), without its join of the
-- withdrawn items (sql/0021), which formats their time with 'HH24:MI:SS': pgbench would take
-- :MI and :SS for variables. The join reads nothing for an item that is found.
SELECT c.id IS NOT NULL, i.content, i.links FROM (SELECT :collection::text AS cid) q LEFT JOIN stacfed.collections c ON c.id = q.cid LEFT JOIN stacfed.items i ON i.collection = q.cid AND i.id = :item_id::text;
