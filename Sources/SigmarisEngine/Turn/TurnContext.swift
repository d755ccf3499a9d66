import Foundation

/// Everything non-deterministic about a turn, decided by the caller: ids, time, switches.
///
/// The engine itself draws no randomness and reads no clock for data (only `timing_ms`), so a
/// test can replay a turn exactly by passing a fixed context.
public struct TurnContext: Sendable, Equatable {
    /// 32 lowercase hex characters.
    public var traceID: String
    /// The id of the episode this turn stores.
    public var episodeID: String
    /// The episode's timestamp (UTC).
    public var now: Date
    /// 32 hex characters appended to the user id when the request has no session id.
    public var defaultSessionSuffix: String
    /// When off, `io.message_preview` / `io.reply_preview` and text in trace events are "".
    public var textTracing: Bool
    /// When on, a failing reply provider fails the turn instead of using the fallback sentence.
    public var raiseProviderErrors: Bool

    public init(
        traceID: String,
        episodeID: String,
        now: Date,
        defaultSessionSuffix: String,
        textTracing: Bool = false,
        raiseProviderErrors: Bool = false
    ) {
        self.traceID = traceID
        self.episodeID = episodeID
        self.now = now
        self.defaultSessionSuffix = defaultSessionSuffix
        self.textTracing = textTracing
        self.raiseProviderErrors = raiseProviderErrors
    }

    /// Fresh random ids (UUIDs): the only randomness of a turn.
    public static func random(now: Date = Date(), textTracing: Bool = false, raiseProviderErrors: Bool = false) -> TurnContext {
        TurnContext(
            traceID: hex32(UUID()),
            episodeID: UUID().uuidString.lowercased(),
            now: now,
            defaultSessionSuffix: hex32(UUID()),
            textTracing: textTracing,
            raiseProviderErrors: raiseProviderErrors
        )
    }

    /// A UUID as 32 lowercase hex characters (no dashes), like Python's `uuid4().hex`.
    public static func hex32(_ uuid: UUID) -> String {
        uuid.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
