-- Sigmaris migration 0008: the session-title lookup of every turn reads one index entry, however
-- long the session.
-- A turn copies the session's title from its newest message (`ORDER BY created_at DESC, id DESC
-- LIMIT 1 FOR SHARE`, which a rename's `FOR UPDATE` must meet on the same row). The index of 0002
-- ends at created_at, so Postgres sorted every message of the session to find that row: 262 ms
-- cold for a 500-turn session in `make bench-scale`. With `id` as the index's last column the
-- backward scan yields the rows already in that order. Every other reader of the index uses a
-- prefix of it and keeps working, under the same name.
-- Safe to run twice: the index is rebuilt only while it still has the three columns of 0002.

DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = 'messages_user_session_created_idx' AND i.indnkeyatts = 3
    ) THEN
        DROP INDEX public.messages_user_session_created_idx;
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS messages_user_session_created_idx
    ON public.messages (user_id, session_id, created_at, id);
