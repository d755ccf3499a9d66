import HTTPTypes
import Synchronization

/// How many of one kind of work (turns, exports) run at once in this process: at most `maxTotal` in
/// all and at most `maxPerKey` per key (a user), each 0 for no cap. A request past either is refused
/// at once, never queued: past `maxTotal` with 503 `busy` (the process is full, another instance or a
/// later retry may do), past `maxPerKey` with 429 and `perKeyReason` (the user's own work is in the
/// way). Both carry `Retry-After`.
///
/// `acquire` hands out an `InFlightLease`; the work counts until the lease is released, which its
/// holder does when the work ends (a streamed answer: when its body is written or abandoned). The
/// lease also releases itself when dropped, so an answer whose body never runs (the client went
/// away before it started) cannot keep its place.
///
/// The counts live in this process's memory, like `TurnRateLimiter`'s buckets: with several
/// instances each counts on its own. They bound this process's sockets, memory and pool waiters,
/// which is what they are for.
final class InFlightLimit: Sendable {
    private struct Counts {
        var total = 0
        var byKey: [String: Int] = [:]
    }

    /// What is counted ("turns", "exports"), for the refusal's message.
    let work: String
    /// 0: no cap (the work is still counted, for the metrics).
    let maxTotal: Int
    /// 0: no cap per key.
    let maxPerKey: Int
    let perKeyReason: String
    let retryAfterSeconds: Int
    private let counts = Mutex(Counts())

    init(work: String, maxTotal: Int, maxPerKey: Int = 0, perKeyReason: String = "too_many_in_progress", retryAfterSeconds: Int) {
        self.work = work
        self.maxTotal = maxTotal
        self.maxPerKey = maxPerKey
        self.perKeyReason = perKeyReason
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Takes a place for `key`, or throws the refusal (429 for the key, 503 `busy` for the process).
    func acquire(_ key: String) throws(APIError) -> InFlightLease {
        enum Outcome { case admitted, keyFull, full }
        let outcome = counts.withLock { counts -> Outcome in
            let forKey = counts.byKey[key, default: 0]
            if maxPerKey > 0, forKey >= maxPerKey { return .keyFull }
            if maxTotal > 0, counts.total >= maxTotal { return .full }
            counts.total += 1
            counts.byKey[key] = forKey + 1
            return .admitted
        }
        let retryAfter: HTTPFields = [.retryAfter: "\(retryAfterSeconds)"]
        switch outcome {
        case .admitted:
            return InFlightLease(limit: self, key: key)
        case .keyFull:
            throw APIError(
                .tooManyRequests, "Too many \(work) of this user in progress (at most \(maxPerKey)); retry when it has finished",
                reason: perKeyReason, headers: retryAfter)
        case .full:
            throw APIError(
                .serviceUnavailable, "The server has too many \(work) in progress; retry shortly", reason: "busy", headers: retryAfter)
        }
    }

    /// Gives back a place taken by `acquire`; only `InFlightLease` calls it, once.
    fileprivate func giveBack(_ key: String) {
        counts.withLock { counts in
            counts.total -= 1
            let left = counts.byKey[key, default: 1] - 1
            // Keys without work are forgotten, so memory is bounded by the work in progress.
            counts.byKey[key] = left > 0 ? left : nil
        }
    }

    /// Work in progress now (the `sigmaris_*_in_flight` gauges, and tests).
    var inFlight: Int { counts.withLock { $0.total } }

    /// Work of `key` in progress now.
    func inFlight(for key: String) -> Int { counts.withLock { $0.byKey[key, default: 0] } }

    /// Keys with work in progress (for tests: memory is bounded by the work, not by every key seen).
    var trackedKeys: Int { counts.withLock { $0.byKey.count } }
}

/// One place in an `InFlightLimit`, held until `release()` or until the lease is dropped, whichever
/// comes first; releasing twice gives the place back once.
///
/// Release on drop is what makes "every path" hold: a streamed body that throws, is cancelled, or
/// never runs at all (the response was dropped before it) lets go of the closure that captured the
/// lease, and ARC runs `deinit` right then (Swift deinitializes deterministically, not on a collector's schedule).
final class InFlightLease: Sendable {
    private let limit: InFlightLimit
    private let key: String
    private let released = Atomic<Bool>(false)

    fileprivate init(limit: InFlightLimit, key: String) {
        self.limit = limit
        self.key = key
    }

    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        limit.giveBack(key)
    }

    deinit { release() }
}
