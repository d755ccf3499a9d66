-- Sigmaris migration 0002: the tables of the reference frontend, exactly as a Supabase project that
-- ran its FRONTEND_SCHEMA.sql has them, with row-level security so each user sees only their rows.
-- Safe to run twice; paste into the Supabase SQL editor as is.

CREATE TABLE IF NOT EXISTS public.messages (
    id bigserial PRIMARY KEY,
    user_id uuid NOT NULL,
    session_id text NOT NULL,
    session_title text NULL,
    role text NOT NULL CHECK (role IN ('user', 'ai')),
    content text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS messages_user_session_created_idx
    ON public.messages (user_id, session_id, created_at);

CREATE TABLE IF NOT EXISTS public.sigmaris_state_snapshots (
    id bigserial PRIMARY KEY,
    user_id uuid NOT NULL,
    session_id text,
    trace_id text,
    global_state text,
    overload_score double precision,
    reflective_score double precision,
    memory_pointer_count integer,
    safety_flag text,
    safety_risk_score double precision,
    value_state jsonb,
    trait_state jsonb,
    meta jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS sigmaris_state_snapshots_user_created_idx
    ON public.sigmaris_state_snapshots (user_id, created_at DESC);

ALTER TABLE public.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_state_snapshots ENABLE ROW LEVEL SECURITY;

GRANT SELECT, INSERT ON public.messages TO authenticated;
GRANT SELECT, INSERT ON public.sigmaris_state_snapshots TO authenticated;
GRANT USAGE, SELECT ON SEQUENCE public.messages_id_seq TO authenticated;
GRANT USAGE, SELECT ON SEQUENCE public.sigmaris_state_snapshots_id_seq TO authenticated;

-- Postgres 15 has no CREATE POLICY IF NOT EXISTS; a policy of the same name is left as it is.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'messages'
                   AND policyname = 'messages_select_own') THEN
        CREATE POLICY messages_select_own ON public.messages
            FOR SELECT TO authenticated USING (auth.uid() = user_id);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'messages'
                   AND policyname = 'messages_insert_own') THEN
        CREATE POLICY messages_insert_own ON public.messages
            FOR INSERT TO authenticated WITH CHECK (auth.uid() = user_id);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'sigmaris_state_snapshots'
                   AND policyname = 'snapshots_select_own') THEN
        CREATE POLICY snapshots_select_own ON public.sigmaris_state_snapshots
            FOR SELECT TO authenticated USING (auth.uid() = user_id);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'sigmaris_state_snapshots'
                   AND policyname = 'snapshots_insert_own') THEN
        CREATE POLICY snapshots_insert_own ON public.sigmaris_state_snapshots
            FOR INSERT TO authenticated WITH CHECK (auth.uid() = user_id);
    END IF;
END
$$;
