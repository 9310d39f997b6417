-- Functions the CQL2 filters use (server/search/cql2/to_sql.cpp): reading a property of
-- items.properties as a typed value, and removing accents (ACCENTI).
--
-- A property's value may be of any JSON type in any item; a filter compares it as the type
-- the queryables give it. These functions return NULL for a value of another type (or a
-- string that is not a valid RFC 3339 time) instead of raising an error, so one odd item
-- never turns a search into a 500: NULL matches no comparison. They are single-SELECT SQL
-- functions, inlined into the filter by the planner (no call per row).

CREATE FUNCTION stacfed.jsonb_number(value jsonb) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN jsonb_typeof(value) = 'number' THEN value::float8 END $$;

CREATE FUNCTION stacfed.jsonb_boolean(value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN jsonb_typeof(value) = 'boolean' THEN value::boolean END $$;

-- An RFC 3339 date-time with its offset (so the result does not depend on the session's time
-- zone), or NULL. The pattern admits only valid fields; the day is checked against the
-- month's length before the cast, which then cannot fail. Nested CASEs keep that order.
CREATE FUNCTION stacfed.jsonb_timestamptz(value jsonb) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN jsonb_typeof(value) = 'string' AND (value #>> '{}') ~
         '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$'
       THEN CASE WHEN left(value #>> '{}', 4) <> '0000'
                  AND substr(value #>> '{}', 9, 2)::int <= extract(day FROM
                        make_date(left(value #>> '{}', 4)::int, substr(value #>> '{}', 6, 2)::int, 1)
                        + interval '1 month - 1 day')
                 THEN (value #>> '{}')::timestamptz END
       END
$$;

-- ACCENTI: unaccent from PostgreSQL's contrib (a trusted extension: the database owner may
-- create it), called with its dictionary named, so the result does not depend on the
-- search_path. Where the extension already exists in another schema, that one is used.
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA stacfed;

DO $$
DECLARE
  ext_schema text;
BEGIN
  SELECT n.nspname INTO ext_schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname = 'unaccent';
  EXECUTE format(
    'CREATE FUNCTION stacfed.accent_free(value text) RETURNS text '
    'LANGUAGE sql STABLE PARALLEL SAFE STRICT AS %L',
    format('SELECT %I.unaccent(%L::regdictionary, value)', ext_schema,
           quote_ident(ext_schema) || '.unaccent'));
END
$$;
