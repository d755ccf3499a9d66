/// Input limits of the turn endpoints, documented in the README.
enum TurnLimits {
    /// A message longer than this (in Unicode scalars, as the engine counts) is refused with 400 before anything runs.
    /// The engine saturates its overload score at 800 characters; this only bounds the work.
    static let maxMessageCharacters = 16_000
    /// Session ids are stored as text and echoed in URLs; keep them short.
    static let maxSessionIDCharacters = 200
    static let maxUserIDCharacters = 200
}
