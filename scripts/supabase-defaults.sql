-- What a Supabase project has before any Sigmaris file runs, for the test databases (scripts/test.sh
-- runs it on the suite's database, so every route is tested under these privileges; the privilege
-- tests in Tests/SigmarisPostgresTests/APIRolePrivilegeTests.swift run it on databases of their own).
--  * The API roles `anon`, `authenticated`, `service_role`, and `authenticator`, the login PostgREST
--    uses: it is granted the three and switches to one of them per request (SET LOCAL ROLE).
--  * Default privileges that hand the API roles ALL on every new table, sequence and function of
--    `public` created by the role running this (the one that then runs the migrations).
-- Roles are cluster-wide and another database of the cluster may create them at the same moment,
-- hence the exception handlers. The authenticator's password is for throwaway loopback clusters only.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN
        BEGIN
            CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD 'authenticator';
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        IF NOT pg_has_role('authenticator', r, 'MEMBER') THEN
            BEGIN
                EXECUTE format('GRANT %I TO authenticator', r);
            EXCEPTION WHEN OTHERS THEN  -- granted by another database's run at the same moment
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
