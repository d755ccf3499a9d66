import Foundation
import Synchronization

/// A one-way flag that a test sets from one task and waits for on a database pool thread (inside a
/// `withConnection` body, where a statement holds a lock until the test lets go). `waitBlocking` is
/// for such threads only, never the cooperative pool.
public final class BlockingFlag: Sendable {
    private let value = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { value.load(ordering: .acquiring) }

    public func set() { value.store(true, ordering: .releasing) }

    /// Polls until set, or until `limit` has passed (a hang guard).
    public func waitBlocking(upTo limit: Duration) {
        let deadline = ContinuousClock.now + limit
        while !isSet, ContinuousClock.now < deadline { usleep(1_000) }
    }
}
