/// The one hook by which the store's writes keep its recall cache honest.
///
/// Every store operation that removes or changes a user's episodes or state runs through
/// `invalidating(_:userID:after:)`: the account erase (`UserRows.eraseEverything`), session
/// deletion (`UserRows.deleteSession`, which deletes the session's memories too), the deletion of
/// one memory (`UserRows.deleteMemory`) and operator actions (`SigmarisStore.applyOperatorAction`).
/// A retention prune, which deletes episodes of users it does not name one by one, drops every
/// window (`Retention`).
///
/// The stamp check (`RecallWindowStamp`) already refuses a window these operations made stale, on
/// every instance; dropping it here as well means nothing they removed stays in this process's
/// memory until the user's next turn, however long that is.
extension RecallWindowCache {
    /// Runs `work` (one of the store's own transactions on `userID`'s rows), then drops the user's
    /// window from `cache`, whether `work` committed, failed or was cancelled: after a COMMIT whose
    /// outcome was lost the rows may be gone, and a window read again costs only one read.
    ///
    /// A turn of the user that read its window, or committed, while the change ran does not put a
    /// window back afterwards: what it keeps is kept only if nothing was dropped since it began
    /// (`remember(_:for:stamp:unlessDroppedSince:)`).
    static func invalidating<T: Sendable>(
        _ cache: RecallWindowCache?, userID: String, after work: () async throws -> T
    ) async throws -> T {
        defer { cache?.forget(userID: userID) }
        return try await work()
    }
}
