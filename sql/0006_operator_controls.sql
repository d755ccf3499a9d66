-- Sigmaris migration 0006: operator controls (silence / resume / reset) and the overview.
--  * `sigmaris_persona_state.silenced`: an operator's hold; while true every turn of the user runs
--    with the engine's explicit silence command (SILENT, unless SAFETY_LOCK applies).
--  * `sigmaris_persona_state.control_version`: bumped by every operator action. A turn reads it with
--    the state and commits only if both `turn_count` and `control_version` are unchanged, so a turn
--    in flight during an action recomputes from the state after it (an action never lands half).
--  * `sigmaris_operator_actions`: the audit trail (who, when, what, why); the service's own role
--    writes and reads it, API roles have no grant and RLS has no policy for them.
--  * `sigmaris_turns.global_state`: the turn's global state on its assistant row, so the overview's
--    turns per state per hour read one partial index instead of every turn's meta document. Rows
--    of the last day are filled from their meta once here; older rows stay null (not counted).
-- Safe to run twice; paste into the Supabase SQL editor as is.

ALTER TABLE public.sigmaris_persona_state ADD COLUMN IF NOT EXISTS silenced boolean NOT NULL DEFAULT false;
ALTER TABLE public.sigmaris_persona_state ADD COLUMN IF NOT EXISTS control_version integer NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS public.sigmaris_operator_actions (
    id bigserial PRIMARY KEY,
    user_id text NOT NULL,
    -- 'service' for the service credential, otherwise the operator's user id.
    operator text NOT NULL,
    action text NOT NULL CHECK (action IN ('silence', 'resume', 'reset')),
    reason text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sigmaris_operator_actions_user_created_idx
    ON public.sigmaris_operator_actions (user_id, created_at DESC, id DESC);
ALTER TABLE public.sigmaris_operator_actions ENABLE ROW LEVEL SECURITY;
-- Supabase's default privileges grant ALL on new tables to the API roles; as 0004 does for the
-- others, take them back (no route reads or writes this table as anon or authenticated).
REVOKE ALL ON TABLE public.sigmaris_operator_actions FROM anon, authenticated;
REVOKE ALL ON SEQUENCE public.sigmaris_operator_actions_id_seq FROM anon, authenticated;

-- The overview: users per global state, and the users locked or under a hold.
CREATE INDEX IF NOT EXISTS sigmaris_persona_state_global_state_idx
    ON public.sigmaris_persona_state (global_state, silenced);
CREATE INDEX IF NOT EXISTS sigmaris_persona_state_attention_idx
    ON public.sigmaris_persona_state (user_id) WHERE silenced OR global_state = 'SAFETY_LOCK';

ALTER TABLE public.sigmaris_turns ADD COLUMN IF NOT EXISTS global_state text;
UPDATE public.sigmaris_turns SET global_state = meta->'global_state'->>'state'
WHERE role = 'assistant' AND global_state IS NULL AND created_at >= now() - interval '24 hours';
CREATE INDEX IF NOT EXISTS sigmaris_turns_assistant_created_state_idx
    ON public.sigmaris_turns (created_at, global_state) WHERE role = 'assistant';
