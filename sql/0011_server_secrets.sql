-- Secrets of the installation, shared by every server on this database. page_token_key signs
-- the paging tokens the API hands out (server/api/page_token.hpp), so that a client can
-- neither forge numberMatched nor carry a token to another search. 32 bytes from
-- gen_random_uuid(), which draws on the operating system's cryptographic random source
-- (pg_strong_random): 244 random bits, the 12 others fixed by the UUID version and variant.
-- To rotate the key (every token in clients' hands then becomes invalid): UPDATE the row
-- the same way and restart the servers.
CREATE TABLE stacfed.server_secrets (
  name text PRIMARY KEY,
  value bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO stacfed.server_secrets (name, value)
VALUES ('page_token_key',
        decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
