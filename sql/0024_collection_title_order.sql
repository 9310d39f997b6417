-- Collection search sorted by title (issue 15): the orders of `sortby=title` and
-- `sortby=-title` (server/search/collection_search.cpp, OrderOf: a missing title last either
-- way, then the title bytewise, then the id bytewise ascending), so that a page walks an index
-- (forwards, or backwards for a previous page) instead of sorting every collection.
CREATE INDEX IF NOT EXISTS collections_title_order_idx ON stacfed.collections
  ((search_title IS NULL), (coalesce(search_title, '') COLLATE "C"), (id COLLATE "C"));
CREATE INDEX IF NOT EXISTS collections_title_desc_order_idx ON stacfed.collections
  ((search_title IS NULL), (coalesce(search_title, '') COLLATE "C") DESC, (id COLLATE "C"));
