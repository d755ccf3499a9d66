/// Everything a provider may use to answer one turn (docs/engine.md §8).
///
/// A remote chat model only needs `systemPrompt` and `userContent`, already composed by the engine;
/// the structured fields are there for providers that compose the answer themselves.
public struct ReplyRequest: Sendable, Equatable {
    public var message: String
    public var userID: String
    public var sessionID: String
    public var globalState: GlobalState
    public var prevState: GlobalState?
    public var stateReasons: [String]
    public var valueState: ValueState
    public var traitState: TraitState
    public var mergedSummary: String?
    public var identityContext: IdentityContext
    public var systemPrompt: String
    public var userContent: String

    public init(
        message: String,
        userID: String,
        sessionID: String,
        globalState: GlobalState,
        prevState: GlobalState?,
        stateReasons: [String],
        valueState: ValueState,
        traitState: TraitState,
        mergedSummary: String?,
        identityContext: IdentityContext
    ) {
        self.message = message
        self.userID = userID
        self.sessionID = sessionID
        self.globalState = globalState
        self.prevState = prevState
        self.stateReasons = stateReasons
        self.valueState = valueState
        self.traitState = traitState
        self.mergedSummary = mergedSummary
        self.identityContext = identityContext
        self.systemPrompt = ""
        self.userContent = ""
        self.systemPrompt = SystemPrompt.system(for: self)
        self.userContent = SystemPrompt.userContent(for: self)
    }
}
