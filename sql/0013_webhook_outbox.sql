-- Sigmaris migration 0013: the webhook outbox (issue #24, Standard Webhooks).
-- An event is written here in the same transaction as what caused it (a policy that triggered, an
-- operator action, a turn flagged by safety), so an event exists exactly when its cause committed.
-- A delivery service on every instance sends pending rows to `SIGMARIS_WEBHOOK_URL`, taking them
-- with `FOR UPDATE SKIP LOCKED` so two instances never send the same attempt.
--  * `id` is the `webhook-id` header: the same on every attempt, so a receiver can drop repeats
--    (delivery is at least once).
--  * `payload` is the request body, `{type, timestamp, data}`, built once at enqueue: every attempt
--    sends (and signs) the same bytes.
--  * `status`: 'pending' until a 2xx ('delivered') or the last attempt ('failed', shown on /operator).
--    `next_attempt_at` is when a pending row is next due; `attempts` how many were made.
-- Events are enqueued only while a webhook URL is configured (the caller decides, see
-- `sigmaris_enqueue_webhook`): without a receiver nothing accumulates.
-- The service's own role reads and writes it; API roles have no grant and RLS has no policy for it.
-- Safe to run twice; paste into the Supabase SQL editor as is.

CREATE TABLE IF NOT EXISTS public.sigmaris_webhook_outbox (
    id text PRIMARY KEY DEFAULT ('msg_' || replace(gen_random_uuid()::text, '-', '')),
    event_type text NOT NULL CHECK (event_type IN ('policy.triggered', 'operator.action', 'turn.safety_flagged')),
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- The last attempt's outcome, redacted (a status code or an error kind, never the body sent).
    last_error text,
    finished_at timestamptz
);
-- What the delivery service polls: due rows, oldest first.
CREATE INDEX IF NOT EXISTS sigmaris_webhook_outbox_due_idx
    ON public.sigmaris_webhook_outbox (next_attempt_at) WHERE status = 'pending';
-- What /operator shows and retention prunes: finished rows by age.
CREATE INDEX IF NOT EXISTS sigmaris_webhook_outbox_finished_idx
    ON public.sigmaris_webhook_outbox (status, finished_at DESC) WHERE status <> 'pending';
ALTER TABLE public.sigmaris_webhook_outbox ENABLE ROW LEVEL SECURITY;
-- Supabase's default privileges grant ALL on new tables to the API roles; take them back, as 0009 does.
REVOKE ALL ON TABLE public.sigmaris_webhook_outbox FROM PUBLIC, anon, authenticated;

-- Enqueues one event when `p_enabled` (the service passes whether a webhook URL is configured) and
-- returns its id, or null. The body's `timestamp` is the enqueueing transaction's time in UTC, ISO 8601.
CREATE OR REPLACE FUNCTION public.sigmaris_enqueue_webhook(p_enabled boolean, p_type text, p_data jsonb)
RETURNS text
LANGUAGE sql VOLATILE AS $fn$
    INSERT INTO public.sigmaris_webhook_outbox (event_type, payload)
    SELECT p_type, jsonb_build_object(
        'type', p_type,
        'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'data', p_data)
    WHERE p_enabled
    RETURNING id
$fn$;
-- Functions are executable by PUBLIC unless taken back.
REVOKE ALL ON FUNCTION public.sigmaris_enqueue_webhook(boolean, text, jsonb) FROM PUBLIC, anon, authenticated;
