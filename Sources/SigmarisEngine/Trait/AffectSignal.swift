import SigmarisJSON

/// The optional affect hint of a request (docs/engine.md §1): how tense, warm and curious the user seems.
public struct AffectSignal: Sendable, Equatable {
    public var tension: Double?
    public var warmth: Double?
    public var curiosity: Double?

    public init(tension: Double? = nil, warmth: Double? = nil, curiosity: Double? = nil) {
        self.tension = tension
        self.warmth = warmth
        self.curiosity = curiosity
    }

    /// `{tension, warmth, curiosity}` with absent members as null.
    public var json: JSONValue {
        ["tension": .number(orNull: tension), "warmth": .number(orNull: warmth), "curiosity": .number(orNull: curiosity)]
    }
}
