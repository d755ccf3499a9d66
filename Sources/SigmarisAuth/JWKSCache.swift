import Foundation
import Logging

/// The issuer's public keys, fetched on demand and kept for a while.
///
/// - Keys are kept for `ttl`; the first lookup after that refetches.
/// - A `kid` not in the set triggers a refetch (the issuer may have rotated), but fetch attempts of
///   any kind are at least `minimumRefetchInterval` apart, so a flood of tokens with made-up `kid`s
///   cannot turn into a flood of requests to the issuer.
/// - Concurrent lookups that need a fetch share the one in flight.
/// - A failed fetch (network, bad document, no usable key) keeps the keys already held: an issuer
///   outage must not log everybody out.
///
/// `fetch` returns the JWKS document's bytes (an HTTP GET, or reading a local file); `now` is
/// injectable so tests control time.
public actor JWKSCache {
    public static let defaultTTL: TimeInterval = 10 * 60
    public static let defaultMinimumRefetchInterval: TimeInterval = 30

    public let ttl: TimeInterval
    public let minimumRefetchInterval: TimeInterval

    /// Fetches started (successful or not), for tests and metrics.
    public private(set) var fetchCount = 0
    /// Fetches that failed or returned nothing usable.
    public private(set) var failedFetchCount = 0

    private let fetch: @Sendable () async throws -> Data
    private let now: @Sendable () -> Date
    private let logger: Logger
    /// Told the outcome of every fetch (true: usable keys loaded), for metrics.
    private let fetchObserver: (@Sendable (_ succeeded: Bool) -> Void)?

    private var keySet: JWKSet?
    private var loadedAt: Date?
    private var lastAttemptAt: Date?
    private var inFlight: Task<Void, Never>?

    public init(
        ttl: TimeInterval = JWKSCache.defaultTTL,
        minimumRefetchInterval: TimeInterval = JWKSCache.defaultMinimumRefetchInterval,
        logger: Logger = Logger(label: "sigmaris.auth.jwks"),
        now: @escaping @Sendable () -> Date = { Date() },
        fetchObserver: (@Sendable (_ succeeded: Bool) -> Void)? = nil,
        fetch: @escaping @Sendable () async throws -> Data
    ) {
        self.fetchObserver = fetchObserver
        self.ttl = ttl
        self.minimumRefetchInterval = minimumRefetchInterval
        self.logger = logger
        self.now = now
        self.fetch = fetch
    }

    /// The `kid`s currently held.
    public var keyIDs: [String] { keySet?.keyIDs ?? [] }

    /// Loads the keys now unless they are fresh (for start-up, so the first request does not wait);
    /// true when keys are available afterwards.
    @discardableResult
    public func prefetch() async -> Bool {
        if needsRefresh(at: now()) { await refresh() }
        return !(keySet?.keys.isEmpty ?? true)
    }

    /// The key for a token's `kid` (see `JWKSet.key(for:algorithm:)`), fetching when the set is
    /// stale or does not know the `kid`; nil when it still is not there.
    public func key(for keyID: String?, algorithm: JWSAlgorithm) async -> JWK? {
        if needsRefresh(at: now()) { await refresh() }
        if let key = keySet?.key(for: keyID, algorithm: algorithm) { return key }
        // Rotation shows up as an unknown kid; `refresh` decides whether a fetch is allowed yet.
        await refresh()
        return keySet?.key(for: keyID, algorithm: algorithm)
    }

    private func needsRefresh(at date: Date) -> Bool {
        guard keySet != nil, let loadedAt else { return true }
        return date.timeIntervalSince(loadedAt) >= ttl
    }

    /// Joins the fetch in flight, or starts one if the last attempt is old enough.
    private func refresh() async {
        if let inFlight {
            await inFlight.value
            return
        }
        let date = now()
        if let lastAttemptAt, date.timeIntervalSince(lastAttemptAt) < minimumRefetchInterval { return }
        lastAttemptAt = date
        fetchCount += 1
        // The task installs the result itself before finishing, so every waiter that resumes from
        // `value` sees the new keys (waiters resuming before the starter would otherwise not).
        let task = Task { await self.performFetch() }
        inFlight = task
        await task.value
    }

    private func performFetch() async {
        defer { inFlight = nil }
        do {
            let set = try JWKSet(jsonData: try await fetch())
            guard !set.keys.isEmpty else { throw JWKSetError.noUsableKeys }
            keySet = set
            loadedAt = now()
            fetchObserver?(true)
            logger.debug("JWKS loaded", metadata: [
                "kids": .array(set.keyIDs.map { .string($0) }),
                "skipped": .stringConvertible(set.skippedCount),
            ])
            if set.skippedCount > 0 {
                logger.info("JWKS entries skipped as unusable", metadata: ["skipped": .stringConvertible(set.skippedCount)])
            }
        } catch {
            failedFetchCount += 1
            fetchObserver?(false)
            logger.warning("JWKS fetch failed; keeping the cached keys", metadata: [
                "error": .string(String(describing: error)),
                "cachedKeys": .stringConvertible(keySet?.keys.count ?? 0),
            ])
        }
    }
}
