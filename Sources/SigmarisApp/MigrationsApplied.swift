import Synchronization

/// Whether the schema this build needs is in place: set once the application applied the
/// migrations before serving (at once when it does not apply them itself). Background services that
/// read a newer table wait for it, instead of failing and logging while a fresh database is migrated
/// (services start beside `beforeServerStarts`, not after it).
final class MigrationsApplied: Sendable {
    private let applied = Atomic<Bool>(false)

    var isSet: Bool { applied.load(ordering: .acquiring) }

    func set() { applied.store(true, ordering: .releasing) }
}
