import HTTPTypes
@testable import SigmarisApp
import Testing

/// The one counter behind the turns-in-flight and export caps: refusals, and a place that comes
/// back exactly once on every path.
@Suite("InFlightLimit")
struct InFlightLimitTests {
    @Test func pastTheTotalItIs503BusyWithRetryAfter() throws {
        let limit = InFlightLimit(work: "turns", maxTotal: 2, retryAfterSeconds: 1)
        let first = try limit.acquire("a"), second = try limit.acquire("b")
        #expect(limit.inFlight == 2)
        let refusal = try #require(throws: APIError.self) { try limit.acquire("c") }
        #expect(refusal.status == .serviceUnavailable)
        #expect(refusal.reason == "busy")
        #expect(refusal.headers[.retryAfter] == "1")
        first.release()
        let third = try limit.acquire("c")
        #expect(limit.inFlight == 2)
        second.release()
        third.release()
        #expect(limit.inFlight == 0)
    }

    @Test func pastTheKeysCapItIs429WithItsReasonEvenWhenTheTotalHasRoom() throws {
        let limit = InFlightLimit(work: "exports", maxTotal: 4, maxPerKey: 1, perKeyReason: "export_in_progress", retryAfterSeconds: 5)
        let mine = try limit.acquire("u")
        let refusal = try #require(throws: APIError.self) { try limit.acquire("u") }
        #expect(refusal.status == .tooManyRequests)
        #expect(refusal.reason == "export_in_progress")
        #expect(refusal.headers[.retryAfter] == "5")
        let other = try limit.acquire("v")
        #expect(limit.inFlight(for: "u") == 1)
        mine.release()
        #expect(limit.inFlight(for: "u") == 0)
        _ = try limit.acquire("u")  // dropped at once: gives its place back
        #expect(limit.inFlight(for: "u") == 0)
        other.release()
    }

    @Test func zeroMeansNoCapButTheWorkIsStillCounted() throws {
        let limit = InFlightLimit(work: "turns", maxTotal: 0, retryAfterSeconds: 1)
        let leases = try (0..<1000).map { try limit.acquire("user-\($0 % 7)") }
        #expect(limit.inFlight == 1000)
        for lease in leases { lease.release() }
        #expect(limit.inFlight == 0)
    }

    @Test func aLeaseReleasedTwiceOrReleasedAndDroppedGivesItsPlaceBackOnce() throws {
        let limit = InFlightLimit(work: "turns", maxTotal: 1, retryAfterSeconds: 1)
        var lease: InFlightLease? = try limit.acquire("a")
        lease?.release()
        lease?.release()
        #expect(limit.inFlight == 0)
        let other = try limit.acquire("b")
        lease = nil  // deinit after an explicit release: nothing more to give back
        #expect(limit.inFlight == 1)
        #expect(throws: APIError.self) { try limit.acquire("c") }
        other.release()
    }

    /// A streamed answer's body that never runs (its response was dropped) or that throws lets go
    /// of the lease it captured, which gives the place back.
    @Test func aBodyThatNeverRunsOrThrowsGivesThePlaceBack() async throws {
        let limit = InFlightLimit(work: "exports", maxTotal: 1, retryAfterSeconds: 5)
        do {
            let lease = try limit.acquire("a")
            let body: @Sendable () async throws -> Void = { defer { lease.release() }; throw CancellationError() }
            #expect(limit.inFlight == 1)
            _ = body  // never called
        }
        #expect(limit.inFlight == 0)
        let lease = try limit.acquire("a")
        let body: @Sendable () async throws -> Void = { defer { lease.release() }; throw CancellationError() }
        await #expect(throws: CancellationError.self) { try await body() }
        #expect(limit.inFlight == 0)
    }

    @Test func keysWithoutWorkAreForgotten() throws {
        let limit = InFlightLimit(work: "turns", maxTotal: 0, maxPerKey: 2, retryAfterSeconds: 1)
        for round in 0..<3 {
            let leases = try (0..<50).map { try limit.acquire("user-\(round)-\($0)") }
            for lease in leases { lease.release() }
        }
        #expect(limit.inFlight == 0)
        #expect(limit.trackedKeys == 0)
    }
}
