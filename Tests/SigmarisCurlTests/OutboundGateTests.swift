import Logging
import SigmarisCurl
import SigmarisTestSupport
import Synchronization
import Testing

/// The gate in front of an upstream: places in flight, a bounded FIFO queue with a deadline, and the
/// circuit breaker, first driven directly (attempts are closures), then through the retry loop
/// against a real server.
@Suite("OutboundGate")
struct OutboundGateTests {
    static let request = HTTPRequest(url: "http://127.0.0.1:9/gate")

    /// The refusals a gate reported.
    final class RefusalLog: Sendable {
        private let codes = Mutex<[OutboundHTTPError.Code]>([])
        func append(_ code: OutboundHTTPError.Code) { codes.withLock { $0.append(code) } }
        var all: [OutboundHTTPError.Code] { codes.withLock { $0 } }
    }

    static func gate(
        inFlight: Int = 2, queued: Int = 1, failures: Int = 2, coolDown: Duration = .seconds(30),
        refusals: RefusalLog? = nil
    ) -> OutboundGate {
        let settings = OutboundGate.Settings(
            maxInFlight: inFlight, maxQueued: queued, breaker: CircuitBreaker.Settings(failureThreshold: failures, coolDown: coolDown))
        var onRefusal: (@Sendable (OutboundHTTPError.Code) -> Void)?
        if let refusals {
            onRefusal = { code in refusals.append(code) }
        }
        return OutboundGate(upstream: "test", settings: settings, logger: testLogger(), onRefusal: onRefusal)
    }

    /// Runs `operation`, expecting an ``OutboundHTTPError``.
    static func refusal(_ operation: () async throws -> Void) async -> OutboundHTTPError? {
        do {
            try await operation()
            Issue.record("expected an OutboundHTTPError")
        } catch let error as OutboundHTTPError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
        return nil
    }

    @Test func pastTheCapCallsQueueAndPastTheQueueTheyAreBusyAtOnce() async throws {
        let refusals = RefusalLog()
        let gate = Self.gate(refusals: refusals)
        let first = try await gate.enter(for: Self.request)
        let second = try await gate.enter(for: Self.request)
        #expect(gate.inFlight == 2)
        let third = Task { () async throws -> OutboundGate.Place in try await gate.enter(for: Self.request) }
        #expect(await waitUntil { gate.queued == 1 })

        let busy = await Self.refusal { _ = try await gate.enter(for: Self.request) }
        #expect(busy?.code == .busy)
        #expect(busy?.retryAfterSeconds == 1)
        #expect(refusals.all == [.busy])

        first.leave()
        let handedOver = try await third.value
        #expect(gate.inFlight == 2, "the place went straight to the waiter")
        #expect(gate.queued == 0)
        first.leave()  // leaving twice gives the place back once
        #expect(gate.inFlight == 2)
        second.leave()
        handedOver.leave()
        #expect(gate.inFlight == 0)
    }

    @Test func aWaitThatReachesTheDeadlineIsBusy() async throws {
        let gate = Self.gate(inFlight: 1)
        let held = try await gate.enter(for: Self.request)
        let late = await Self.refusal { _ = try await gate.enter(for: Self.request.within(.milliseconds(50))) }
        #expect(late?.code == .busy)
        #expect(gate.queued == 0)
        held.leave()
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let gate = Self.gate(inFlight: 1)
        let held = try await gate.enter(for: Self.request)
        let waiter = Task { await Self.refusal { _ = try await gate.enter(for: Self.request) } }
        #expect(await waitUntil { gate.queued == 1 })
        waiter.cancel()
        #expect(await waiter.value?.code == .cancelled)
        #expect(gate.queued == 0)
        held.leave()
        #expect(gate.inFlight == 0)
    }

    @Test func aDroppedPlaceIsGivenBack() async throws {
        let gate = Self.gate(inFlight: 1)
        do {
            _ = try await gate.enter(for: Self.request)
        }
        #expect(gate.inFlight == 0)
    }

    @Test func failuresInARowOpenTheBreakerAndCallsFailFastWithoutBeingSent() async throws {
        let refusals = RefusalLog()
        let gate = Self.gate(failures: 2, refusals: refusals)
        let sent = Atomic<Int>(0)
        for failure in [OutboundHTTPError.Code.timedOut, .couldNotConnect] {
            let place = try await gate.enter(for: Self.request)
            let error = await Self.refusal {
                _ = try await place.attempt(status: { (_: Int) in 200 }) { () async throws(OutboundHTTPError) -> Int in
                    sent.add(1, ordering: .relaxed)
                    throw OutboundHTTPError(code: failure)
                }
            }
            #expect(error?.code == failure)
            place.leave()
        }
        #expect(gate.breakerPhase == "open")

        let refused = await Self.refusal { _ = try await gate.enter(for: Self.request) }
        #expect(refused?.code == .unavailable)
        #expect((1...30).contains(refused?.retryAfterSeconds ?? 0))
        #expect(sent.load(ordering: .relaxed) == 2, "the refused call was never sent")
        #expect(refusals.all == [.unavailable])
        #expect(gate.inFlight == 0)
    }

    @Test func whatCountsAsAFailure() async throws {
        let gate = Self.gate(failures: 1)
        // A cancelled caller, an unusable request, a 4xx or a 429 say nothing against the upstream.
        for outcome in [Result<Int, OutboundHTTPError>.failure(.init(code: .cancelled)), .failure(.init(code: .invalidRequest)), .success(404), .success(429)] {
            let place = try await gate.enter(for: Self.request)
            _ = try? await place.attempt(status: { $0 }) { () async throws(OutboundHTTPError) -> Int in try outcome.get() }
            place.leave()
            #expect(gate.breakerPhase == "closed", "\(outcome)")
        }
        let place = try await gate.enter(for: Self.request)
        _ = try await place.attempt(status: { $0 }) { () async throws(OutboundHTTPError) -> Int in 502 }
        place.leave()
        #expect(gate.breakerPhase == "open", "a 5xx is a failure")
    }

    @Test func afterTheCoolDownOneProbeDecides() async throws {
        // A cool-down long enough that the second call below always asks within it (after it,
        // another probe would be let through on purpose: see CircuitBreakerTests).
        let gate = Self.gate(inFlight: 4, failures: 1, coolDown: Duration.seconds(2))
        let failing = try await gate.enter(for: Self.request)
        _ = try? await failing.attempt(status: { $0 }) { () async throws(OutboundHTTPError) -> Int in throw OutboundHTTPError(code: .transport) }
        failing.leave()
        #expect(gate.breakerPhase == "open")
        try await Task.sleep(for: .milliseconds(2100))  // past the cool-down: any longer wait is as good

        let probe = try await gate.enter(for: Self.request)
        let other = try await gate.enter(for: Self.request)
        let release = TestSignal()
        let probing = Task {
            try await probe.attempt(status: { $0 }) { () async throws(OutboundHTTPError) -> Int in
                await release.wait()
                return 200
            }
        }
        #expect(await waitUntil { gate.breakerPhase == "half_open" })
        let held = await Self.refusal { _ = try await other.attempt(status: { $0 }) { () async throws(OutboundHTTPError) -> Int in 200 } }
        #expect(held?.code == .unavailable, "only the probe goes out")
        release.raise()
        #expect(try await probing.value == 200)
        #expect(gate.breakerPhase == "closed")
        #expect(try await other.attempt(status: { $0 }) { () async throws(OutboundHTTPError) -> Int in 200 } == 200)
        probe.leave()
        other.leave()
    }

    /// Through the retry loop, against a server that answers 500: the loop's attempts are what the
    /// breaker counts, and once it is open the next call is refused without reaching the server.
    @Test func theRetryLoopReportsEveryAttempt() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 500) }) { server in
            try await withCurlClient { client in
                let gate = Self.gate(failures: 3)
                let policy = RetryPolicy(maxAttempts: 3, baseBackoff: .milliseconds(5), maxBackoff: .milliseconds(5), jitter: .none)
                let request = HTTPRequest(url: server.baseURL + "/down").within(.seconds(10))
                let place = try await gate.enter(for: request)
                let (response, attempts) = try await client.sendRetrying(
                    request, policy: policy, holding: place, logger: testLogger(), isRetryable: { _ in true }, onRetry: { _, _ in })
                place.leave()
                #expect(response.status == 500)
                #expect(attempts == 3)
                #expect(gate.breakerPhase == "open")

                let refused = await Self.refusal { _ = try await gate.enter(for: request) }
                #expect(refused?.code == .unavailable)
                #expect(server.requests.count == 3)
            }
        }
    }
}
