/// Whether an upstream is worth calling: after `failureThreshold` failures in a row it is taken
/// for down, and calls fail fast for `coolDown`; then one call (the probe) is let through, and its
/// outcome closes the breaker again or opens it for another cool-down.
///
/// Pure: no clock, no I/O, no lock. The time of every event is passed in, so every transition is
/// unit-testable; `OutboundGate` keeps one under its lock and decides what counts as a failure.
public struct CircuitBreaker: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// Failures in a row that open the breaker; 0 turns it off (it never opens).
        public var failureThreshold: Int
        /// How long calls fail fast once it opened, before a probe is let through. Also the longest
        /// a probe is waited for before another is let through (a probe whose outcome is never
        /// reported cannot keep the breaker half-open for ever).
        public var coolDown: Duration

        public init(failureThreshold: Int = 5, coolDown: Duration = .seconds(30)) {
            self.failureThreshold = failureThreshold
            self.coolDown = coolDown
        }
    }

    public enum State: Sendable, Equatable {
        /// Calls go through; `failures` in a row so far.
        case closed(failures: Int)
        /// Calls fail fast until `until`.
        case open(until: ContinuousClock.Instant)
        /// The cool-down is over: one probe goes through (`probeSince` is when it started; nil
        /// while none is out).
        case halfOpen(probeSince: ContinuousClock.Instant?)
    }

    /// The answer to a call that asks to go through.
    public enum Admission: Sendable, Equatable {
        case allowed
        /// Allowed as the probe: report its outcome with `probe: true`.
        case probe
        /// Fail fast; the upstream may be worth asking again after `retryAfter`.
        case rejected(retryAfter: Duration)
    }

    /// What a call that went through found.
    public enum Outcome: Sendable, Equatable {
        case success
        /// Refused, timed out, reset, or a 5xx: the upstream did not serve the call.
        case failure
        /// Says nothing about the upstream (the caller cancelled, the request was unusable).
        case neutral
    }

    /// While a probe is out, other calls are told to come back this soon: the probe may settle it
    /// any moment, and a refusal costs nothing.
    public static let probeRetryAfter = Duration.seconds(1)

    public let settings: Settings
    public private(set) var state: State = .closed(failures: 0)

    public init(settings: Settings) {
        self.settings = settings
    }

    /// Decides whether a call may go through at `now`.
    public mutating func admit(now: ContinuousClock.Instant) -> Admission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until):
            guard now >= until else { return .rejected(retryAfter: until - now) }
            state = .halfOpen(probeSince: now)
            return .probe
        case .halfOpen(let probeSince):
            if let probeSince, now < probeSince + settings.coolDown {
                return .rejected(retryAfter: Self.probeRetryAfter)
            }
            state = .halfOpen(probeSince: now)
            return .probe
        }
    }

    /// What `admit` would answer at `now` if it rejects, without changing anything: lets a caller
    /// fail fast before it queues for the upstream, leaving the probe to a call that goes out.
    public func rejection(now: ContinuousClock.Instant) -> Duration? {
        switch state {
        case .closed:
            return nil
        case .open(let until):
            return now < until ? until - now : nil
        case .halfOpen(let probeSince):
            guard let probeSince, now < probeSince + settings.coolDown else { return nil }
            return Self.probeRetryAfter
        }
    }

    /// Records what an admitted call found. Outcomes of ordinary calls that were admitted before the
    /// breaker opened are ignored once it is open: only the probe decides then.
    public mutating func record(_ outcome: Outcome, probe: Bool, now: ContinuousClock.Instant) {
        switch (state, outcome) {
        case (_, .neutral):
            // A probe that ended without a verdict (its caller went away) lets the next one through.
            if probe, case .halfOpen = state { state = .halfOpen(probeSince: nil) }
        case (.closed, .success):
            state = .closed(failures: 0)
        case (.closed(let failures), .failure):
            let failures = failures + 1
            state = settings.failureThreshold > 0 && failures >= settings.failureThreshold
                ? .open(until: now + settings.coolDown) : .closed(failures: failures)
        case (.halfOpen, .success) where probe:
            state = .closed(failures: 0)
        case (.halfOpen, .failure) where probe:
            state = .open(until: now + settings.coolDown)
        case (.open, _), (.halfOpen, _):
            break
        }
    }

    /// `closed`, `open` or `half_open` (for a gauge's label).
    public var phase: String {
        switch state {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half_open"
        }
    }

    public static let phases = ["closed", "open", "half_open"]
}
