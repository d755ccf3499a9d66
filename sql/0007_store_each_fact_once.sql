-- Sigmaris migration 0007: the persona core stores each fact of a turn once (issue #15).
--
-- Before: the turn's meta was written on both turn rows, the value and trait snapshots each carried
-- a bookkeeping meta whose every field is also elsewhere, the safety meta repeated the message, and
-- each trace event was a row of its own (ten rows, ten index entries a turn).
-- Now:
--  * `sigmaris_turn_audit`, one row per turn keyed by `trace_id`, whose `record` holds the
--    assistant turn row's meta (`meta`), the safety meta without its `request_preview`
--    (`safety_meta`) and the trace events as one array (`events`, `[]` with tracing off).
--  * `sigmaris_turns` rows, value/trait snapshots and safety assessments are written with `meta`
--    null; the columns stay (nullable, as they were) so nothing that reads them breaks.
--  * Views give every row back in its old shape, meta included, for psql users and the export:
--    `sigmaris_turns_v`, `sigmaris_value_snapshots_v`, `sigmaris_trait_snapshots_v`,
--    `sigmaris_safety_assessments_v`, and `sigmaris_trace_events_v` (one event per row). The metas
--    they rebuild are exactly what the engine made (docs/engine.md §11; Tests/SigmarisStoreTests
--    compare them with the engine's own): the user row's meta is the assistant's without
--    `memory_pointers`/`memory_raw` and with direction "input"; a snapshot's meta is the trace id,
--    the first 80 characters of the message, the number of memory pointers and the identity's topic
--    label (`sigmaris_snapshot_meta`); the safety meta's `request_preview` is the first 160
--    characters of the message.
--  * `sigmaris_trace_events` stays as an empty table that nothing writes any more: 0003 and 0004
--    name it (an index, RLS, its sequence), and every file must stay safe to run again. Its rows
--    move into `sigmaris_turn_audit.record->'events'`; `sigmaris_trace_events_v` still lists any
--    row left in it (an event without a turn, or one written by an older instance during a rollout).
--  * `sigmaris_turns_trace_idx` (trace_id) is dropped: every reader knows the user and uses
--    `sigmaris_turns_user_trace_idx` (0005); a lookup by trace id alone goes through the audit
--    row's primary key, which gives the user.
--
-- Compression, chosen on purpose: Postgres only compresses a row's values once the whole row is
-- above about 2 KB (TOAST_TUPLE_THRESHOLD, a build constant; `toast_tuple_target` cannot lower that
-- trigger). So the turn's large JSON is one document, `record` (about 5 KB of jsonb): always above
-- it, and compressed as a whole, which finds the repeats between the meta and the events (one
-- document compressed to 2.5 KB where the three values compressed apart took 3.3 KB). Then:
--  * pglz, not lz4: measured on turns of the local provider, pglz keeps `record` 11% smaller
--    (2.5 KB against 2.8 KB). It costs more CPU per insert, tens of microseconds on 5 KB, small
--    beside a turn's statement; bytes are what this table is about.
--  * storage MAIN: the compressed document stays inline (no TOAST row, TOAST index entry and extra
--    fetch per turn); only one still above a page would move out of line;
--  * `toast_tuple_target = 128`: once compression starts it goes on until the document is
--    compressed, rather than stopping as soon as the row fits in 2 KB.
-- The frontend tables are left as they are: `sigmaris_state_snapshots.meta` is already compressed
-- by the default settings, and MAIN or lz4 made it no smaller there.
--
-- Existing rows move forward here, in this transaction: an audit row is made for every turn that
-- has none, and a copied meta is set to null only where the view gives back exactly the stored
-- value, so no fact is lost even on rows this file does not know. The freed space is reused by new
-- rows after the next (auto)vacuum; VACUUM FULL is not needed.
-- Safe to run twice; paste into the Supabase SQL editor as is.

CREATE TABLE IF NOT EXISTS public.sigmaris_turn_audit (
    trace_id text PRIMARY KEY,
    user_id text NOT NULL,
    -- {meta: the assistant turn row's meta (docs/engine.md §11), safety_meta: the safety
    --  assessment's meta without `request_preview` (§6), events: [{event, fields}, ...] (§12)}
    record jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
) WITH (toast_tuple_target = 128);
ALTER TABLE public.sigmaris_turn_audit ALTER COLUMN record SET STORAGE MAIN;
ALTER TABLE public.sigmaris_turn_audit ALTER COLUMN record SET COMPRESSION pglz;

ALTER TABLE public.sigmaris_turn_audit ENABLE ROW LEVEL SECURITY;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'sigmaris_turn_audit'
                   AND policyname = 'sigmaris_turn_audit_select_own') THEN
        CREATE POLICY sigmaris_turn_audit_select_own ON public.sigmaris_turn_audit
            FOR SELECT TO authenticated USING (auth.uid()::text = user_id);
    END IF;
END
$$;

-- Existing turns: one audit row each, from the assistant row's meta, the safety meta and the
-- trace events of the trace.
INSERT INTO public.sigmaris_turn_audit (trace_id, user_id, record, created_at)
-- A missing meta is left out of the record (not stored as JSON null), so the views see SQL null.
SELECT t.trace_id, t.user_id,
       CASE WHEN jsonb_typeof(t.meta) = 'object' THEN jsonb_build_object('meta', t.meta) ELSE '{}'::jsonb END
       || coalesce((SELECT jsonb_build_object('safety_meta', s.meta - 'request_preview') FROM public.sigmaris_safety_assessments s
                    WHERE s.user_id = t.user_id AND s.trace_id = t.trace_id AND jsonb_typeof(s.meta) = 'object'
                    ORDER BY s.id LIMIT 1), '{}'::jsonb)
       || jsonb_build_object('events', coalesce(
              (SELECT jsonb_agg(jsonb_build_object('event', e.event, 'fields', e.fields) ORDER BY e.id)
               FROM public.sigmaris_trace_events e WHERE e.trace_id = t.trace_id), '[]'::jsonb)),
       t.created_at
FROM public.sigmaris_turns t
WHERE t.role = 'assistant'
  AND NOT EXISTS (SELECT 1 FROM public.sigmaris_turn_audit a WHERE a.trace_id = t.trace_id)
ON CONFLICT (trace_id) DO NOTHING;

-- The views: every row in its old shape. security_invoker: whoever reads a view is held to the
-- tables' own RLS and grants, as if reading them.
CREATE OR REPLACE VIEW public.sigmaris_turns_v WITH (security_invoker = true) AS
SELECT t.id, t.trace_id, t.user_id, t.session_id, t.role, t.content, t.topic_hint, t.emotion_hint, t.importance,
       CASE
           WHEN t.meta IS NOT NULL THEN t.meta
           WHEN t.role = 'assistant' THEN (a.record->'meta')
           WHEN t.role = 'user' AND (a.record->'meta') IS NOT NULL THEN
               ((a.record->'meta') - 'memory_pointers' - 'memory_raw') || '{"direction": "input"}'::jsonb
       END AS meta,
       t.global_state, t.created_at
FROM public.sigmaris_turns t
LEFT JOIN public.sigmaris_turn_audit a ON a.trace_id = t.trace_id AND a.user_id = t.user_id;

-- A value or trait snapshot's meta (docs/engine.md §11), from the turn's meta and its user row.
-- Invoker's rights: it reads sigmaris_turns as whoever calls it, under that table's RLS and grants.
CREATE OR REPLACE FUNCTION public.sigmaris_snapshot_meta(snapshot_trace_id text, snapshot_user_id text, turn_meta jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $fn$
    SELECT CASE WHEN turn_meta IS NOT NULL THEN jsonb_build_object(
        'trace_id', snapshot_trace_id,
        'request_preview', (SELECT left(u.content, 80) FROM public.sigmaris_turns u
                            WHERE u.user_id = snapshot_user_id AND u.trace_id = snapshot_trace_id AND u.role = 'user' LIMIT 1),
        'memory_pointer_count', jsonb_array_length(coalesce(turn_meta->'memory_pointers', '[]'::jsonb)),
        'identity_topic_label', turn_meta->'identity_context'->'topic_label') END
$fn$;

CREATE OR REPLACE VIEW public.sigmaris_value_snapshots_v WITH (security_invoker = true) AS
SELECT v.id, v.trace_id, v.user_id, v.state, v.delta,
       coalesce(v.meta, public.sigmaris_snapshot_meta(v.trace_id, v.user_id, a.record->'meta')) AS meta, v.created_at
FROM public.sigmaris_value_snapshots v
LEFT JOIN public.sigmaris_turn_audit a ON a.trace_id = v.trace_id AND a.user_id = v.user_id;

CREATE OR REPLACE VIEW public.sigmaris_trait_snapshots_v WITH (security_invoker = true) AS
SELECT v.id, v.trace_id, v.user_id, v.state, v.delta,
       coalesce(v.meta, public.sigmaris_snapshot_meta(v.trace_id, v.user_id, a.record->'meta')) AS meta, v.created_at
FROM public.sigmaris_trait_snapshots v
LEFT JOIN public.sigmaris_turn_audit a ON a.trace_id = v.trace_id AND a.user_id = v.user_id;

CREATE OR REPLACE VIEW public.sigmaris_safety_assessments_v WITH (security_invoker = true) AS
SELECT s.id, s.trace_id, s.user_id, s.session_id, s.safety_flag, s.risk_score, s.categories, s.reasons,
       coalesce(s.meta, (a.record->'safety_meta') || jsonb_build_object(
           'request_preview', (SELECT left(u.content, 160) FROM public.sigmaris_turns u
                               WHERE u.user_id = s.user_id AND u.trace_id = s.trace_id AND u.role = 'user' LIMIT 1))) AS meta,
       s.created_at
FROM public.sigmaris_safety_assessments s
LEFT JOIN public.sigmaris_turn_audit a ON a.trace_id = s.trace_id AND a.user_id = s.user_id;

-- One event per row: `seq` is its place in the turn (1 = start); rows still in the retired table
-- follow with their own ids.
CREATE OR REPLACE VIEW public.sigmaris_trace_events_v WITH (security_invoker = true) AS
SELECT a.trace_id, a.user_id, e.seq, e.event->>'event' AS event, e.event->'fields' AS fields, a.created_at
FROM public.sigmaris_turn_audit a
CROSS JOIN LATERAL jsonb_array_elements(a.record->'events') WITH ORDINALITY AS e(event, seq)
UNION ALL
SELECT l.trace_id, NULL::text, l.id, l.event, l.fields, l.created_at
FROM public.sigmaris_trace_events l;

-- Copies go only where the view gives back exactly the stored value.
UPDATE public.sigmaris_turns t SET meta = NULL
FROM public.sigmaris_turn_audit a
WHERE t.meta IS NOT NULL AND a.trace_id = t.trace_id AND a.user_id = t.user_id
  AND ((t.role = 'assistant' AND (a.record->'meta') = t.meta)
       OR (t.role = 'user' AND ((a.record->'meta') - 'memory_pointers' - 'memory_raw') || '{"direction": "input"}'::jsonb = t.meta));

-- The snapshot and safety views rebuild from the user row, which keeps its content: compare the
-- stored meta with what the view would give without it.
UPDATE public.sigmaris_value_snapshots v SET meta = NULL
FROM public.sigmaris_turn_audit a
WHERE v.meta IS NOT NULL AND a.trace_id = v.trace_id AND a.user_id = v.user_id
  AND v.meta = public.sigmaris_snapshot_meta(v.trace_id, v.user_id, a.record->'meta');

UPDATE public.sigmaris_trait_snapshots v SET meta = NULL
FROM public.sigmaris_turn_audit a
WHERE v.meta IS NOT NULL AND a.trace_id = v.trace_id AND a.user_id = v.user_id
  AND v.meta = public.sigmaris_snapshot_meta(v.trace_id, v.user_id, a.record->'meta');

UPDATE public.sigmaris_safety_assessments s SET meta = NULL
FROM public.sigmaris_turn_audit a
WHERE s.meta IS NOT NULL AND a.trace_id = s.trace_id AND a.user_id = s.user_id AND (a.record->'safety_meta') IS NOT NULL
  AND s.meta = (a.record->'safety_meta') || jsonb_build_object(
      'request_preview', (SELECT left(u.content, 160) FROM public.sigmaris_turns u
                          WHERE u.user_id = s.user_id AND u.trace_id = s.trace_id AND u.role = 'user' LIMIT 1));

-- Events now in an audit row leave the retired table: only those of a trace whose audit row holds
-- exactly them, in order.
DELETE FROM public.sigmaris_trace_events e
USING public.sigmaris_turn_audit a
WHERE a.trace_id = e.trace_id
  AND (a.record->'events') = (SELECT jsonb_agg(jsonb_build_object('event', l.event, 'fields', l.fields) ORDER BY l.id)
                  FROM public.sigmaris_trace_events l WHERE l.trace_id = e.trace_id);
COMMENT ON TABLE public.sigmaris_trace_events IS
    'Retired by 0007: trace events are in sigmaris_turn_audit.record->events; read sigmaris_trace_events_v.';

DROP INDEX IF EXISTS public.sigmaris_turns_trace_idx;

-- As 0004 does for the others: Supabase's default privileges hand the API roles ALL on new tables
-- and views; take them back (the service writes these as its own role).
REVOKE ALL ON TABLE
    public.sigmaris_turn_audit,
    public.sigmaris_turns_v,
    public.sigmaris_value_snapshots_v,
    public.sigmaris_trait_snapshots_v,
    public.sigmaris_safety_assessments_v,
    public.sigmaris_trace_events_v
FROM anon, authenticated;
REVOKE ALL ON FUNCTION public.sigmaris_snapshot_meta(text, text, jsonb) FROM anon;
