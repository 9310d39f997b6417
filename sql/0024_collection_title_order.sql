-- Collection search sorted by title (issue 15): the order of `sortby=title` (ascending, and
-- `-title` read backwards with its ties by id descending), so that a page walks this index
-- instead of sorting every collection (server/search/collection_search.cpp, OrderOf: a
-- missing title last, then the title bytewise, then the id bytewise).
CREATE INDEX IF NOT EXISTS collections_title_order_idx ON stacfed.collections
  ((search_title IS NULL), (coalesce(search_title, '') COLLATE "C"), (id COLLATE "C"));
