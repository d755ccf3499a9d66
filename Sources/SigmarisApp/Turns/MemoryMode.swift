/// What recall reads (`SIGMARIS_MEMORY`, issue #23).
public enum MemoryMode: String, CaseIterable, Sendable {
    /// The 50 newest episodes plus the best `SIGMARIS_ARCHIVE_CANDIDATES` older ones, found by the
    /// store's archive search (docs/engine.md §2.7). Identical to `window` while a user has 50
    /// episodes or fewer.
    case archive
    /// The reference's recall: the 50 newest episodes only, at any history size.
    case window
}
