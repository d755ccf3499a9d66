-- Sigmaris migration 0005: what the session API and a user's own erase need.
--  * Users may rename (UPDATE session_title only) and delete their own `messages`, and delete their
--    own `sigmaris_state_snapshots`, under the same `auth.uid() = user_id` policies as reading.
--    A turn's insert reads the session's title `FOR SHARE`, which also needs the UPDATE grant.
--  * `sigmaris_turns (user_id, trace_id)`: the trace events of a user's traces are found through it
--    (export and erase) without reading every turn of the user per page.
-- The session list needs no new index: `messages_user_session_created_idx` (0002) serves both the
-- per-session aggregate and the newest message of each session.
-- Safe to run twice; paste into the Supabase SQL editor as is.

GRANT UPDATE (session_title) ON public.messages TO authenticated;
GRANT DELETE ON public.messages TO authenticated;
GRANT DELETE ON public.sigmaris_state_snapshots TO authenticated;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'messages'
                   AND policyname = 'messages_update_own') THEN
        CREATE POLICY messages_update_own ON public.messages
            FOR UPDATE TO authenticated USING (auth.uid() = user_id) WITH CHECK (auth.uid() = user_id);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'messages'
                   AND policyname = 'messages_delete_own') THEN
        CREATE POLICY messages_delete_own ON public.messages
            FOR DELETE TO authenticated USING (auth.uid() = user_id);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'sigmaris_state_snapshots'
                   AND policyname = 'snapshots_delete_own') THEN
        CREATE POLICY snapshots_delete_own ON public.sigmaris_state_snapshots
            FOR DELETE TO authenticated USING (auth.uid() = user_id);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS sigmaris_turns_user_trace_idx ON public.sigmaris_turns (user_id, trace_id);
