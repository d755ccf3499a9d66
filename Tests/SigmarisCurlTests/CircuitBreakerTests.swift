import SigmarisCurl
import Testing

/// The breaker is pure: every event carries its own time, so these tests need no clock and no
/// network.
@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    let settings = CircuitBreaker.Settings(failureThreshold: 3, coolDown: .seconds(30))
    let t0 = ContinuousClock.now

    func failed(_ count: Int, _ breaker: inout CircuitBreaker, at now: ContinuousClock.Instant) {
        for _ in 0..<count {
            #expect(breaker.admit(now: now) == .allowed)
            breaker.record(.failure, probe: false, now: now)
        }
    }

    @Test func opensAfterTheThresholdOfFailuresInARow() {
        var breaker = CircuitBreaker(settings: settings)
        failed(2, &breaker, at: t0)
        #expect(breaker.state == .closed(failures: 2))
        failed(1, &breaker, at: t0)
        #expect(breaker.state == .open(until: t0 + .seconds(30)))
        #expect(breaker.phase == "open")
        #expect(breaker.admit(now: t0 + .seconds(10)) == .rejected(retryAfter: .seconds(20)))
    }

    @Test func aSuccessStartsTheCountAgainAndNeutralOutcomesLeaveIt() {
        var breaker = CircuitBreaker(settings: settings)
        failed(2, &breaker, at: t0)
        breaker.record(.neutral, probe: false, now: t0)
        #expect(breaker.state == .closed(failures: 2))
        breaker.record(.success, probe: false, now: t0)
        #expect(breaker.state == .closed(failures: 0))
        failed(2, &breaker, at: t0)
        #expect(breaker.phase == "closed")
    }

    @Test func afterTheCoolDownOneProbeGoesOutAndOthersWait() {
        var breaker = CircuitBreaker(settings: settings)
        failed(3, &breaker, at: t0)
        let later = t0 + .seconds(30)
        #expect(breaker.admit(now: later) == .probe)
        #expect(breaker.phase == "half_open")
        #expect(breaker.admit(now: later) == .rejected(retryAfter: CircuitBreaker.probeRetryAfter))
        #expect(breaker.rejection(now: later) == CircuitBreaker.probeRetryAfter)
    }

    @Test func aSuccessfulProbeClosesAFailedOneOpensAgain() {
        var breaker = CircuitBreaker(settings: settings)
        failed(3, &breaker, at: t0)
        var later = t0 + .seconds(31)
        #expect(breaker.admit(now: later) == .probe)
        breaker.record(.failure, probe: true, now: later)
        #expect(breaker.state == .open(until: later + .seconds(30)))

        later += .seconds(30)
        #expect(breaker.admit(now: later) == .probe)
        breaker.record(.success, probe: true, now: later)
        #expect(breaker.state == .closed(failures: 0))
        #expect(breaker.admit(now: later) == .allowed)
    }

    @Test func aProbeWithoutAVerdictLetsTheNextOneThrough() {
        var breaker = CircuitBreaker(settings: settings)
        failed(3, &breaker, at: t0)
        let later = t0 + .seconds(30)
        #expect(breaker.admit(now: later) == .probe)
        breaker.record(.neutral, probe: true, now: later)  // its caller went away
        #expect(breaker.admit(now: later) == .probe)
    }

    @Test func aProbeNeverReportedDoesNotHoldTheBreakerForEver() {
        var breaker = CircuitBreaker(settings: settings)
        failed(3, &breaker, at: t0)
        let probeStart = t0 + .seconds(30)
        #expect(breaker.admit(now: probeStart) == .probe)
        #expect(breaker.admit(now: probeStart + .seconds(29)) == .rejected(retryAfter: CircuitBreaker.probeRetryAfter))
        #expect(breaker.admit(now: probeStart + .seconds(30)) == .probe)
    }

    @Test func callsAdmittedBeforeItOpenedDoNotDecideAnything() {
        var breaker = CircuitBreaker(settings: settings)
        failed(3, &breaker, at: t0)
        breaker.record(.success, probe: false, now: t0 + .seconds(1))
        #expect(breaker.phase == "open")
        #expect(breaker.admit(now: t0 + .seconds(30)) == .probe)
        breaker.record(.success, probe: false, now: t0 + .seconds(30))
        breaker.record(.failure, probe: false, now: t0 + .seconds(30))
        #expect(breaker.phase == "half_open")
    }

    @Test func aLookChangesNothing() {
        var breaker = CircuitBreaker(settings: settings)
        #expect(breaker.rejection(now: t0) == nil)
        failed(3, &breaker, at: t0)
        #expect(breaker.rejection(now: t0 + .seconds(5)) == .seconds(25))
        #expect(breaker.rejection(now: t0 + .seconds(30)) == nil)
        #expect(breaker.phase == "open", "only admit moves it to half-open")
    }

    @Test func aThresholdOfZeroNeverOpens() {
        var breaker = CircuitBreaker(settings: .init(failureThreshold: 0, coolDown: .seconds(30)))
        failed(1000, &breaker, at: t0)
        #expect(breaker.phase == "closed")
        #expect(CircuitBreaker.Settings() == .init(failureThreshold: 5, coolDown: .seconds(30)))
    }
}
