-- Sigmaris migration 0014: policies (issue #24 §1), rules that act on the state each turn writes.
--  * `sigmaris_policies`: `metric op value` held for `for_turns` consecutive turns of a user triggers
--    `action` (silence | flag | notify). Rows are validated by the service before they are written
--    (the metric names live in Swift, `PolicyMetric`); the checks here keep any row the evaluation
--    could misread out, so evaluating a policy never raises inside a turn's transaction.
--  * `sigmaris_policy_streaks`: per policy and user, how many consecutive turns matched. A turn that
--    does not match deletes the row; it counts up to `for_turns + 1` and triggers on reaching exactly
--    `for_turns`, so a policy triggers once per run of matching turns (docs/policies.md).
--  * `sigmaris_review_flags`: users a `flag` policy marked for review (one row per user, the newest).
--  * `sigmaris_policy_triggers`: what each policy triggered (policy, user, trace, action, when), for
--    /operator; `policy_name` is kept so the record outlives a deleted policy.
--  * No foreign key points at `sigmaris_policies`: a turn that evaluates a policy an operator deletes
--    at the same moment must not fail on one. Deleting a policy deletes its streaks and clears
--    `policy_id` in its flags and triggers (`PolicyStore.deleteSQL`); a streak a racing turn left for
--    it is removed by that user's next turn.
--  * `sigmaris_operator_action`: the one implementation of an operator action (silence, resume,
--    reset), used by `POST /persona/state` and by a `silence` policy alike.
--  * `sigmaris_apply_policies`: the evaluation, one call per turn inside the turn's transaction.
-- The service's own role reads and writes these; API roles have no grant and RLS has no policy.
-- Safe to run twice; paste into the Supabase SQL editor as is.

CREATE TABLE IF NOT EXISTS public.sigmaris_policies (
    id bigserial PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    metric text NOT NULL CHECK (length(metric) BETWEEN 1 AND 100),
    op text NOT NULL CHECK (op IN ('>=', '>', '<=', '<', '==', '!=')),
    value jsonb NOT NULL CHECK (jsonb_typeof(value) IN ('number', 'string')),
    for_turns integer NOT NULL CHECK (for_turns >= 1),
    action text NOT NULL CHECK (action IN ('silence', 'flag', 'notify')),
    reason text NOT NULL DEFAULT '',
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- A label (string) is compared only for equality.
    CHECK (jsonb_typeof(value) = 'number' OR op IN ('==', '!='))
);
-- What every turn asks first: is any policy enabled?
CREATE INDEX IF NOT EXISTS sigmaris_policies_enabled_idx ON public.sigmaris_policies (id) WHERE enabled;

CREATE TABLE IF NOT EXISTS public.sigmaris_policy_streaks (
    policy_id bigint NOT NULL,
    user_id text NOT NULL,
    streak integer NOT NULL CHECK (streak >= 1),
    PRIMARY KEY (user_id, policy_id)
);
CREATE INDEX IF NOT EXISTS sigmaris_policy_streaks_policy_idx ON public.sigmaris_policy_streaks (policy_id);

CREATE TABLE IF NOT EXISTS public.sigmaris_review_flags (
    user_id text PRIMARY KEY,
    policy_id bigint,
    policy_name text NOT NULL,
    reason text NOT NULL,
    trace_id text,
    flagged_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.sigmaris_policy_triggers (
    id bigserial PRIMARY KEY,
    policy_id bigint,
    policy_name text NOT NULL,
    user_id text NOT NULL,
    trace_id text NOT NULL,
    action text NOT NULL CHECK (action IN ('silence', 'flag', 'notify')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sigmaris_policy_triggers_created_idx ON public.sigmaris_policy_triggers (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS sigmaris_policy_triggers_user_idx ON public.sigmaris_policy_triggers (user_id);
CREATE INDEX IF NOT EXISTS sigmaris_review_flags_policy_idx ON public.sigmaris_review_flags (policy_id);
CREATE INDEX IF NOT EXISTS sigmaris_policy_triggers_policy_idx ON public.sigmaris_policy_triggers (policy_id);

ALTER TABLE public.sigmaris_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_policy_streaks ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_review_flags ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sigmaris_policy_triggers ENABLE ROW LEVEL SECURITY;
-- Supabase's default privileges grant ALL on new tables to the API roles; take them back, as 0012/0013 do.
REVOKE ALL ON TABLE public.sigmaris_policies, public.sigmaris_policy_streaks, public.sigmaris_review_flags,
    public.sigmaris_policy_triggers FROM PUBLIC, anon, authenticated;
REVOKE ALL ON SEQUENCE public.sigmaris_policies_id_seq, public.sigmaris_policy_triggers_id_seq
    FROM PUBLIC, anon, authenticated;

-- One operator action (what `POST /persona/state` and a `silence` policy do): the state row changes
-- and its `control_version` moves (a turn in flight conflicts and recomputes under the action), the
-- audit row is written, and for a UUID user a `sigmaris_state_snapshots` row marks the action on the
-- user's time series (the state after it, `meta.operator_action` = `{id, action}`, no scores; it
-- names neither the operator nor the reason, which stay in the audit table). No state row: nothing
-- is written and no row comes back. The audit row's time is the clock's, not the transaction's, so
-- an action taken inside a turn's transaction sorts after that turn's snapshot.
-- `p_initial_value`/`p_initial_trait`: the engine's initial states, used by `reset` only.
CREATE OR REPLACE FUNCTION public.sigmaris_operator_action(
    p_user_id text, p_action text, p_operator text, p_reason text, p_initial_value jsonb, p_initial_trait jsonb,
    p_webhooks boolean)
RETURNS SETOF public.sigmaris_operator_actions
LANGUAGE sql VOLATILE AS $fn$
    WITH target AS (
        UPDATE public.sigmaris_persona_state
        SET silenced = CASE p_action WHEN 'silence' THEN true WHEN 'resume' THEN false ELSE silenced END,
            value_state = CASE WHEN p_action = 'reset' THEN p_initial_value ELSE value_state END,
            trait_state = CASE WHEN p_action = 'reset' THEN p_initial_trait ELSE trait_state END,
            control_version = control_version + 1, updated_at = now()
        WHERE user_id = p_user_id
        RETURNING user_id, value_state, trait_state, global_state
    ), audit AS (
        INSERT INTO public.sigmaris_operator_actions (user_id, operator, action, reason, created_at)
        SELECT user_id, p_operator, p_action, p_reason, clock_timestamp() FROM target
        RETURNING *
    ), snapshot AS (
        INSERT INTO public.sigmaris_state_snapshots (user_id, trace_id, global_state, value_state, trait_state, meta, created_at)
        SELECT t.user_id::uuid, 'operator-action-' || a.id, t.global_state, t.value_state, t.trait_state,
               jsonb_build_object('operator_action', jsonb_build_object('id', a.id, 'action', a.action)),
               a.created_at
        FROM target t CROSS JOIN audit a
        WHERE t.user_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    ), webhook AS (
        -- The `operator.action` event (sql/0013), only while a webhook URL is configured.
        SELECT public.sigmaris_enqueue_webhook(p_webhooks, 'operator.action', jsonb_build_object(
            'user_id', a.user_id, 'action_id', a.id, 'action', a.action, 'reason', a.reason, 'operator', a.operator,
            'created_at', to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) AS id
        FROM audit a
    )
    -- A plain SELECT in a WITH runs only when read: the join reads `webhook` (one row per audit row).
    SELECT audit.* FROM audit LEFT JOIN webhook ON true
$fn$;
REVOKE ALL ON FUNCTION public.sigmaris_operator_action(text, text, text, text, jsonb, jsonb, boolean) FROM PUBLIC, anon, authenticated;

-- Whether a turn's value `p_actual` (a metric of `sigmaris_apply_policies`' `p_metrics`; null when
-- the turn has none) matches `op value`. jsonb compares numbers as numbers; values of different
-- types (or a missing one) never match. Never raises.
CREATE OR REPLACE FUNCTION public.sigmaris_policy_matches(p_op text, p_value jsonb, p_actual jsonb)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT p_actual IS NOT NULL AND jsonb_typeof(p_actual) = jsonb_typeof(p_value) AND CASE p_op
        WHEN '>=' THEN p_actual >= p_value
        WHEN '>' THEN p_actual > p_value
        WHEN '<=' THEN p_actual <= p_value
        WHEN '<' THEN p_actual < p_value
        WHEN '==' THEN p_actual = p_value
        WHEN '!=' THEN p_actual <> p_value
        ELSE false
    END
$fn$;
REVOKE ALL ON FUNCTION public.sigmaris_policy_matches(text, jsonb, jsonb) FROM PUBLIC, anon, authenticated;

-- Runs every enabled policy against one committed turn of `p_user_id`, inside that turn's
-- transaction (after its commit statement, which locked the user's state row). `p_metrics` is the
-- turn's `{metric: number | string}` (`PolicyMetric.values`). Streaks of the policies that match
-- grow, the others' end; each policy whose streak reaches exactly `for_turns` triggers: a trigger
-- row, its action (`silence` as the operator's action, actor `policy:<id>`, unless the user is
-- already silenced; `flag` the user's review flag; `notify` nothing more), and a `policy.triggered`
-- webhook event when `p_webhooks`. Returns how many triggered. With no enabled policy it reads one
-- index and writes nothing.
CREATE OR REPLACE FUNCTION public.sigmaris_apply_policies(p_user_id text, p_trace_id text, p_metrics jsonb, p_webhooks boolean)
RETURNS integer
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    fired_ids bigint[];
    policy public.sigmaris_policies;
    already_silenced boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.sigmaris_policies WHERE enabled) THEN
        RETURN 0;
    END IF;

    -- Streaks that end: the policy did not match, or is disabled or gone.
    DELETE FROM public.sigmaris_policy_streaks s
    WHERE s.user_id = p_user_id AND NOT EXISTS (
        SELECT 1 FROM public.sigmaris_policies p
        WHERE p.id = s.policy_id AND p.enabled AND public.sigmaris_policy_matches(p.op, p.value, p_metrics -> p.metric));

    WITH matching AS (
        SELECT p.id, p.for_turns FROM public.sigmaris_policies p
        WHERE p.enabled AND public.sigmaris_policy_matches(p.op, p.value, p_metrics -> p.metric)
    ), counted AS (
        INSERT INTO public.sigmaris_policy_streaks AS s (policy_id, user_id, streak)
        SELECT id, p_user_id, 1 FROM matching
        ON CONFLICT (user_id, policy_id) DO UPDATE
            SET streak = LEAST(s.streak + 1, (SELECT p.for_turns + 1 FROM public.sigmaris_policies p WHERE p.id = s.policy_id))
        RETURNING policy_id, streak
    )
    SELECT array_agg(m.id ORDER BY m.id) INTO fired_ids
    FROM counted c JOIN matching m ON m.id = c.policy_id
    WHERE c.streak = m.for_turns;

    IF fired_ids IS NULL THEN
        RETURN 0;
    END IF;

    FOR policy IN SELECT * FROM public.sigmaris_policies WHERE id = ANY (fired_ids) ORDER BY id LOOP
        INSERT INTO public.sigmaris_policy_triggers (policy_id, policy_name, user_id, trace_id, action)
        VALUES (policy.id, policy.name, p_user_id, p_trace_id, policy.action);
        IF policy.action = 'silence' THEN
            SELECT silenced INTO already_silenced FROM public.sigmaris_persona_state WHERE user_id = p_user_id;
            IF NOT coalesce(already_silenced, true) THEN
                PERFORM public.sigmaris_operator_action(
                    p_user_id, 'silence', 'policy:' || policy.id,
                    CASE WHEN policy.reason = '' THEN 'policy ' || policy.name ELSE policy.reason END, NULL, NULL, p_webhooks);
            END IF;
        ELSIF policy.action = 'flag' THEN
            INSERT INTO public.sigmaris_review_flags AS f (user_id, policy_id, policy_name, reason, trace_id, flagged_at)
            VALUES (p_user_id, policy.id, policy.name, policy.reason, p_trace_id, now())
            ON CONFLICT (user_id) DO UPDATE
                SET policy_id = EXCLUDED.policy_id, policy_name = EXCLUDED.policy_name, reason = EXCLUDED.reason,
                    trace_id = EXCLUDED.trace_id, flagged_at = EXCLUDED.flagged_at;
        END IF;
        PERFORM public.sigmaris_enqueue_webhook(p_webhooks, 'policy.triggered', jsonb_build_object(
            'policy', jsonb_build_object(
                'id', policy.id, 'name', policy.name, 'metric', policy.metric, 'op', policy.op,
                'value', policy.value, 'forTurns', policy.for_turns, 'action', policy.action, 'reason', policy.reason),
            'user_id', p_user_id, 'trace_id', p_trace_id, 'action', policy.action,
            'observed', p_metrics -> policy.metric));
    END LOOP;
    RETURN cardinality(fired_ids);
END
$fn$;
REVOKE ALL ON FUNCTION public.sigmaris_apply_policies(text, text, jsonb, boolean) FROM PUBLIC, anon, authenticated;
