-- Gives users 1..:nusers a history of :nepisodes turns in the tables a turn READS (persona state,
-- episodes, messages), fast, by copying the template user's rows (the turns scripts/bench.sh made
-- through the API) with generate_series: copy r of the template's k episodes is shifted r days into
-- the past, so the newest window of every user is the template's own turns, and each user gets
-- :nepisodes episodes and two messages per episode in the session the load uses. The write-only
-- audit tables are left as they are (a large history there costs index depth only, and gigabytes).
-- Column lists are read from the catalog, so the copy follows the tables as migrations change them.
--   psql -v nusers=10000 -v nepisodes=500 -v template=00000000-0000-4000-8000-000000000001 -f scripts/bench/seed-history.sql
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE TEMP TABLE bench_history_args AS SELECT :'template'::text AS template, :nusers::int AS nusers, :nepisodes::int AS nepisodes;

-- INSERT INTO table (its columns) SELECT, for each column, the expression of `overrides` named after
-- it or else src.<column>, FROM `source`; columns filled by a sequence or identity are left out.
CREATE FUNCTION pg_temp.copy_rows(target regclass, overrides jsonb, source text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    cols text;
    exprs text;
    copied bigint;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
           string_agg(coalesce(overrides ->> a.attname, 'src.' || quote_ident(a.attname)), ', ' ORDER BY a.attnum)
    INTO cols, exprs
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = '' AND a.attgenerated = ''
      AND coalesce(pg_get_expr(d.adbin, d.adrelid), '') NOT LIKE 'nextval(%';
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s', target, cols, exprs, source);
    GET DIAGNOSTICS copied = ROW_COUNT;
    RETURN copied;
END
$$;

BEGIN;
CREATE TEMP TABLE bench_history_users ON COMMIT DROP AS
SELECT g AS n, '00000000-0000-4000-8000-' || lpad(g::text, 12, '0') AS uid
FROM generate_series(1, :nusers) AS g;

-- Persona state for users 2..n.
SELECT pg_temp.copy_rows('public.sigmaris_persona_state', jsonb_build_object('user_id', 'u.uid'),
    'public.sigmaris_persona_state src CROSS JOIN bench_history_users u
     WHERE src.user_id = (SELECT template FROM bench_history_args) AND u.n > 1') AS states;

-- Episodes: the template's k episodes numbered 0..k-1 (newest first), copy r = 0.. shifted r days back,
-- up to :nepisodes per user; copy 0 of the template user is the template itself.
CREATE TEMP TABLE bench_history_episodes ON COMMIT DROP AS
SELECT e.*, (row_number() OVER (ORDER BY e."timestamp" DESC, e.created_at DESC) - 1)::int AS k,
       count(*) OVER ()::int AS kk
FROM public.sigmaris_episodes e WHERE e.user_id = (SELECT template FROM bench_history_args);
SELECT pg_temp.copy_rows('public.sigmaris_episodes', jsonb_build_object(
        'episode_id', 'gen_random_uuid()::text', 'user_id', 'u.uid',
        'timestamp', 'src."timestamp" - r * interval ''1 day''', 'created_at', 'src.created_at - r * interval ''1 day'''),
    'bench_history_episodes src
     CROSS JOIN generate_series(0, ((SELECT nepisodes FROM bench_history_args) - 1) / greatest((SELECT max(kk) FROM bench_history_episodes), 1)) AS r
     CROSS JOIN bench_history_users u
     WHERE (u.n > 1 OR r > 0) AND r * src.kk + src.k < (SELECT nepisodes FROM bench_history_args)') AS episodes;

-- Messages: the template's exchanges, the same way, two per episode, in the load's session.
CREATE TEMP TABLE bench_history_messages ON COMMIT DROP AS
SELECT m.*, (row_number() OVER (ORDER BY m.created_at DESC, m.id DESC) - 1)::int / 2 AS k,
       (count(*) OVER ())::int / 2 AS kk
FROM public.messages m WHERE m.user_id = (SELECT template FROM bench_history_args)::uuid;
SELECT pg_temp.copy_rows('public.messages', jsonb_build_object(
        'user_id', 'u.uid::uuid', 'session_id', '''bench-'' || u.uid',
        'created_at', 'src.created_at - r * interval ''1 day'''),
    'bench_history_messages src
     CROSS JOIN generate_series(0, ((SELECT nepisodes FROM bench_history_args) - 1) / greatest((SELECT max(kk) FROM bench_history_messages), 1)) AS r
     CROSS JOIN bench_history_users u
     WHERE (u.n > 1 OR r > 0) AND r * src.kk + src.k < (SELECT nepisodes FROM bench_history_args)') AS messages;
COMMIT;
VACUUM ANALYZE;
