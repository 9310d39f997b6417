-- Free text over items (issue 15, `q`): a text-search index over the words a scientist
-- searches by: the item's title, description and keywords, and its identifying facets (the
-- variable, experiment, model, institution, member, frequency, table, realm of CMIP6, CMIP7 and
-- CORDEX items, EERIE's model, experiment and region, a satellite's platform, constellation,
-- mission and instruments, the product type, the project). Arrays count by their strings.
--
-- Only these: indexing every string of properties (jsonb_to_tsvector) cost about 50 us per
-- item, twice what a bulk load spends on an item in all; this list costs about 20 us, most
-- of it PostgreSQL's text parser. The 'simple' configuration lowercases and does not stem, so
-- model names and ids match as written, case aside (server/search/free_text.hpp).
--
-- stacfed.item_text is inlined by the planner into the index expression and into the
-- searches alike (a single SELECT of one immutable expression: || and coalesce, not the
-- stable concat_ws), so the two are the same expression.
CREATE FUNCTION stacfed.item_text(p jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT
    coalesce(p->>'title', '') || ' ' ||
    coalesce(p->>'description', '') || ' ' ||
    coalesce(p->>'keywords', '') || ' ' ||
    coalesce(p->>'project', '') || ' ' ||
    coalesce(p->>'platform', '') || ' ' ||
    coalesce(p->>'constellation', '') || ' ' ||
    coalesce(p->>'mission', '') || ' ' ||
    coalesce(p->>'instruments', '') || ' ' ||
    coalesce(p->>'product:type', '') || ' ' ||
    coalesce(p->>'variables', '') || ' ' ||
    coalesce(p->>'cmip6:activity_id', '') || ' ' ||
    coalesce(p->>'cmip6:institution_id', '') || ' ' ||
    coalesce(p->>'cmip6:source_id', '') || ' ' ||
    coalesce(p->>'cmip6:experiment_id', '') || ' ' ||
    coalesce(p->>'cmip6:experiment', '') || ' ' ||
    coalesce(p->>'cmip6:member_id', '') || ' ' ||
    coalesce(p->>'cmip6:variable_id', '') || ' ' ||
    coalesce(p->>'cmip6:variable_long_name', '') || ' ' ||
    coalesce(p->>'cmip6:frequency', '') || ' ' ||
    coalesce(p->>'cmip6:table_id', '') || ' ' ||
    coalesce(p->>'cmip6:realm', '') || ' ' ||
    coalesce(p->>'cmip7:activity_id', '') || ' ' ||
    coalesce(p->>'cmip7:institution_id', '') || ' ' ||
    coalesce(p->>'cmip7:source_id', '') || ' ' ||
    coalesce(p->>'cmip7:experiment_id', '') || ' ' ||
    coalesce(p->>'cmip7:experiment', '') || ' ' ||
    coalesce(p->>'cmip7:member_id', '') || ' ' ||
    coalesce(p->>'cmip7:variable_id', '') || ' ' ||
    coalesce(p->>'cmip7:variable_long_name', '') || ' ' ||
    coalesce(p->>'cmip7:frequency', '') || ' ' ||
    coalesce(p->>'cmip7:table_id', '') || ' ' ||
    coalesce(p->>'cmip7:realm', '') || ' ' ||
    coalesce(p->>'cordex:domain_id', '') || ' ' ||
    coalesce(p->>'cordex:driving_source_id', '') || ' ' ||
    coalesce(p->>'cordex:driving_experiment_id', '') || ' ' ||
    coalesce(p->>'cordex:institution_id', '') || ' ' ||
    coalesce(p->>'cordex:source_id', '') || ' ' ||
    coalesce(p->>'cordex:experiment_id', '') || ' ' ||
    coalesce(p->>'cordex:variable_id', '') || ' ' ||
    coalesce(p->>'cordex:frequency', '') || ' ' ||
    coalesce(p->>'eerie:model', '') || ' ' ||
    coalesce(p->>'eerie:experiment', '') || ' ' ||
    coalesce(p->>'eerie:region', '') $$;

CREATE INDEX items_text_idx ON stacfed.items
  USING gin (to_tsvector('simple'::regconfig, stacfed.item_text(properties)));
