import Foundation
import Logging
import ServiceLifecycle
import SigmarisAuth
import SigmarisCurl
import SigmarisStore

/// Delivers the webhook outbox (`sql/0013_webhook_outbox.sql`) to `SIGMARIS_WEBHOOK_URL`, on every
/// instance at once.
///
/// Each round claims due events in one short statement (`FOR UPDATE SKIP LOCKED`: an event is
/// claimed by one instance, and the claim counts the attempt), sends them with no transaction open,
/// through the service's one libcurl client, then records each outcome: a 2xx is `delivered`;
/// anything else is retried after an exponential backoff with jitter, until the last attempt marks
/// it `failed`. Every attempt of an event carries its `webhook-id` and the same body, signed anew
/// with the attempt's `webhook-timestamp` (Standard Webhooks). Delivery is at least once: an answer
/// lost on the way, or an instance that dies between sending and recording, means one more attempt.
/// All state is in the table, so a restarted service carries on where the last one stopped.
///
/// Runs until graceful shutdown, which cancels the round in flight: an attempt cut short records
/// nothing and its event is due again once its claim's lease ends.
struct WebhookDeliveryService: Service {
    let store: SigmarisStore
    let client: CurlHTTPClient
    /// Never logged whole: the redacted form is in the client's own log line.
    let url: String
    let signer: WebhookSigner
    let settings: WebhookDeliverySettings
    /// Nothing is claimed before the outbox's migration is applied.
    let migrations: MigrationsApplied
    let metrics: SigmarisMetrics
    let logger: Logger

    func run() async throws {
        // Cancellation interrupts the wait between rounds and the sends in flight.
        await cancelWhenGracefulShutdown { [self] in
            await deliverUntilCancelled()
        }
    }

    private func deliverUntilCancelled() async {
        var storeFailing = false
        while !Task.isCancelled {
            var claimed = 0
            if !migrations.isSet {
                do { try await Task.sleep(for: settings.pollInterval) } catch { return }
                continue
            }
            do {
                claimed = try await deliverDueRound()
                if storeFailing { logger.info("webhook outbox reachable again") }
                storeFailing = false
            } catch {
                if Task.isCancelled { return }
                // Once per outage, not once per poll.
                if !storeFailing { logger.warning("webhook outbox unavailable", metadata: ["sigmaris.error": "\(error)"]) }
                storeFailing = true
            }
            // A full batch: more may be due at once.
            if claimed < settings.batchSize {
                do { try await Task.sleep(for: settings.pollInterval) } catch { return }
            }
        }
    }

    /// One round: claims the due events and sends them side by side; answers how many it claimed.
    func deliverDueRound() async throws -> Int {
        let attempts = try await store.claimDueWebhooks(limit: settings.batchSize, lease: settings.claimLease)
        await withTaskGroup(of: Void.self) { group in
            for attempt in attempts {
                group.addTask { await deliver(attempt) }
            }
        }
        return attempts.count
    }

    private func deliver(_ attempt: WebhookAttempt) async {
        let timestamp = Int(Date().timeIntervalSince1970)
        let request = HTTPRequest(
            method: .post, url: url,
            headers: [("Content-Type", "application/json")] + signer.headers(id: attempt.id, timestamp: timestamp, body: attempt.body),
            body: attempt.body, timeout: settings.attemptTimeout)
        let failure: String?
        do {
            let response = try await client.send(request, logger: logger)
            failure = (200..<300).contains(response.status) ? nil : "http_\(response.status)"
        } catch {
            // Stopping: the claim's lease brings the event back.
            if error.code == .cancelled || error.code == .shutdown { return }
            failure = error.code.rawValue
        }
        let metadata: Logger.Metadata = ["sigmaris.webhook_id": "\(attempt.id)", "sigmaris.webhook_attempt": "\(attempt.attempt)"]
        do {
            guard let failure else {
                try await store.recordWebhookDelivered(id: attempt.id)
                metrics.recordWebhookDelivery(outcome: .delivered)
                return
            }
            let final = attempt.attempt >= settings.retry.maxAttempts
            try await store.recordWebhookFailure(
                attempt, error: failure, retryAfter: settings.retry.backoff(afterAttempt: attempt.attempt), final: final)
            metrics.recordWebhookDelivery(outcome: final ? .failed : .retried)
            if final {
                logger.error("webhook delivery failed for good", metadata: metadata.merging(["sigmaris.error": "\(failure)"]) { $1 })
            } else {
                logger.notice("webhook attempt failed; retrying", metadata: metadata.merging(["sigmaris.error": "\(failure)"]) { $1 })
            }
        } catch {
            // The outcome is lost: the event is due again after its lease (at least once).
            logger.warning("webhook outcome not recorded", metadata: metadata.merging(["sigmaris.error": "\(error)"]) { $1 })
        }
    }
}
