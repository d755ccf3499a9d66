import SigmarisCurl
import Testing
@testable import SigmarisApp

/// The retry schedule of the webhook delivery service, without waiting for it.
@Suite("Webhook backoff")
struct WebhookDeliverySettingsTests {
    @Test func doublesPerAttemptUpToTheCap() {
        var retry = WebhookDeliverySettings().retry
        retry.jitter = .none
        let full = (1...10).map { retry.backoff(afterAttempt: $0) }
        #expect(full.prefix(4) == [.seconds(10), .seconds(20), .seconds(40), .seconds(80)])
        #expect(full.last == .seconds(3600), "capped at an hour")
        #expect(retry.backoff(afterAttempt: 1_000) == .seconds(3600), "no overflow however many attempts")
    }

    @Test func jitterCutsEachWaitToHalfAtMost() {
        let retry = WebhookDeliverySettings().retry
        // The full wait after the second failure is 20 s: each draw is between half of it and all of it.
        let draws = (0..<200).map { _ in retry.backoff(afterAttempt: 2) }
        #expect(draws.allSatisfy { $0 >= .seconds(10) }, "never below half")
        #expect(draws.allSatisfy { $0 <= .seconds(20) }, "never above the full wait")
    }

    @Test func aClaimOutlastsItsAttempt() {
        let settings = WebhookDeliverySettings()
        #expect(settings.claimLease > settings.attemptTimeout)
        #expect(settings.retry.maxAttempts == 10)
    }
}
