-- Sigmaris migration 0009: no role that PostgREST can assume may write a Sigmaris table; the
-- service writes users' rows through a role of its own, `sigmaris_api` (issue #21).
--
-- Before: the /api routes ran as `authenticated` with the caller's claims, so `authenticated` held
-- INSERT, DELETE and UPDATE (session_title) on `messages` and `sigmaris_state_snapshots` and USAGE on
-- their sequences. On Supabase anyone with the public anon key and their own JWT reaches that role
-- through PostgREST: they could insert rows past every rate and size limit, and rows whose `id`s run
-- ahead of the sequence, after which every later turn of every user failed on a unique violation.
-- Now:
--  * `sigmaris_api` (NOLOGIN) is the role the service switches to inside a user's transaction
--    (`SET LOCAL ROLE` through set_config, Sources/SigmarisStore/UserScope.swift). It is granted to
--    the role that runs the migrations (the one in DATABASE_URL), never to `authenticator`, so
--    PostgREST cannot assume it. Its own-row policies key on the request's claims, as before.
--  * `anon`, `authenticated` and PUBLIC hold no INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES or
--    TRIGGER on any Sigmaris table or view, nothing on any Sigmaris sequence, and no EXECUTE on any
--    Sigmaris function. `authenticated` keeps SELECT on `messages` and `sigmaris_state_snapshots`
--    (a Supabase frontend reads its own snapshots that way), under the select-own policies of 0002.
--  * Every Sigmaris table has row-level security on, `sigmaris_schema_migrations` included.
-- The loops below cover every table, view, sequence and function named `sigmaris_*` (and the two
-- frontend tables), so an object a later file forgets stays closed once this file runs again.
-- Safe to run twice and on a database that already holds rows; paste into the Supabase SQL editor as is.

-- The role. Roles are cluster-wide: another database of the cluster may create it at the same moment.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sigmaris_api') THEN
        BEGIN
            CREATE ROLE sigmaris_api NOLOGIN NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

-- The service's login role must be able to switch to it. From Postgres 16 on, a role created by a
-- non-superuser with CREATEROLE (Supabase's `postgres`) is granted to its creator without the SET
-- option by default, so SET is what is checked and granted there.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 160000 THEN
        IF NOT pg_has_role(current_user, 'sigmaris_api', 'SET') THEN
            EXECUTE format('GRANT sigmaris_api TO %I WITH SET TRUE', current_user);
        END IF;
    ELSIF NOT pg_has_role(current_user, 'sigmaris_api', 'MEMBER') THEN
        EXECUTE format('GRANT sigmaris_api TO %I', current_user);
    END IF;
    -- The guard this file exists for: PostgREST logs in as `authenticator` and may switch to any
    -- role granted to it. Refuse to finish rather than leave the service's role reachable from it.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator')
       AND pg_has_role('authenticator', 'sigmaris_api', 'MEMBER') THEN
        RAISE EXCEPTION 'sigmaris_api is granted to authenticator, so PostgREST could assume it: REVOKE sigmaris_api FROM authenticator';
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO sigmaris_api;

-- Who the request is for, from the claims the service sets (as auth.uid() reads them). A function of
-- our own rather than auth.uid(): on Supabase the `auth` schema belongs to the platform, and granting
-- a new role access to it may be refused.
CREATE OR REPLACE FUNCTION public.sigmaris_request_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $fn$
    SELECT nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', '')::uuid
$fn$;

-- Close everything to the API roles and PUBLIC, and turn row-level security on everywhere.
DO $$
DECLARE
    object record;
BEGIN
    FOR object IN
        SELECT c.oid::regclass AS name, c.relkind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND (c.relname LIKE 'sigmaris\_%' OR c.relname IN ('messages', 'messages_id_seq'))
    LOOP
        IF object.relkind = 'S' THEN
            EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM PUBLIC, anon, authenticated', object.name);
        ELSE
            EXECUTE format('REVOKE ALL ON TABLE %s FROM PUBLIC, anon, authenticated', object.name);
        END IF;
        IF object.relkind IN ('r', 'p') THEN
            EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', object.name);
        END IF;
    END LOOP;
    FOR object IN
        SELECT p.oid::regprocedure AS name
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proname LIKE 'sigmaris\_%'
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, anon, authenticated', object.name);
    END LOOP;
END
$$;

-- What a Supabase frontend may still do with its own JWT: read its own rows (0002's policies).
GRANT SELECT ON public.messages, public.sigmaris_state_snapshots TO authenticated;

-- What the /api routes need, now as sigmaris_api: read and write an exchange, delete their own rows
-- (session and account erase), and rename a session (one column; a turn's insert reads the title
-- FOR SHARE, which needs an UPDATE grant too).
GRANT SELECT, INSERT, DELETE ON public.messages, public.sigmaris_state_snapshots TO sigmaris_api;
GRANT UPDATE (session_title) ON public.messages TO sigmaris_api;
GRANT USAGE ON SEQUENCE public.messages_id_seq, public.sigmaris_state_snapshots_id_seq TO sigmaris_api;
GRANT EXECUTE ON FUNCTION public.sigmaris_request_user_id() TO sigmaris_api;

-- The write policies move from authenticated to sigmaris_api. Recreated each time, so a rerun of this
-- file also repairs an edited policy.
DROP POLICY IF EXISTS messages_insert_own ON public.messages;
DROP POLICY IF EXISTS messages_update_own ON public.messages;
DROP POLICY IF EXISTS messages_delete_own ON public.messages;
DROP POLICY IF EXISTS snapshots_insert_own ON public.sigmaris_state_snapshots;
DROP POLICY IF EXISTS snapshots_delete_own ON public.sigmaris_state_snapshots;

DROP POLICY IF EXISTS messages_sigmaris_api_own ON public.messages;
CREATE POLICY messages_sigmaris_api_own ON public.messages
    FOR ALL TO sigmaris_api
    USING (user_id = public.sigmaris_request_user_id())
    WITH CHECK (user_id = public.sigmaris_request_user_id());

DROP POLICY IF EXISTS snapshots_sigmaris_api_own ON public.sigmaris_state_snapshots;
CREATE POLICY snapshots_sigmaris_api_own ON public.sigmaris_state_snapshots
    FOR ALL TO sigmaris_api
    USING (user_id = public.sigmaris_request_user_id())
    WITH CHECK (user_id = public.sigmaris_request_user_id());
