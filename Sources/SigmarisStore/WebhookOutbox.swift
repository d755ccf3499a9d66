import SigmarisPostgres

/// One claimed attempt of one event (`SigmarisStore.claimDueWebhooks`): what to send and sign.
public struct WebhookAttempt: Sendable, Equatable {
    /// The `webhook-id`: the same on every attempt of the event.
    public var id: String
    /// The request body, byte for byte the same on every attempt.
    public var body: [UInt8]
    /// This attempt's number, from 1; the claim counted it.
    public var attempt: Int
}

/// An outbox row as `/persona/webhooks` lists it.
public struct WebhookDeliveryRecord: Sendable, Encodable, Equatable {
    public var id: String
    public var eventType: String
    public var status: String
    public var attempts: Int
    /// The last attempt's outcome, redacted (`http_500`, `couldNotConnect` …); nil before the first.
    public var lastError: String?
    public var createdAt: String
    public var nextAttemptAt: String
    public var finishedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, status, attempts
        case eventType = "event_type", lastError = "last_error", createdAt = "created_at"
        case nextAttemptAt = "next_attempt_at", finishedAt = "finished_at"
    }
}

/// The outbox's rows waiting for an attempt and those that failed for good.
public struct WebhookOutboxCounts: Sendable, Encodable, Equatable {
    public var pending: Int
    public var failed: Int
}

/// The webhook outbox (`sql/0013_webhook_outbox.sql`), as the service's own role: events are
/// written by their causes' statements (`OperatorControlStore.applySQL`,
/// `PersonaStateStore.commitTurnSQL`, through `sigmaris_enqueue_webhook`); the delivery service
/// claims, then records each attempt here.
enum WebhookOutbox {
    /// Claims due rows in one short statement: `FOR UPDATE SKIP LOCKED` so that two instances never
    /// take the same row, and the claim counts the attempt and moves `next_attempt_at` past the
    /// attempt's lease, so the row is not due again while it is being sent (and is, should this
    /// instance die before recording the outcome). `$1` how many, `$2` the lease in milliseconds.
    static let claimSQL = """
    WITH due AS (
        SELECT id FROM public.sigmaris_webhook_outbox
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at
        LIMIT $1
        FOR UPDATE SKIP LOCKED
    )
    UPDATE public.sigmaris_webhook_outbox o
    SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
    FROM due WHERE o.id = due.id
    RETURNING o.id, o.payload::text AS body, o.attempts
    """

    /// A 2xx: delivered. Whichever attempt answered, the event arrived. `$1` the id.
    static let deliveredSQL = """
    UPDATE public.sigmaris_webhook_outbox
    SET status = 'delivered', finished_at = now(), last_error = NULL
    WHERE id = $1 AND status = 'pending'
    """

    /// A failed attempt: retried after `$4` milliseconds, or, with `$5`, failed for good. Only while
    /// the row is still at this attempt (`$2`): a late outcome of an attempt whose lease ran out and
    /// was claimed again changes nothing. `$1` the id, `$3` the redacted error.
    static let failedAttemptSQL = """
    UPDATE public.sigmaris_webhook_outbox
    SET last_error = $3,
        next_attempt_at = now() + make_interval(secs => $4::double precision / 1000),
        status = CASE WHEN $5::boolean THEN 'failed' ELSE status END,
        finished_at = CASE WHEN $5::boolean THEN now() ELSE finished_at END
    WHERE id = $1 AND attempts = $2 AND status = 'pending'
    """

    /// Rows of one status, newest first; `$1` the status, `$2` the limit.
    static let listSQL = """
    SELECT id, event_type, status, attempts, last_error,
           \(ISOTimestampSQL.of("created_at")) AS created_at,
           \(ISOTimestampSQL.of("next_attempt_at")) AS next_attempt_at,
           \(ISOTimestampSQL.of("finished_at")) AS finished_at
    FROM public.sigmaris_webhook_outbox WHERE status = $1
    ORDER BY created_at DESC, id DESC LIMIT $2
    """

    /// Pending and failed rows, each on its partial index (delivered ones, the many, are not counted).
    static let countsSQL = """
    SELECT (SELECT count(*) FROM public.sigmaris_webhook_outbox WHERE status = 'pending')::int AS pending,
           (SELECT count(*) FROM public.sigmaris_webhook_outbox WHERE status = 'failed')::int AS failed
    """

    static func record(_ row: PostgresRow) throws(PostgresError) -> WebhookDeliveryRecord {
        WebhookDeliveryRecord(
            id: try row.decode(String.self, "id"),
            eventType: try row.decode(String.self, "event_type"),
            status: try row.decode(String.self, "status"),
            attempts: try row.decode(Int.self, "attempts"),
            lastError: try row.decode(String?.self, "last_error"),
            createdAt: try row.decode(String.self, "created_at"),
            nextAttemptAt: try row.decode(String.self, "next_attempt_at"),
            finishedAt: try row.decode(String?.self, "finished_at"))
    }
}

extension SigmarisStore {
    /// Claims up to `limit` due events for one attempt each, which no other instance can claim
    /// until `lease` has passed (`WebhookOutbox.claimSQL`).
    public func claimDueWebhooks(limit: Int, lease: Duration) async throws -> [WebhookAttempt] {
        try await database.query(WebhookOutbox.claimSQL, [.int(limit), .int(lease.wholeMilliseconds)]).map { row in
            WebhookAttempt(
                id: try row.decode(String.self, "id"),
                body: Array(try row.decode(String.self, "body").utf8),
                attempt: try row.decode(Int.self, "attempts"))
        }
    }

    /// The receiver answered 2xx.
    public func recordWebhookDelivered(id: String) async throws {
        try await database.query(WebhookOutbox.deliveredSQL, [.text(id)])
    }

    /// The attempt failed with `error` (redacted, no body): due again after `retryAfter`, or failed
    /// for good when `final`.
    public func recordWebhookFailure(_ attempt: WebhookAttempt, error: String, retryAfter: Duration, final: Bool) async throws {
        try await database.query(WebhookOutbox.failedAttemptSQL, [
            .text(attempt.id), .int(attempt.attempt), .text(error), .int(retryAfter.wholeMilliseconds), .bool(final),
        ])
    }

    /// The newest `limit` rows of `status` (`pending`, `delivered`, `failed`) and the pending and failed counts,
    /// from one snapshot.
    public func webhookDeliveries(status: String, limit: Int) async throws -> (counts: WebhookOutboxCounts, deliveries: [WebhookDeliveryRecord]) {
        try await database.withTransaction { connection in
            try connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let counts = try connection.query(WebhookOutbox.countsSQL)[0]
            return (
                WebhookOutboxCounts(pending: try counts.decode(Int.self, "pending"), failed: try counts.decode(Int.self, "failed")),
                try connection.query(WebhookOutbox.listSQL, [.text(status), .int(limit)]).map(WebhookOutbox.record))
        }
    }
}

extension Duration {
    /// Whole milliseconds, for the outbox statements' intervals.
    fileprivate var wholeMilliseconds: Int { Int((self / .milliseconds(1)).rounded()) }
}
