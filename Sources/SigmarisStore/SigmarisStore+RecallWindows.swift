import SigmarisEngine

extension SigmarisStore {
    /// `loadMemory(userID:)`, taking the recent episodes from `recallWindows` when the window kept
    /// there is still the user's (see `RecallWindowCache`); nil reads them every time.
    public func loadMemory(userID: String, recallWindows: RecallWindowCache?) async throws -> PersonaMemory {
        // Reads only: safe to run again if a restart breaks the connection under them.
        try await database.withConnection(replay: .whenConnectionBreaks) { connection in
            try PersonaStateStore.load(userID: userID, recallWindows: recallWindows, on: connection)
        }
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
    public func recordCommit(of turn: TurnResult, from memory: PersonaMemory, userID: String) {
        let episode = PersonaStateStore.asLoaded(turn.episode)
        guard memory.recentEpisodes.first.map({ episode.timestamp > $0.timestamp }) ?? true else {
            forget(userID: userID)
            return
        }
        let window = Array(([episode] + memory.recentEpisodes).prefix(PersonaConstants.Turn.recentEpisodeLimit))
        remember(window, for: userID, stamp: RecallWindowStamp(
            turnCount: turn.newState.turnCount, controlVersion: memory.controlVersion, window: window))
    }
}
