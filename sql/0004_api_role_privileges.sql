-- Sigmaris migration 0004: exactly the privileges the API roles need, whatever the database's
-- default privileges handed out when the tables were created.
--
-- On Supabase, `ALTER DEFAULT PRIVILEGES ... GRANT ALL ON TABLES TO anon, authenticated` is in force
-- for the public schema, so every table of 0002 and 0003 started with ALL for both roles, and only
-- RLS stood between a holder of the public anon key and the persona core tables (0003's comment
-- "no write grants" held on a plain Postgres only). Here every privilege of `anon` and
-- `authenticated` on Sigmaris' tables is revoked, then the routes' needs are granted back:
--   * anon: nothing. No route reads or writes as anon.
--   * authenticated: SELECT and INSERT on messages and sigmaris_state_snapshots (the /api routes,
--     which run as `authenticated` with the caller's claims; RLS keeps each user to their rows).
--   * the persona core tables and the migration record: nothing. The service writes them as its own
--     role; their read-own policies only matter where a project chooses to grant SELECT.
-- `service_role` is left as the project has it (Supabase's admin role bypasses RLS anyway).
-- Safe to run twice; paste into the Supabase SQL editor as is.

REVOKE ALL ON TABLE
    public.messages,
    public.sigmaris_state_snapshots,
    public.sigmaris_persona_state,
    public.sigmaris_turns,
    public.sigmaris_value_snapshots,
    public.sigmaris_trait_snapshots,
    public.sigmaris_episodes,
    public.sigmaris_safety_assessments,
    public.sigmaris_trace_events
FROM anon, authenticated;

REVOKE ALL ON SEQUENCE
    public.messages_id_seq,
    public.sigmaris_state_snapshots_id_seq,
    public.sigmaris_turns_id_seq,
    public.sigmaris_value_snapshots_id_seq,
    public.sigmaris_trait_snapshots_id_seq,
    public.sigmaris_safety_assessments_id_seq,
    public.sigmaris_trace_events_id_seq
FROM anon, authenticated;

-- The migration record exists when the service migrates, not when the files are pasted by hand.
DO $$
BEGIN
    IF to_regclass('public.sigmaris_schema_migrations') IS NOT NULL THEN
        REVOKE ALL ON TABLE public.sigmaris_schema_migrations FROM anon, authenticated;
    END IF;
END
$$;

GRANT SELECT, INSERT ON public.messages, public.sigmaris_state_snapshots TO authenticated;
GRANT USAGE ON SEQUENCE public.messages_id_seq, public.sigmaris_state_snapshots_id_seq TO authenticated;
