import Testing
@testable import SigmarisApp

/// The retry schedule of the webhook delivery service, without waiting for it.
@Suite("Webhook backoff")
struct WebhookDeliverySettingsTests {
    @Test func doublesPerAttemptUpToTheCap() {
        let settings = WebhookDeliverySettings()
        let full = (1...10).map { settings.backoff(afterAttempt: $0, jitter: 1) }
        #expect(full.prefix(4) == [.seconds(10), .seconds(20), .seconds(40), .seconds(80)])
        #expect(full.last == .seconds(3600), "capped at an hour")
        #expect(settings.backoff(afterAttempt: 1_000, jitter: 1) == .seconds(3600), "no overflow however many attempts")
    }

    @Test func jitterCutsEachWaitToHalfAtMost() {
        let settings = WebhookDeliverySettings()
        #expect(settings.backoff(afterAttempt: 2, jitter: 0.5) == .seconds(10))
        #expect(settings.backoff(afterAttempt: 2, jitter: 0) == .seconds(10), "never below half")
        #expect(settings.backoff(afterAttempt: 2, jitter: 7) == .seconds(20), "never above the full wait")
    }

    @Test func aClaimOutlastsItsAttempt() {
        let settings = WebhookDeliverySettings()
        #expect(settings.claimLease > settings.attemptTimeout)
        #expect(settings.maxAttempts == 10)
    }
}
