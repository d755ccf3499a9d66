import Logging
import ServiceLifecycle
import SigmarisAuth

/// Loads the JWKS at start and keeps it fresh, so requests rarely wait on the issuer.
///
/// A failed load is logged and retried, never fatal: HS256 tokens keep working, and tokens signed
/// with the issuer's keys verify as soon as a fetch succeeds (the cache also fetches on demand).
/// Runs until graceful shutdown; returning earlier would make the service group stop the server.
public struct JWKSRefresher: Service {
    public let cache: JWKSCache
    private let interval: Duration?
    private let retryInterval: Duration?
    private let logger: Logger

    /// - Parameters:
    ///   - interval: between refresh checks while keys are held; default half the cache's TTL. The
    ///     cache only refetches keys that are stale, so this refetches at most half a TTL after they
    ///     go stale, which spares a quiet server's next request the wait.
    ///   - retryInterval: between attempts while no key is held; default just over the cache's
    ///     minimum refetch interval (the cache would ignore an earlier attempt).
    public init(cache: JWKSCache, interval: Duration? = nil, retryInterval: Duration? = nil, logger: Logger) {
        self.cache = cache
        self.interval = interval
        self.retryInterval = retryInterval
        self.logger = logger
    }

    public func run() async throws {
        // Cancellation interrupts the sleep between refreshes, so shutdown does not wait for it.
        await cancelWhenGracefulShutdown { [self] in
            await refreshUntilCancelled()
        }
    }

    private func refreshUntilCancelled() async {
        let ttl = await cache.ttl
        let minimumRefetchInterval = await cache.minimumRefetchInterval
        let interval = self.interval ?? .seconds(ttl / 2)
        let retryInterval = self.retryInterval ?? .seconds(minimumRefetchInterval) + .seconds(1)
        var ready = await load(previouslyReady: nil)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: ready ? interval : retryInterval)
            } catch {
                return
            }
            ready = await load(previouslyReady: ready)
        }
    }

    /// Logs only changes, so a long outage is one warning rather than one per attempt (the cache
    /// itself logs each failed fetch).
    private func load(previouslyReady: Bool?) async -> Bool {
        let ready = await cache.prefetch()
        switch (previouslyReady, ready) {
        case (nil, true), (false?, true):
            let keyIDs = await cache.keyIDs
            logger.info("JWKS ready", metadata: ["sigmaris.auth.kids": .array(keyIDs.map { .string($0) })])
        case (nil, false), (true?, false):
            logger.warning("JWKS unavailable; tokens signed with its keys are refused until it loads")
        case (true?, true), (false?, false):
            break
        }
        return ready
    }
}
