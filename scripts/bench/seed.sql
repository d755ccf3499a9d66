-- Clones the template user's history (the turns scripts/bench.sh made through the API) to users
-- 2..:nusers, so every benchmark user starts with the same number of episodes to recall over and the
-- tables are as large as if every user had had those turns. Rows are copies of rows the service wrote
-- itself, with fresh ids, so they are valid by construction.
--   psql -v nusers=200 -v template=00000000-0000-4000-8000-000000000001 -f scripts/bench/seed.sql
\set ON_ERROR_STOP on
BEGIN;

CREATE TEMP TABLE bench_users ON COMMIT DROP AS
SELECT '00000000-0000-4000-8000-' || lpad(g::text, 12, '0') AS uid
FROM generate_series(2, :nusers) AS g;

INSERT INTO public.sigmaris_persona_state (user_id, value_state, trait_state, global_state, turn_count, updated_at)
SELECT u.uid, s.value_state, s.trait_state, s.global_state, s.turn_count, s.updated_at
FROM public.sigmaris_persona_state s CROSS JOIN bench_users u
WHERE s.user_id = :'template';

INSERT INTO public.sigmaris_episodes
    (episode_id, user_id, "timestamp", summary, emotion_hint, traits_hint, raw_context, embedding, meta, created_at)
SELECT gen_random_uuid()::text, u.uid, e."timestamp", e.summary, e.emotion_hint, e.traits_hint, e.raw_context,
       e.embedding, e.meta, e.created_at
FROM public.sigmaris_episodes e CROSS JOIN bench_users u
WHERE e.user_id = :'template';

-- The other per-turn tables, so indexes and heaps have the size a real history gives them.
-- A cloned row gets a trace id derived from the user and the original trace id (32 hex digits).
INSERT INTO public.sigmaris_turns (trace_id, user_id, session_id, role, content, topic_hint, emotion_hint, importance, meta, created_at)
SELECT md5(u.uid || t.trace_id), u.uid, 'bench-' || u.uid, t.role, t.content, t.topic_hint, t.emotion_hint, t.importance, t.meta, t.created_at
FROM public.sigmaris_turns t CROSS JOIN bench_users u
WHERE t.user_id = :'template'
ORDER BY u.uid, t.id;

INSERT INTO public.sigmaris_value_snapshots (trace_id, user_id, state, delta, meta, created_at)
SELECT md5(u.uid || v.trace_id), u.uid, v.state, v.delta, v.meta, v.created_at
FROM public.sigmaris_value_snapshots v CROSS JOIN bench_users u
WHERE v.user_id = :'template'
ORDER BY u.uid, v.id;

INSERT INTO public.sigmaris_trait_snapshots (trace_id, user_id, state, delta, meta, created_at)
SELECT md5(u.uid || v.trace_id), u.uid, v.state, v.delta, v.meta, v.created_at
FROM public.sigmaris_trait_snapshots v CROSS JOIN bench_users u
WHERE v.user_id = :'template'
ORDER BY u.uid, v.id;

INSERT INTO public.sigmaris_safety_assessments (trace_id, user_id, session_id, safety_flag, risk_score, categories, reasons, meta, created_at)
SELECT md5(u.uid || a.trace_id), u.uid, 'bench-' || u.uid, a.safety_flag, a.risk_score, a.categories, a.reasons, a.meta, a.created_at
FROM public.sigmaris_safety_assessments a CROSS JOIN bench_users u
WHERE a.user_id = :'template'
ORDER BY u.uid, a.id;

INSERT INTO public.sigmaris_turn_audit (trace_id, user_id, record, created_at)
SELECT md5(u.uid || a.trace_id), u.uid, a.record, a.created_at
FROM public.sigmaris_turn_audit a CROSS JOIN bench_users u
WHERE a.user_id = :'template'
ORDER BY u.uid, a.created_at;

INSERT INTO public.messages (user_id, session_id, role, content, created_at)
SELECT u.uid::uuid, 'bench-' || u.uid, m.role, m.content, m.created_at
FROM public.messages m CROSS JOIN bench_users u
WHERE m.user_id = :'template'::uuid
ORDER BY u.uid, m.id;

INSERT INTO public.sigmaris_state_snapshots
    (user_id, session_id, trace_id, global_state, overload_score, reflective_score, memory_pointer_count,
     safety_flag, safety_risk_score, value_state, trait_state, meta, created_at)
SELECT u.uid::uuid, 'bench-' || u.uid, md5(u.uid || s.trace_id), s.global_state, s.overload_score, s.reflective_score,
       s.memory_pointer_count, s.safety_flag, s.safety_risk_score, s.value_state, s.trait_state, s.meta, s.created_at
FROM public.sigmaris_state_snapshots s CROSS JOIN bench_users u
WHERE s.user_id = :'template'::uuid
ORDER BY u.uid, s.id;

COMMIT;
VACUUM ANALYZE;
