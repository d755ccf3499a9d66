-- Database bytes per turn, per table and in all: every Sigmaris table (heap, TOAST and indexes, as
-- pg_total_relation_size counts them) after VACUUM, divided by the number of turns stored (the
-- assistant rows of sigmaris_turns). Run it on a database whose turns came through the API:
--   psql -X -f scripts/bench/bytes-per-turn.sql
-- Empty tables still count their first pages, so use a few hundred turns or more for a fair figure.
\set ON_ERROR_STOP on
VACUUM;
WITH turns AS (
    SELECT greatest(count(*), 1) AS n FROM public.sigmaris_turns WHERE role = 'assistant'
), sizes AS (
    SELECT c.relname AS table_name, pg_total_relation_size(c.oid) AS bytes
    FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
    WHERE ns.nspname = 'public' AND c.relkind = 'r'
      AND (c.relname = 'messages' OR c.relname LIKE 'sigmaris\_%')
)
SELECT table_name, bytes, round(bytes::numeric / turns.n) AS bytes_per_turn, turns.n AS turns
FROM sizes, turns
UNION ALL
SELECT 'total', sum(bytes), round(sum(bytes)::numeric / max(turns.n)), max(turns.n)
FROM sizes, turns
ORDER BY bytes DESC;
