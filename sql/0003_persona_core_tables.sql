-- Sigmaris migration 0003: the persona core's own tables (the reference backend's optional
-- persistence), keyed by user_id text, plus the per-user persona state that carries value, trait
-- and global state across restarts and across server processes.
-- The reference declared `embedding vector(1536)` (pgvector); here an embedding is float32
-- little-endian bytes in a bytea, which every Postgres has and which reads back compactly.
-- These tables are written by the service's own role. RLS is enabled with read-own policies and no
-- write grants, so API roles (anon, authenticated) cannot change them.
-- Safe to run twice; paste into the Supabase SQL editor as is.

CREATE TABLE IF NOT EXISTS public.sigmaris_persona_state (
    user_id text PRIMARY KEY,
    value_state jsonb NOT NULL DEFAULT '{}'::jsonb,
    trait_state jsonb NOT NULL DEFAULT '{}'::jsonb,
    global_state text,
    turn_count integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.sigmaris_turns (
    id bigserial PRIMARY KEY,
    trace_id text NOT NULL,
    user_id text NOT NULL,
    session_id text,
    role text NOT NULL,
    content text NOT NULL,
    topic_hint text,
    emotion_hint text,
    importance double precision,
    meta jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sigmaris_turns_user_created_idx ON public.sigmaris_turns (user_id, created_at);
CREATE INDEX IF NOT EXISTS sigmaris_turns_trace_idx ON public.sigmaris_turns (trace_id);

CREATE TABLE IF NOT EXISTS public.sigmaris_value_snapshots (
    id bigserial PRIMARY KEY,
    trace_id text NOT NULL,
    user_id text NOT NULL,
    state jsonb NOT NULL,
    delta jsonb NOT NULL,
    meta jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sigmaris_value_snapshots_user_created_idx ON public.sigmaris_value_snapshots (user_id, created_at);

CREATE TABLE IF NOT EXISTS public.sigmaris_trait_snapshots (
    id bigserial PRIMARY KEY,
    trace_id text NOT NULL,
    user_id text NOT NULL,
    state jsonb NOT NULL,
    delta jsonb NOT NULL,
    meta jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sigmaris_trait_snapshots_user_created_idx ON public.sigmaris_trait_snapshots (user_id, created_at);

CREATE TABLE IF NOT EXISTS public.sigmaris_episodes (
    episode_id text PRIMARY KEY,
    user_id text NOT NULL,
    "timestamp" timestamptz NOT NULL,
    summary text NOT NULL DEFAULT '',
    emotion_hint text NOT NULL DEFAULT '',
    traits_hint jsonb NOT NULL DEFAULT '{}'::jsonb,
    raw_context text NOT NULL DEFAULT '',
    embedding bytea,
    meta jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sigmaris_episodes_user_time_idx ON public.sigmaris_episodes (user_id, "timestamp" DESC);

CREATE TABLE IF NOT EXISTS public.sigmaris_safety_assessments (
    id bigserial PRIMARY KEY,
    trace_id text NOT NULL,
    user_id text NOT NULL,
    session_id text,
    safety_flag text,
    risk_score double precision NOT NULL,
    categories jsonb NOT NULL DEFAULT '{}'::jsonb,
    reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
    meta jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sigmaris_safety_assessments_user_created_idx ON public.sigmaris_safety_assessments (user_id, created_at);

CREATE TABLE IF NOT EXISTS public.sigmaris_trace_events (
    id bigserial PRIMARY KEY,
    trace_id text NOT NULL,
    event text NOT NULL,
    fields jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sigmaris_trace_events_trace_idx ON public.sigmaris_trace_events (trace_id);

ALTER TABLE public.sigmaris_persona_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_turns ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_value_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_trait_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_episodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_safety_assessments ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_trace_events ENABLE ROW LEVEL SECURITY;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sigmaris_persona_state', 'sigmaris_turns', 'sigmaris_value_snapshots',
                             'sigmaris_trait_snapshots', 'sigmaris_episodes', 'sigmaris_safety_assessments']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = t
                       AND policyname = t || '_select_own') THEN
            EXECUTE format(
                'CREATE POLICY %I ON public.%I FOR SELECT TO authenticated USING (auth.uid()::text = user_id)',
                t || '_select_own', t);
        END IF;
    END LOOP;
END
$$;
