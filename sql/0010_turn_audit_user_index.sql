-- Sigmaris migration 0010: a user's audit rows are found by their own user_id.
-- Export and erase (`DELETE /api/account`) used to find `sigmaris_turn_audit` rows only through the
-- trace ids of the user's `sigmaris_turns` rows, so an audit row whose turn rows were gone (deleted
-- by hand, or by a retention run that stopped between tables) was neither exported nor erased. They
-- now also look rows up by `user_id`, which this index serves (and orders by trace id, as the
-- export pages); the primary key still serves lookups by trace id.
-- Safe to run twice.

CREATE INDEX IF NOT EXISTS sigmaris_turn_audit_user_trace_idx ON public.sigmaris_turn_audit (user_id, trace_id);
