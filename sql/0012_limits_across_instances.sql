-- Sigmaris migration 0012: limits that hold across instances (issue #25).
-- Several instances on one database used to count every limit in their own memory, so a user with
-- 10 turns a minute got 10 per instance. The counts now live here; each process still refuses
-- locally first when its own share is already past the limit (SigmarisApp/Limits).
--  * `sigmaris_turn_buckets`: one token bucket per user (`SIGMARIS_RATE_LIMIT_PER_MINUTE`), refilled
--    and taken from in one statement (SigmarisStore/TurnBuckets.swift). A row idle for a minute is
--    full again, so it means the same as no row: every instance sweeps such rows away.
--  * `sigmaris_work_leases`: one row per turn or export in progress anywhere (the caps
--    `SIGMARIS_MAX_TURNS_IN_FLIGHT`, `SIGMARIS_MAX_CONCURRENT_EXPORTS`, the per-user queue bound and
--    one export per user). A lease names the process that holds it (`holder`) and expires unless that
--    process renews it (every 10 s, for 30 s): a process that dies leaks nothing for longer than that.
--    Leases are not tied to a database session, because behind a transaction pooler (Supabase's port
--    6543, PgBouncer) a session is not the service's to keep.
--  * `sigmaris_take_work_lease(...)`: takes a lease if the caps leave room, in one statement: it
--    takes the transaction-level advisory lock of the kind first, so admissions on every instance
--    count one after the other (a plain statement would count from a snapshot taken before the lock,
--    and two admissions at once could both pass a cap), and the lock is held only for that one
--    statement's transaction.
-- Both tables are UNLOGGED: their rows live for seconds, and losing them in a crash of the database
-- only forgets counts that restart from zero (no WAL is written per turn for them).
-- The service's own role reads and writes them; API roles have no grant and RLS has no policy for them.
-- Safe to run twice; paste into the Supabase SQL editor as is.

CREATE UNLOGGED TABLE IF NOT EXISTS public.sigmaris_turn_buckets (
    user_id text PRIMARY KEY,
    -- Turns left; refills at the limit per minute, up to the limit.
    tokens double precision NOT NULL,
    updated_at timestamptz NOT NULL,
    -- Whether the last take found a whole token (what the statement returns).
    admitted boolean NOT NULL
);

CREATE UNLOGGED TABLE IF NOT EXISTS public.sigmaris_work_leases (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('turn', 'export')),
    user_id text NOT NULL,
    holder uuid NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sigmaris_work_leases_kind_user_idx ON public.sigmaris_work_leases (kind, user_id);
CREATE INDEX IF NOT EXISTS sigmaris_work_leases_holder_idx ON public.sigmaris_work_leases (holder);

-- `kind` a lease kind, the caps 0 for none, `seconds` the time to live; returns the user's live
-- leases of the kind (before this one) and the new lease's id, null when a cap refused it.
-- plpgsql: in a volatile function every statement takes a new snapshot, so the count after the lock
-- sees every admission committed before it.
CREATE OR REPLACE FUNCTION public.sigmaris_take_work_lease(
    p_kind text, p_user_id text, p_holder uuid, p_max_total bigint, p_max_per_user bigint, p_seconds double precision)
RETURNS TABLE (lease_mine integer, lease_id bigint)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
BEGIN
    -- 0x5347_4D52 ("SGMR"), and one number per kind.
    PERFORM pg_advisory_xact_lock(1397181778, CASE p_kind WHEN 'turn' THEN 1 ELSE 2 END);
    RETURN QUERY
    WITH live AS (
        SELECT count(*)::int AS total, count(*) FILTER (WHERE l.user_id = p_user_id)::int AS mine
        FROM public.sigmaris_work_leases l WHERE l.kind = p_kind AND l.expires_at > now()
    ), taken AS (
        INSERT INTO public.sigmaris_work_leases (kind, user_id, holder, expires_at)
        SELECT p_kind, p_user_id, p_holder, now() + make_interval(secs => p_seconds) FROM live
        WHERE (p_max_per_user = 0 OR live.mine < p_max_per_user) AND (p_max_total = 0 OR live.total < p_max_total)
        RETURNING public.sigmaris_work_leases.id
    )
    SELECT live.mine, (SELECT taken.id FROM taken) FROM live;
END
$fn$;

ALTER TABLE public.sigmaris_turn_buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_work_leases ENABLE ROW LEVEL SECURITY;
-- Supabase's default privileges grant ALL on new tables to the API roles; take them back, as 0009 does.
REVOKE ALL ON TABLE public.sigmaris_turn_buckets, public.sigmaris_work_leases FROM PUBLIC, anon, authenticated;
REVOKE ALL ON SEQUENCE public.sigmaris_work_leases_id_seq FROM PUBLIC, anon, authenticated;
-- Functions are executable by PUBLIC unless taken back.
REVOKE ALL ON FUNCTION public.sigmaris_take_work_lease(text, text, uuid, bigint, bigint, double precision)
    FROM PUBLIC, anon, authenticated;
