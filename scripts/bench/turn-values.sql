-- Makes public.bench_turn_template: one row whose columns are the p_* variables of
-- scripts/bench/turn.pgbench (each pgbench client loads it once with \gset), taken from the rows the
-- service wrote for the template user's last turn, so pgbench writes values of the same size.
--   psql -X -v template=UUID -f scripts/bench/turn-values.sql
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS public.bench_turn_template;
CREATE TABLE public.bench_turn_template AS
WITH last_trace AS (
    SELECT trace_id FROM public.sigmaris_turns WHERE user_id = :'template' ORDER BY id DESC LIMIT 1
), state AS (
    SELECT * FROM public.sigmaris_persona_state WHERE user_id = :'template'
), episode AS (
    SELECT * FROM public.sigmaris_episodes WHERE user_id = :'template' ORDER BY "timestamp" DESC, created_at DESC LIMIT 1
), audit AS (
    SELECT * FROM public.sigmaris_turn_audit WHERE trace_id = (SELECT trace_id FROM last_trace)
), vs AS (
    SELECT * FROM public.sigmaris_value_snapshots WHERE trace_id = (SELECT trace_id FROM last_trace)
), ts AS (
    SELECT * FROM public.sigmaris_trait_snapshots WHERE trace_id = (SELECT trace_id FROM last_trace)
), safety AS (
    SELECT * FROM public.sigmaris_safety_assessments WHERE trace_id = (SELECT trace_id FROM last_trace)
), snap AS (
    SELECT * FROM public.sigmaris_state_snapshots WHERE trace_id = (SELECT trace_id FROM last_trace)
)
SELECT
    (SELECT value_state::text FROM state) AS p_value_state,
    (SELECT trait_state::text FROM state) AS p_trait_state,
    (SELECT global_state FROM state) AS p_global_state,
    (SELECT summary FROM episode) AS p_ep_summary,
    (SELECT emotion_hint FROM episode) AS p_ep_emotion_hint,
    (SELECT traits_hint::text FROM episode) AS p_ep_traits_hint,
    (SELECT raw_context FROM episode) AS p_ep_raw_context,
    (SELECT '\x' || encode(embedding, 'hex') FROM episode) AS p_ep_embedding,
    (SELECT meta::text FROM episode) AS p_ep_meta,
    (SELECT jsonb_agg(jsonb_build_object(
         'role', role, 'content', content, 'topic_hint', topic_hint, 'emotion_hint', emotion_hint,
         'importance', importance) ORDER BY id)::text
     FROM public.sigmaris_turns WHERE trace_id = (SELECT trace_id FROM last_trace)) AS p_turn_rows,
    -- The audit record's meta as the service sends it: whole under 'meta', or under 'meta_own' without
    -- what the state snapshot holds (sql/0011_turn_facts_in_chat_rows.sql); the turn rows' global state.
    (SELECT CASE WHEN record ? 'meta_own' THEN 'meta_own' ELSE 'meta' END FROM audit) AS p_audit_meta_key,
    (SELECT coalesce(record->'meta_own', record->'meta')::text FROM audit) AS p_audit_meta,
    (SELECT (record->'meta'->'global_state')::text FROM public.sigmaris_turn_audit_v
     WHERE trace_id = (SELECT trace_id FROM last_trace)) AS p_turn_global_state,
    -- '' where the state snapshot holds the value (the script sends null then).
    (SELECT coalesce(state::text, '') FROM vs) AS p_vs_state,
    (SELECT coalesce(delta::text, '') FROM vs) AS p_vs_delta,
    (SELECT coalesce(state::text, '') FROM ts) AS p_ts_state,
    (SELECT coalesce(delta::text, '') FROM ts) AS p_ts_delta,
    (SELECT safety_flag FROM safety) AS p_safety_flag,
    (SELECT risk_score::text FROM safety) AS p_risk_score,
    (SELECT coalesce(categories::text, '') FROM safety) AS p_categories,
    (SELECT coalesce(reasons::text, '') FROM safety) AS p_reasons,
    -- What the service sends: the whole safety meta (the audit row drops its request preview).
    (SELECT meta::text FROM public.sigmaris_safety_assessments_v WHERE trace_id = (SELECT trace_id FROM last_trace)) AS p_safety_meta,
    (SELECT (record->'events')::text FROM audit) AS p_events,
    (SELECT content FROM public.messages WHERE user_id = :'template'::uuid AND role = 'user' ORDER BY id DESC LIMIT 1) AS p_user_text,
    (SELECT content FROM public.messages WHERE user_id = :'template'::uuid AND role = 'ai' ORDER BY id DESC LIMIT 1) AS p_reply,
    (SELECT global_state FROM snap) AS p_snap_global_state,
    (SELECT overload_score::text FROM snap) AS p_snap_overload,
    (SELECT reflective_score::text FROM snap) AS p_snap_reflective,
    (SELECT memory_pointer_count::text FROM snap) AS p_snap_pointers,
    (SELECT safety_flag FROM snap) AS p_snap_safety_flag,
    (SELECT safety_risk_score::text FROM snap) AS p_snap_risk,
    (SELECT value_state::text FROM snap) AS p_snap_value_state,
    (SELECT trait_state::text FROM snap) AS p_snap_trait_state,
    (SELECT meta::text FROM snap) AS p_snap_meta;

-- Every value must be there; a missing one means the template turn did not write what a turn writes.
DO $$
DECLARE
    missing text;
BEGIN
    SELECT string_agg(key, ', ') INTO missing
    FROM public.bench_turn_template t, jsonb_each_text(to_jsonb(t))
    WHERE value IS NULL AND key NOT IN ('p_safety_flag', 'p_snap_safety_flag', 'p_global_state', 'p_snap_global_state');
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'the template turn has no value for %', missing;
    END IF;
END
$$;

-- Sizes, for the record (bytes of text as sent).
SELECT key AS value, octet_length(value) AS bytes
FROM public.bench_turn_template t, jsonb_each_text(to_jsonb(t)) ORDER BY key;
