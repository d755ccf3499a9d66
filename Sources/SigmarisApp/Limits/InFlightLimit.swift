import HTTPTypes
import SigmarisStore
import Synchronization

/// How many of one kind of work (turns, exports) run at once: at most `maxTotal` in all and at most
/// `maxPerKey` per key (a user), each 0 for no cap. A request past either is refused at once, never
/// queued: past `maxTotal` with 503 `busy` (the service is full, a later retry may do), past
/// `maxPerKey` with 429 and `perKeyReason` (the user's own work is in the way). Both carry
/// `Retry-After`.
///
/// `acquire` and `admit` hand out an `InFlightLease`; the work counts until the lease is released,
/// which its holder does when the work ends (a streamed answer: when its body is written or
/// abandoned). The lease also releases itself when dropped, so an answer whose body never runs (the
/// client went away before it started) cannot keep its place.
///
/// The counts live in this process's memory and bound its sockets, memory and pool waiters. With
/// `shared`, `admit` also takes a lease that every instance on the database counts
/// (`SharedLeases`), so the caps hold across instances; the local count refuses first, without a
/// round trip, since this process's own places are part of the shared count.
final class InFlightLimit: Sendable {
    /// The caps as every instance counts them together.
    struct SharedCap: Sendable {
        let leases: SharedLeases
        let kind: WorkLeaseKind
        /// Leases of one key across instances (0: no cap), and the refusal past it (nil: the limit's
        /// own, as for `maxPerKey`).
        let maxPerKey: Int
        var perKeyRefusal: APIError? = nil
    }

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
    /// nil: this process counts alone.
    let shared: SharedCap?
    private let counts = Mutex(Counts())

    init(
        work: String, maxTotal: Int, maxPerKey: Int = 0, perKeyReason: String = "too_many_in_progress", retryAfterSeconds: Int,
        shared: SharedCap? = nil
    ) {
        self.work = work
        self.maxTotal = maxTotal
        self.maxPerKey = maxPerKey
        self.perKeyReason = perKeyReason
        self.retryAfterSeconds = retryAfterSeconds
        self.shared = shared
    }

    /// Takes a place for `key` in this process, then, with `shared`, a lease across instances; throws
    /// the refusal (429 for the key, 503 `busy` for the process or the instances together), or the
    /// database's error. Nothing is held after a refusal: the local lease is dropped, which gives its
    /// place back.
    func admit(_ key: String) async throws -> InFlightLease {
        let local = try acquire(key)
        guard let shared, maxTotal > 0 || shared.maxPerKey > 0 else { return local }
        let grant = try await shared.leases.take(shared.kind, userID: key, maxTotal: maxTotal, maxPerUser: shared.maxPerKey)
        switch grant {
        case .granted(let id):
            return local.holding(sharedLease: id, of: shared.leases)
        case .userFull:
            throw shared.perKeyRefusal ?? keyFull
        case .full:
            throw busy
        }
    }

    /// Takes a place for `key` in this process only, or throws the refusal (429 for the key, 503
    /// `busy` for the process).
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
        switch outcome {
        case .admitted:
            return InFlightLease(limit: self, key: key)
        case .keyFull:
            throw keyFull
        case .full:
            throw busy
        }
    }

    private var keyFull: APIError {
        APIError(
            .tooManyRequests, "Too many \(work) of this user in progress (at most \(maxPerKey)); retry when it has finished",
            reason: perKeyReason, headers: [.retryAfter: "\(retryAfterSeconds)"])
    }

    private var busy: APIError {
        APIError(
            .serviceUnavailable, "The server has too many \(work) in progress; retry shortly", reason: "busy",
            headers: [.retryAfter: "\(retryAfterSeconds)"])
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

    /// Work in progress in this process now (the `sigmaris_*_in_flight` gauges, and tests).
    var inFlight: Int { counts.withLock { $0.total } }

    /// Work of `key` in progress in this process now.
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
///
/// With a shared lease (`InFlightLimit.admit`), the place in this process comes back only once the
/// shared row is deleted, so this process never counts fewer places than the database holds for it:
/// `releaseAndWait()` returns after that; `release()` hands the lease to `SharedLeases`' loop and
/// returns at once.
final class InFlightLease: Sendable {
    private let limit: InFlightLimit
    private let key: String
    private let shared: (id: Int, leases: SharedLeases)?
    private let released = Atomic<Bool>(false)

    fileprivate init(limit: InFlightLimit, key: String, shared: (id: Int, leases: SharedLeases)? = nil) {
        self.limit = limit
        self.key = key
        self.shared = shared
    }

    /// The same place, now also holding the shared lease `id`; this lease is spent (its `deinit` gives
    /// nothing back).
    fileprivate func holding(sharedLease id: Int, of leases: SharedLeases) -> InFlightLease {
        released.store(true, ordering: .releasing)
        return InFlightLease(limit: limit, key: key, shared: (id, leases))
    }

    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        guard let shared else { return limit.giveBack(key) }
        shared.leases.releaseLater(shared.id) { [limit, key] in limit.giveBack(key) }
    }

    /// Gives the place back, the shared lease first, and returns once both are free: for callers that
    /// can wait (a JSON turn, before its answer), so the client's next request finds the place free on
    /// every instance.
    func releaseAndWait() async {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let shared { await shared.leases.release(shared.id) }
        limit.giveBack(key)
    }

    /// Runs `body` (the work this place is for) and gives the place back with `releaseAndWait`
    /// before returning or throwing.
    func releasing<T>(after body: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await body()
        } catch {
            await releaseAndWait()
            throw error
        }
        await releaseAndWait()
        return result
    }

    deinit { release() }
}
