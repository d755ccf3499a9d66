import Logging
import SigmarisConcurrency
import Synchronization

/// What stands between the callers and one upstream (the LLM provider, a remote core), so a slow or
/// dead upstream costs its callers a bounded wait and this process a bounded number of calls:
///
/// - at most `maxInFlight` calls hold a place at once; a call holds it from `enter` until its
///   response (or stream) is read and `Place.leave()` runs;
/// - at most `maxQueued` more wait for a place, first come first served, each until its deadline;
///   a call past that is refused at once, and a wait that outlasts the deadline ends refused too
///   (`busy`): the call never left, so the caller can say "busy, retry" rather than "failed";
/// - a circuit breaker (`CircuitBreaker`): failures in a row (refused or reset connections, timeouts,
///   5xx) open it, and then calls fail fast (`unavailable`) for the cool-down instead of each
///   waiting for its own time-out; then one probe goes out.
///
/// Every attempt of a call goes through `Place.attempt`, which asks the breaker and tells it the
/// outcome; `RetryPolicy.retrying` does that for its callers.
public final class OutboundGate: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Calls holding a place at once (at least 1).
        public var maxInFlight: Int
        /// Calls waiting for a place; 0 refuses every call past `maxInFlight` at once.
        public var maxQueued: Int
        public var breaker: CircuitBreaker.Settings

        public init(maxInFlight: Int = 64, maxQueued: Int = 64, breaker: CircuitBreaker.Settings = .init()) {
            self.maxInFlight = max(1, maxInFlight)
            self.maxQueued = max(0, maxQueued)
            self.breaker = breaker
        }
    }

    /// The `Retry-After` of a `busy` refusal: places free up as calls end, so soon is fine.
    public static let busyRetryAfter = Duration.seconds(1)

    /// Names the upstream in logs and metrics (`provider`, `core`): a fixed word, never a URL.
    public let upstream: String
    public let settings: Settings
    /// State: the calls holding a place.
    private let places: WaiterQueue<Int, Void, Void>
    private let breaker: Mutex<CircuitBreaker>
    private let logger: Logger
    private let onRefusal: (@Sendable (OutboundHTTPError.Code) -> Void)?

    /// - Parameter onRefusal: told of every refused call (`busy` or `unavailable`), for a counter.
    public init(
        upstream: String, settings: Settings, logger: Logger,
        onRefusal: (@Sendable (OutboundHTTPError.Code) -> Void)? = nil
    ) {
        self.upstream = upstream
        self.settings = settings
        self.places = WaiterQueue(0)
        self.breaker = Mutex(CircuitBreaker(settings: settings.breaker))
        self.logger = logger
        self.onRefusal = onRefusal
    }

    /// Takes a place for one call of `request`, waiting for one (in order of arrival) until the
    /// request's deadline at most.
    ///
    /// - Throws: `unavailable` at once while the breaker is open, `busy` when the queue is full or
    ///   the wait reaches the deadline, `cancelled` when the task is cancelled while it waits.
    public func enter(for request: HTTPRequest) async throws(OutboundHTTPError) -> Place {
        let (deadline, redactedURL) = (request.deadline, ParsedURL(request.url)?.redacted)
        // No point queueing for an upstream known to be down. (Only a look: the first attempt asks
        // the breaker for real, and may be its probe.)
        if let retryAfter = breaker.withLock({ $0.rejection(now: .now) }) {
            throw refusal(.unavailable, retryAfter: retryAfter, redactedURL: redactedURL)
        }
        let (maxInFlight, maxQueued) = (settings.maxInFlight, settings.maxQueued)
        let outcome = await places.enter(until: deadline) { inFlight, waiting -> WaitDecision<Void, Void, Void> in
            if inFlight < maxInFlight {
                inFlight += 1
                return .proceed
            }
            return waiting.count < maxQueued ? .wait(()) : .refuse(())
        }
        switch outcome {
        case .entered:
            return Place(gate: self, redactedURL: redactedURL)
        case .refused, .timedOut:
            throw refusal(.busy, retryAfter: Self.busyRetryAfter, redactedURL: redactedURL)
        case .cancelled:
            throw OutboundHTTPError(code: .cancelled, redactedURL: redactedURL)
        }
    }

    /// Calls holding a place now.
    public var inFlight: Int { places.withState { inFlight, _ in inFlight } }
    /// Calls waiting for a place now.
    public var queued: Int { places.waitingCount }
    /// The breaker's phase now: `closed`, `open` or `half_open`.
    public var breakerPhase: String { breaker.withLock { $0.phase } }

    // MARK: - For a place

    fileprivate func leave() {
        // The place goes straight to the oldest waiter, if any; otherwise it is free again.
        places.wakeFirst(where: { _ in true }, otherwise: { $0 -= 1 })
    }

    /// Asks the breaker whether an attempt may go out now; true when it is the probe.
    fileprivate func admitAttempt(redactedURL: String?) throws(OutboundHTTPError) -> Bool {
        switch breaker.withLock({ $0.admit(now: .now) }) {
        case .allowed:
            return false
        case .probe:
            logger.info("outbound circuit half-open: probing", metadata: ["outbound.upstream": "\(upstream)"])
            return true
        case .rejected(let retryAfter):
            throw refusal(.unavailable, retryAfter: retryAfter, redactedURL: redactedURL)
        }
    }

    fileprivate func record(_ outcome: CircuitBreaker.Outcome, probe: Bool) {
        let (before, after) = breaker.withLock { breaker in
            let before = breaker.phase
            breaker.record(outcome, probe: probe, now: .now)
            return (before, breaker.phase)
        }
        guard before != after else { return }
        if after == "open" {
            logger.warning("outbound circuit open: calls fail fast for the cool-down", metadata: [
                "outbound.upstream": "\(upstream)",
                "outbound.failures_in_a_row": "\(settings.breaker.failureThreshold)",
                "outbound.cool_down_s": "\(settings.breaker.coolDown.components.seconds)",
            ])
        } else if after == "closed" {
            logger.info("outbound circuit closed: the probe succeeded", metadata: ["outbound.upstream": "\(upstream)"])
        }
    }

    private func refusal(_ code: OutboundHTTPError.Code, retryAfter: Duration, redactedURL: String?) -> OutboundHTTPError {
        onRefusal?(code)
        return OutboundHTTPError(code: code, redactedURL: redactedURL, retryAfter: retryAfter)
    }

    /// What an attempt's response says about the upstream: a 5xx is a failure to serve it.
    static func outcome(status: Int) -> CircuitBreaker.Outcome {
        (500...599).contains(status) ? .failure : .success
    }

    /// What an attempt's error says about the upstream: unreachable, too slow or broken off is a
    /// failure; a caller that went away, a request that was never sendable, or a refusal of ours
    /// says nothing about it.
    static func outcome(error: OutboundHTTPError) -> CircuitBreaker.Outcome {
        switch error.code {
        case .couldNotConnect, .timedOut, .tls, .transport: .failure
        case .cancelled, .invalidURL, .invalidRequest, .responseTooLarge, .shutdown, .busy, .unavailable: .neutral
        }
    }
}

extension OutboundGate {
    /// One call's place at an `OutboundGate`, held until `leave()` or until it is dropped, whichever
    /// comes first (leaving twice gives the place back once), so no path can keep it.
    public final class Place: Sendable {
        private let gate: OutboundGate
        private let redactedURL: String?
        private let left = Atomic<Bool>(false)

        fileprivate init(gate: OutboundGate, redactedURL: String?) {
            self.gate = gate
            self.redactedURL = redactedURL
        }

        /// Runs one attempt of the call if the breaker lets it out, and tells the breaker what it
        /// found (`status` reads an outcome's HTTP status).
        ///
        /// - Throws: `unavailable` without running `send` while the breaker is open (or another
        ///   call is its probe); otherwise whatever `send` throws.
        public func attempt<Outcome>(
            status: (Outcome) -> Int,
            _ send: () async throws(OutboundHTTPError) -> Outcome
        ) async throws(OutboundHTTPError) -> Outcome {
            let probe = try gate.admitAttempt(redactedURL: redactedURL)
            do {
                let outcome = try await send()
                gate.record(OutboundGate.outcome(status: status(outcome)), probe: probe)
                return outcome
            } catch {
                gate.record(OutboundGate.outcome(error: error), probe: probe)
                throw error
            }
        }

        public func leave() {
            guard !left.exchange(true, ordering: .acquiringAndReleasing) else { return }
            gate.leave()
        }

        deinit { leave() }
    }
}
