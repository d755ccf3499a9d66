import Foundation
import Logging
import ServiceLifecycle
import SigmarisStore
import Synchronization

/// This process's side of the leases every instance counts in Postgres (`WorkLeases.swift`): it
/// takes and gives back leases, renews the ones it holds so they outlive it by at most `timeToLive`,
/// sweeps what dead processes left, and gives everything back when it stops.
///
/// A lease given back without waiting (`InFlightLease.release()`: a stream's end, a dropped lease)
/// is deleted by this service's own loop, and only then does its place in the process's count come
/// back, so the process never counts fewer places than the database holds for it.
final class SharedLeases: Service, Sendable {
    /// A lease the process no longer needs, and what to do once its row is gone.
    struct PendingRelease: Sendable {
        let id: Int
        let then: @Sendable () -> Void
    }

    let store: SigmarisStore
    /// This process among the instances (a new one at every start).
    let holder = UUID()
    /// Leases expire this long after their holder last renewed them…
    static let timeToLive = Duration.seconds(30)
    /// …which it does this often (and sweeps expired leases and idle buckets).
    static let renewInterval = Duration.seconds(10)
    private let logger: Logger
    /// The leases this process holds now: the ones it renews.
    private let held = Mutex<Set<Int>>([])
    private let releases: AsyncStream<PendingRelease>
    private let pending: AsyncStream<PendingRelease>.Continuation

    init(store: SigmarisStore, logger: Logger) {
        self.store = store
        self.logger = logger
        let (releases, pending) = AsyncStream.makeStream(of: PendingRelease.self)
        self.releases = releases
        self.pending = pending
    }

    func take(_ kind: WorkLeaseKind, userID: String, maxTotal: Int, maxPerUser: Int) async throws -> WorkLeaseGrant {
        let grant = try await store.takeWorkLease(
            kind, userID: userID, holder: holder, maxTotal: maxTotal, maxPerUser: maxPerUser, timeToLive: Self.timeToLive)
        if case .granted(let id) = grant { held.withLock { _ = $0.insert(id) } }
        return grant
    }

    /// Deletes the lease and returns once it is gone. The delete runs in this service's loop, not in
    /// the caller's task, so a caller that is cancelled (its client left) still gives it back.
    func release(_ id: Int) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            releaseLater(id) { done.resume() }
        }
    }

    /// A failure is logged and left to the expiry: the lease is no longer renewed, so it counts for
    /// at most `timeToLive` more, and no answer depends on it.
    private func delete(_ id: Int) async {
        held.withLock { _ = $0.remove(id) }
        do {
            try await store.releaseWorkLease(id: id)
        } catch {
            logger.warning("a shared lease was not given back; it expires on its own", metadata: ["sigmaris.error": "\(error)"])
        }
    }

    /// Hands the lease to this service's loop (callers that cannot wait: a `defer`, a `deinit`).
    func releaseLater(_ id: Int, then: @escaping @Sendable () -> Void) {
        if case .terminated = pending.yield(PendingRelease(id: id, then: then)) {
            // Stopping: every lease of this holder is deleted at the end of `run`.
            then()
        }
    }

    func run() async throws {
        // The renewals stop at graceful shutdown; the releases go on until every turn and stream has
        // ended (the HTTP server stops before this service), then the stream is finished.
        await withDiscardingTaskGroup { group in
            group.addTask { await self.renewUntilShutdown() }
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { releasing in
                    for await release in releases {
                        releasing.addTask {
                            await self.delete(release.id)
                            release.then()
                        }
                    }
                }
            } onGracefulShutdown: { [pending] in
                pending.finish()
            }
        }
        do {
            try await store.releaseWorkLeases(holder: holder)
        } catch {
            logger.warning("this process's shared leases were not given back; they expire on their own", metadata: ["sigmaris.error": "\(error)"])
        }
    }

    private func renewUntilShutdown() async {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.renewInterval) }
            } catch {
                return
            }
            do {
                try await store.renewWorkLeases(holder: holder, ids: held.withLock { $0 }, timeToLive: Self.timeToLive)
                try await store.sweepSharedLimits()
            } catch {
                logger.warning("shared leases not renewed or swept this time", metadata: ["sigmaris.error": "\(error)"])
            }
        }
    }
}
