import SigmarisEngine

/// What identifies a user's recent-episode window without reading it: read with the state row at the
/// start of every turn, it tells whether a window kept in memory is still the one in the database.
///
/// Every turn that commits moves `turnCount` and adds a new episode at the top; every operator action
/// moves `controlVersion`. An erase deletes the state row and every episode, and the same `turnCount`
/// reached again afterwards comes with episodes of new ids, which the two newest ids catch (two, so a
/// turn that commits onto a history re-created since it read catches it too). Anything else that
/// changes a user's episodes must move `controlVersion` (or delete the state row).
public struct RecallWindowStamp: Hashable, Sendable {
    public var turnCount: Int
    public var controlVersion: Int
    /// The ids of the two newest episodes (fewer when the user has fewer), newest first.
    public var newestEpisodeIDs: [String]

    public init(turnCount: Int, controlVersion: Int, newestEpisodeIDs: [String]) {
        self.turnCount = turnCount
        self.controlVersion = controlVersion
        self.newestEpisodeIDs = newestEpisodeIDs
    }

    static let episodeIDCount = 2

    /// The stamp of `window` at this turn count and control version.
    init(turnCount: Int, controlVersion: Int, window: [Episode]) {
        self.init(turnCount: turnCount, controlVersion: controlVersion,
                  newestEpisodeIDs: window.prefix(Self.episodeIDCount).map(\.episodeID))
    }

    /// Whether `window` starts with the episodes this stamp names (a window read in a later snapshot
    /// than the stamp may not).
    func matchesTop(of window: [Episode]) -> Bool {
        window.prefix(Self.episodeIDCount).map(\.episodeID) == newestEpisodeIDs
    }
}
