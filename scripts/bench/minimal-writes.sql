-- Makes public.bench_minimal_template: one row whose columns are the m_* variables of
-- scripts/bench/minimal-writes.pgbench, taken from the frontend rows the service wrote for the
-- template user's last turn (its two messages and its state snapshot), so pgbench writes values of
-- the same size. Only the frontend tables are read: their columns never change.
--   psql -X -v template=UUID -f scripts/bench/minimal-writes.sql
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS public.bench_minimal_template;
CREATE TABLE public.bench_minimal_template AS
WITH snap AS (
    SELECT * FROM public.sigmaris_state_snapshots WHERE user_id = :'template'::uuid ORDER BY id DESC LIMIT 1
)
SELECT
    (SELECT content FROM public.messages WHERE user_id = :'template'::uuid AND role = 'user' ORDER BY id DESC LIMIT 1) AS m_user_text,
    (SELECT content FROM public.messages WHERE user_id = :'template'::uuid AND role = 'ai' ORDER BY id DESC LIMIT 1) AS m_reply,
    coalesce((SELECT global_state FROM snap), '') AS m_global_state,
    coalesce((SELECT overload_score::text FROM snap), '') AS m_overload,
    coalesce((SELECT reflective_score::text FROM snap), '') AS m_reflective,
    coalesce((SELECT memory_pointer_count::text FROM snap), '') AS m_pointers,
    coalesce((SELECT safety_flag FROM snap), '') AS m_safety_flag,
    coalesce((SELECT safety_risk_score::text FROM snap), '') AS m_risk,
    (SELECT value_state::text FROM snap) AS m_value_state,
    (SELECT trait_state::text FROM snap) AS m_trait_state,
    (SELECT meta::text FROM snap) AS m_meta;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.bench_minimal_template WHERE m_user_text IS NULL OR m_reply IS NULL OR m_meta IS NULL) THEN
        RAISE EXCEPTION 'the template user has no messages or state snapshot to copy';
    END IF;
END
$$;
