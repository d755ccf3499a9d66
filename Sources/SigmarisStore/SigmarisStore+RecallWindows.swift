import SigmarisEngine

extension SigmarisStore {
    /// `loadMemory(userID:)` through `recallWindows` rather than the store's own cache (nil reads the
    /// episodes every time): for tests that compare one cache against another.
    func loadMemory(userID: String, recallWindows: RecallWindowCache?) async throws -> PersonaMemory {
        // Reads only: safe to run again if a restart breaks the connection under them.
        try await database.withConnection(replay: .whenConnectionBreaks) { connection in
            try PersonaStateStore.load(userID: userID, recallWindows: recallWindows, on: connection)
        }
    }

    /// `commitTurn` for a turn computed from `memory`, as `loadMemory` read it: once committed, the
    /// recall cache keeps the window the database now holds (`RecallWindowCache.recordCommit`).
    public func commitTurn(
        _ turn: TurnResult, from memory: PersonaMemory, userID: String, tracing: Bool, chat: ChatRecord?
    ) async throws {
        // Taken before the commit: an erase committing right after it drops the window it would keep.
        let drops = recallWindows?.drops
        try await commitTurn(
            turn, userID: userID, previousTurnCount: memory.state.turnCount, controlVersion: memory.controlVersion,
            tracing: tracing, chat: chat)
        recallWindows?.recordCommit(of: turn, from: memory, userID: userID, unlessDroppedSince: drops)
    }

    /// The recall cache's counts (zero when it is off).
    var recallWindowStatistics: RecallWindowCache.Statistics {
        recallWindows?.statistics ?? RecallWindowCache.Statistics()
    }
}

extension RecallWindowCache {
    /// After `turn`, computed from `memory`, committed: keeps the window the database now holds, the
    /// turn's episode on top of the one the turn read, for the turn count the commit wrote.
    ///
    /// The commit succeeded only if the user's `turn_count` and `control_version` were still those of
    /// `memory`, so the window below the new episode is the one the turn read; the newest-ids part of
    /// the stamp catches the one case that check misses (an erased history re-created to the same
    /// count meanwhile). An episode that does not sort first (a clock behind another instance's) is
    /// not guessed at: the next turn reads the window.
    ///
    /// `drops`: as for `remember`.
    public func recordCommit(of turn: TurnResult, from memory: PersonaMemory, userID: String, unlessDroppedSince drops: Int? = nil) {
        let episode = PersonaStateStore.asLoaded(turn.episode)
        guard memory.recentEpisodes.first.map({ episode.timestamp > $0.timestamp }) ?? true else {
            forget(userID: userID)
            return
        }
        let window = Array(([episode] + memory.recentEpisodes).prefix(PersonaConstants.Turn.recentEpisodeLimit))
        remember(window, for: userID, stamp: RecallWindowStamp(
            turnCount: turn.newState.turnCount, controlVersion: memory.controlVersion, window: window), unlessDroppedSince: drops)
    }
}
