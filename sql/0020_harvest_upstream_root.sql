-- What a harvest source calls itself (issue 17). The catalog a source is harvested into is
-- the federation file's: its id, title and description are the operator's. The upstream's
-- own root document (a static root catalog, or an API's landing page) is kept here as
-- received, without its links, so that its id, title and description are not lost. Written
-- only when it changed.

ALTER TABLE stacfed.harvest_sources ADD COLUMN upstream_root jsonb;
