-- Sigmaris migration 0011: a turn of `/api/aei` stores each fact once; the persona rows point at the
-- chat rows written in the same transaction instead of copying them (issue #26, section 5).
--
-- Before: a signed-in user's turn wrote its texts twice (`messages.content` and
-- `sigmaris_turns.content`), its value and trait states and deltas twice (the state snapshot's
-- `value_state`/`trait_state`/`meta`, and `sigmaris_value_snapshots`/`sigmaris_trait_snapshots`), the
-- safety categories and reasons twice (the snapshot's `meta->'safety'` and
-- `sigmaris_safety_assessments`), and three of the assistant meta's keys twice (the snapshot's
-- `meta->'identity'`, `'global_state'` and `'memory'` are the audit row's `meta->'identity_context'`,
-- `'global_state'` and `'memory_raw'`).
-- Now:
--  * `messages` and `sigmaris_state_snapshots` are left exactly as they are (same columns, same
--    values): they are the one stored copy.
--  * The persona rows leave a copied value null: `sigmaris_turns.content`, the value and trait
--    snapshots' `state` and `delta`, the safety assessment's `categories` and `reasons`; the audit
--    row's record holds `meta_own` (the assistant meta without those three keys) instead of `meta`,
--    and a trace event whose fields are the snapshot meta's `value` or `trait` (`value_drift`,
--    `trait_drift`: the new state and delta) holds `fields_in_snapshot` naming that key instead.
--    The service decides this per turn, only when the chat rows of that transaction hold exactly the
--    same value (Sources/SigmarisStore/TurnFactsInChatRows.swift); a `/persona/chat` turn, which
--    writes no chat rows, stores everything as before.
--  * How a persona row finds its chat rows: they were written in the same transaction, so they carry
--    the same `created_at` (now()), the same trace id (the snapshot) or session id and role (the
--    messages), and the user's uuid, whose lowercase text is the persona user id. Two functions hold
--    that link, `sigmaris_turn_message` and `sigmaris_turn_snapshot_meta`; both are served by the
--    chat tables' existing indexes, (user_id, session_id, created_at) and (user_id, created_at).
--  * The `_v` views of 0007 give every row back in its old shape, as before; `sigmaris_turn_audit_v`
--    is new and gives the audit record back whole (its `meta` and every event's `fields`). The views are redefined here with
--    the same columns: a later run of 0007 alone would put back its own definitions, so run this file
--    after it again (the migration runner never reruns a file).
--  * Deleting chat rows while the persona rows stay (a session's messages, one exchange, a session)
--    first writes the facts they hold back into the persona rows, in the same transaction
--    (Sources/SigmarisStore/TurnFactsInChatRows.swift): the views read the same before and after.
--    An erase deletes both sides; `sigmaris prune` deletes the persona rows of a date before the chat
--    rows of that date. A chat row deleted by hand, around the service, takes its fact with it.
--
-- Existing rows move forward here, in this transaction: a copy is set to null only where the view
-- gives back exactly the stored value (compared in SQL, row by row; an audit record is rewritten,
-- read back through the view, and put back as it was where the two differ), so no fact is lost even
-- on rows this file does not know. The freed space is reused by new rows after the next (auto)vacuum.
-- Safe to run twice; paste into the Supabase SQL editor as is.

-- A persona user id as the uuid of the signed-in user it names, or null: `/persona/chat` ids are any
-- text, and only the lowercase form is the one the service writes for a uuid.
CREATE OR REPLACE FUNCTION public.sigmaris_persona_uuid(persona_user_id text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT AS $fn$
    SELECT CASE WHEN persona_user_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN persona_user_id::uuid END
$fn$;

-- The text of a turn row, from the message of the same exchange (role 'assistant' is 'ai' there).
-- Invoker's rights: it reads `messages` as whoever calls it, under that table's RLS and grants.
CREATE OR REPLACE FUNCTION public.sigmaris_turn_message(
    turn_user_id text, turn_session_id text, turn_created_at timestamptz, turn_role text
) RETURNS text LANGUAGE sql STABLE AS $fn$
    SELECT m.content FROM public.messages m
    WHERE m.user_id = public.sigmaris_persona_uuid(turn_user_id) AND m.session_id = turn_session_id
      AND m.created_at = turn_created_at AND m.role = CASE turn_role WHEN 'assistant' THEN 'ai' ELSE turn_role END
    ORDER BY m.id LIMIT 1
$fn$;

-- The meta of the turn's state snapshot (the engine's whole turn meta).
CREATE OR REPLACE FUNCTION public.sigmaris_turn_snapshot_meta(
    turn_user_id text, turn_trace_id text, turn_created_at timestamptz
) RETURNS jsonb LANGUAGE sql STABLE AS $fn$
    SELECT s.meta FROM public.sigmaris_state_snapshots s
    WHERE s.user_id = public.sigmaris_persona_uuid(turn_user_id) AND s.created_at = turn_created_at
      AND s.trace_id = turn_trace_id
    ORDER BY s.id LIMIT 1
$fn$;

ALTER TABLE public.sigmaris_turns ALTER COLUMN content DROP NOT NULL;
ALTER TABLE public.sigmaris_value_snapshots ALTER COLUMN state DROP NOT NULL, ALTER COLUMN delta DROP NOT NULL;
ALTER TABLE public.sigmaris_trait_snapshots ALTER COLUMN state DROP NOT NULL, ALTER COLUMN delta DROP NOT NULL;
ALTER TABLE public.sigmaris_safety_assessments ALTER COLUMN categories DROP NOT NULL, ALTER COLUMN reasons DROP NOT NULL;

-- Whether an audit record leaves part of itself to the turn's state snapshot.
CREATE OR REPLACE FUNCTION public.sigmaris_audit_record_shares(record jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $fn$
    SELECT record ? 'meta_own' OR record @? '$.events[*] ? (exists (@.fields_in_snapshot))'
$fn$;

-- The audit record whole: `meta_own` with the three keys the snapshot's meta holds, and each event's
-- `fields` where it names a key of the snapshot's meta.
CREATE OR REPLACE VIEW public.sigmaris_turn_audit_v WITH (security_invoker = true) AS
SELECT a.trace_id, a.user_id,
       CASE WHEN NOT public.sigmaris_audit_record_shares(a.record) THEN a.record ELSE
           (a.record - 'meta_own' - 'events')
           || CASE WHEN a.record ? 'meta_own' THEN jsonb_build_object('meta', (a.record->'meta_own') || jsonb_build_object(
                  'identity_context', x.snapshot->'identity', 'global_state', x.snapshot->'global_state',
                  'memory_raw', x.snapshot->'memory')) ELSE '{}'::jsonb END
           || CASE WHEN jsonb_typeof(a.record->'events') = 'array' THEN jsonb_build_object('events', coalesce(
                  (SELECT jsonb_agg(CASE WHEN e.event ? 'fields_in_snapshot'
                                         THEN jsonb_build_object('event', e.event->'event',
                                                                 'fields', x.snapshot->(e.event->>'fields_in_snapshot'))
                                         ELSE e.event END ORDER BY e.n)
                   FROM jsonb_array_elements(a.record->'events') WITH ORDINALITY AS e(event, n)), '[]'::jsonb))
              WHEN a.record ? 'events' THEN jsonb_build_object('events', a.record->'events') ELSE '{}'::jsonb END
       END AS record,
       a.created_at
FROM public.sigmaris_turn_audit a
LEFT JOIN LATERAL (
    SELECT public.sigmaris_turn_snapshot_meta(a.user_id, a.trace_id, a.created_at) AS snapshot
    WHERE public.sigmaris_audit_record_shares(a.record)
) x ON true;

-- 0007's views, reading the audit record through sigmaris_turn_audit_v and a null copy from the chat
-- rows. Same columns as 0007's.
CREATE OR REPLACE VIEW public.sigmaris_turns_v WITH (security_invoker = true) AS
SELECT t.id, t.trace_id, t.user_id, t.session_id, t.role,
       coalesce(t.content, public.sigmaris_turn_message(t.user_id, t.session_id, t.created_at, t.role)) AS content,
       t.topic_hint, t.emotion_hint, t.importance,
       CASE
           WHEN t.meta IS NOT NULL THEN t.meta
           WHEN t.role = 'assistant' THEN (a.record->'meta')
           WHEN t.role = 'user' AND (a.record->'meta') IS NOT NULL THEN
               ((a.record->'meta') - 'memory_pointers' - 'memory_raw') || '{"direction": "input"}'::jsonb
       END AS meta,
       t.global_state, t.created_at
FROM public.sigmaris_turns t
LEFT JOIN public.sigmaris_turn_audit_v a ON a.trace_id = t.trace_id AND a.user_id = t.user_id;

-- As 0007's, with the user row's text read through sigmaris_turns_v.
CREATE OR REPLACE FUNCTION public.sigmaris_snapshot_meta(snapshot_trace_id text, snapshot_user_id text, turn_meta jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $fn$
    SELECT CASE WHEN turn_meta IS NOT NULL THEN jsonb_build_object(
        'trace_id', snapshot_trace_id,
        'request_preview', (SELECT left(u.content, 80) FROM public.sigmaris_turns_v u
                            WHERE u.user_id = snapshot_user_id AND u.trace_id = snapshot_trace_id AND u.role = 'user' LIMIT 1),
        'memory_pointer_count', jsonb_array_length(coalesce(turn_meta->'memory_pointers', '[]'::jsonb)),
        'identity_topic_label', turn_meta->'identity_context'->'topic_label') END
$fn$;

CREATE OR REPLACE VIEW public.sigmaris_value_snapshots_v WITH (security_invoker = true) AS
SELECT v.id, v.trace_id, v.user_id,
       coalesce(v.state, public.sigmaris_turn_snapshot_meta(v.user_id, v.trace_id, v.created_at)->'value'->'state') AS state,
       coalesce(v.delta, public.sigmaris_turn_snapshot_meta(v.user_id, v.trace_id, v.created_at)->'value'->'delta') AS delta,
       coalesce(v.meta, public.sigmaris_snapshot_meta(v.trace_id, v.user_id, a.record->'meta')) AS meta, v.created_at
FROM public.sigmaris_value_snapshots v
LEFT JOIN public.sigmaris_turn_audit_v a ON a.trace_id = v.trace_id AND a.user_id = v.user_id;

CREATE OR REPLACE VIEW public.sigmaris_trait_snapshots_v WITH (security_invoker = true) AS
SELECT v.id, v.trace_id, v.user_id,
       coalesce(v.state, public.sigmaris_turn_snapshot_meta(v.user_id, v.trace_id, v.created_at)->'trait'->'state') AS state,
       coalesce(v.delta, public.sigmaris_turn_snapshot_meta(v.user_id, v.trace_id, v.created_at)->'trait'->'delta') AS delta,
       coalesce(v.meta, public.sigmaris_snapshot_meta(v.trace_id, v.user_id, a.record->'meta')) AS meta, v.created_at
FROM public.sigmaris_trait_snapshots v
LEFT JOIN public.sigmaris_turn_audit_v a ON a.trace_id = v.trace_id AND a.user_id = v.user_id;

CREATE OR REPLACE VIEW public.sigmaris_safety_assessments_v WITH (security_invoker = true) AS
SELECT s.id, s.trace_id, s.user_id, s.session_id, s.safety_flag, s.risk_score,
       coalesce(s.categories, public.sigmaris_turn_snapshot_meta(s.user_id, s.trace_id, s.created_at)->'safety'->'categories') AS categories,
       coalesce(s.reasons, public.sigmaris_turn_snapshot_meta(s.user_id, s.trace_id, s.created_at)->'safety'->'reasons') AS reasons,
       coalesce(s.meta, (a.record->'safety_meta') || jsonb_build_object(
           'request_preview', (SELECT left(u.content, 160) FROM public.sigmaris_turns_v u
                               WHERE u.user_id = s.user_id AND u.trace_id = s.trace_id AND u.role = 'user' LIMIT 1))) AS meta,
       s.created_at
FROM public.sigmaris_safety_assessments s
LEFT JOIN public.sigmaris_turn_audit_v a ON a.trace_id = s.trace_id AND a.user_id = s.user_id;

-- As 0007's, with the events read through sigmaris_turn_audit_v.
CREATE OR REPLACE VIEW public.sigmaris_trace_events_v WITH (security_invoker = true) AS
SELECT a.trace_id, a.user_id, e.seq, e.event->>'event' AS event, e.event->'fields' AS fields, a.created_at
FROM public.sigmaris_turn_audit_v a
CROSS JOIN LATERAL jsonb_array_elements(a.record->'events') WITH ORDINALITY AS e(event, seq)
UNION ALL
SELECT l.trace_id, NULL::text, l.id, l.event, l.fields, l.created_at
FROM public.sigmaris_trace_events l;

-- Existing rows: each copy goes only where the view gives back exactly the stored value.
UPDATE public.sigmaris_turns t SET content = NULL
WHERE t.content IS NOT NULL AND public.sigmaris_persona_uuid(t.user_id) IS NOT NULL
  AND t.content = public.sigmaris_turn_message(t.user_id, t.session_id, t.created_at, t.role);

UPDATE public.sigmaris_value_snapshots v SET state = NULL, delta = NULL
FROM (SELECT id, public.sigmaris_turn_snapshot_meta(user_id, trace_id, created_at)->'value' AS shared
      FROM public.sigmaris_value_snapshots
      WHERE state IS NOT NULL AND delta IS NOT NULL AND public.sigmaris_persona_uuid(user_id) IS NOT NULL) x
WHERE x.id = v.id AND v.state = x.shared->'state' AND v.delta = x.shared->'delta';

UPDATE public.sigmaris_trait_snapshots v SET state = NULL, delta = NULL
FROM (SELECT id, public.sigmaris_turn_snapshot_meta(user_id, trace_id, created_at)->'trait' AS shared
      FROM public.sigmaris_trait_snapshots
      WHERE state IS NOT NULL AND delta IS NOT NULL AND public.sigmaris_persona_uuid(user_id) IS NOT NULL) x
WHERE x.id = v.id AND v.state = x.shared->'state' AND v.delta = x.shared->'delta';

UPDATE public.sigmaris_safety_assessments s SET categories = NULL, reasons = NULL
FROM (SELECT id, public.sigmaris_turn_snapshot_meta(user_id, trace_id, created_at)->'safety' AS shared
      FROM public.sigmaris_safety_assessments
      WHERE categories IS NOT NULL AND reasons IS NOT NULL AND public.sigmaris_persona_uuid(user_id) IS NOT NULL) x
WHERE x.id = s.id AND s.categories = x.shared->'categories' AND s.reasons = x.shared->'reasons';

-- Audit records of turns with a state snapshot: rewritten, then read back through the view, and put
-- back as they were wherever the view does not give exactly the old record.
DROP TABLE IF EXISTS pg_temp.sigmaris_0011_audit;
CREATE TEMP TABLE sigmaris_0011_audit AS
SELECT a.trace_id, a.record, x.snapshot
FROM public.sigmaris_turn_audit a
CROSS JOIN LATERAL (SELECT public.sigmaris_turn_snapshot_meta(a.user_id, a.trace_id, a.created_at) AS snapshot) x
WHERE NOT public.sigmaris_audit_record_shares(a.record) AND public.sigmaris_persona_uuid(a.user_id) IS NOT NULL
  AND jsonb_typeof(x.snapshot) = 'object';

UPDATE public.sigmaris_turn_audit a
SET record = (o.record - 'meta' - 'events')
    || CASE WHEN jsonb_typeof(o.record->'meta') = 'object'
            THEN jsonb_build_object('meta_own', (o.record->'meta') - 'identity_context' - 'global_state' - 'memory_raw')
            WHEN o.record ? 'meta' THEN jsonb_build_object('meta', o.record->'meta') ELSE '{}'::jsonb END
    || CASE WHEN jsonb_typeof(o.record->'events') = 'array' THEN jsonb_build_object('events', coalesce(
           (SELECT jsonb_agg(CASE WHEN e.event->'fields' = o.snapshot->'value'
                                  THEN jsonb_build_object('event', e.event->'event', 'fields_in_snapshot', 'value')
                                  WHEN e.event->'fields' = o.snapshot->'trait'
                                  THEN jsonb_build_object('event', e.event->'event', 'fields_in_snapshot', 'trait')
                                  ELSE e.event END ORDER BY e.n)
            FROM jsonb_array_elements(o.record->'events') WITH ORDINALITY AS e(event, n)), '[]'::jsonb))
            WHEN o.record ? 'events' THEN jsonb_build_object('events', o.record->'events') ELSE '{}'::jsonb END
FROM pg_temp.sigmaris_0011_audit o
WHERE o.trace_id = a.trace_id;

UPDATE public.sigmaris_turn_audit a SET record = o.record
FROM pg_temp.sigmaris_0011_audit o
WHERE o.trace_id = a.trace_id AND a.record IS DISTINCT FROM o.record
  AND (SELECT v.record FROM public.sigmaris_turn_audit_v v WHERE v.trace_id = a.trace_id) IS DISTINCT FROM o.record;

DROP TABLE pg_temp.sigmaris_0011_audit;

-- As 0007 does: no API role may read the new view or run the new functions (0009 closes every
-- Sigmaris object when it runs; this file runs after it).
REVOKE ALL ON TABLE public.sigmaris_turn_audit_v FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.sigmaris_persona_uuid(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.sigmaris_audit_record_shares(jsonb) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.sigmaris_turn_message(text, text, timestamptz, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.sigmaris_turn_snapshot_meta(text, text, timestamptz) FROM PUBLIC, anon, authenticated;
