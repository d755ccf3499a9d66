-- Sigmaris migration 0016: an episode (a memory, as `GET /api/memories` lists it) records the session
-- it was born in, so deleting a session also forgets what the persona remembers of it (issue #23 §4).
--
-- Before: `DELETE /api/sessions` deleted the session's messages and state snapshots, and the turn's
-- episode kept being recalled. An episode knew its session only inside `meta` (jsonb, not indexed).
-- Now:
--  * `sigmaris_episodes.session_id`, written by the turn's commit (the turn's own session id,
--    Sources/SigmarisStore/PersonaStateStore.swift), null where it cannot be known.
--  * An index on (user_id, session_id) for the session deletion, which deletes by both.
--  * Existing rows are filled from what they already hold: the engine writes `session_id` and
--    `trace_id` into every episode's `meta`; where `session_id` is missing, the turn rows of the same
--    trace name the session. An episode with neither (a `meta` of another shape) stays null: it is
--    listed and deletable one by one, and no session deletion removes it.
-- Safe to run twice: the column and index are created only when missing, and the fill touches only
-- rows still null.

ALTER TABLE public.sigmaris_episodes ADD COLUMN IF NOT EXISTS session_id text;

UPDATE public.sigmaris_episodes e
SET session_id = coalesce(
    nullif(e.meta->>'session_id', ''),
    (SELECT t.session_id FROM public.sigmaris_turns t
     WHERE t.user_id = e.user_id AND t.trace_id = e.meta->>'trace_id' AND t.session_id IS NOT NULL
     LIMIT 1))
WHERE e.session_id IS NULL AND jsonb_typeof(e.meta) = 'object'
  AND (e.meta ? 'session_id' OR e.meta ? 'trace_id');

CREATE INDEX IF NOT EXISTS sigmaris_episodes_user_session_idx ON public.sigmaris_episodes (user_id, session_id);
