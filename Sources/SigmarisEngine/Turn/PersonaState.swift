import SigmarisJSON

/// A user's persisted persona state between turns.
public struct PersonaState: Sendable, Codable, Equatable {
    public var value: ValueState
    public var trait: TraitState
    /// The state after the user's previous turn; nil before the first turn.
    public var globalState: GlobalState?
    public var turnCount: Int

    /// A new user: all axes 0, no previous state.
    public static let initial = PersonaState(value: .zero, trait: .zero, globalState: nil, turnCount: 0)

    public init(value: ValueState, trait: TraitState, globalState: GlobalState?, turnCount: Int) {
        self.value = value
        self.trait = trait
        self.globalState = globalState
        self.turnCount = turnCount
    }

    enum CodingKeys: String, CodingKey {
        case value, trait
        case globalState = "global_state"
        case turnCount = "turn_count"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        value = try container.decodeIfPresent(ValueState.self, forKey: .value) ?? .zero
        trait = try container.decodeIfPresent(TraitState.self, forKey: .trait) ?? .zero
        globalState = try container.decodeIfPresent(GlobalState.self, forKey: .globalState)
        turnCount = try container.decodeIfPresent(Int.self, forKey: .turnCount) ?? 0
    }

    /// `{value, trait, global_state, turn_count}`.
    public var json: JSONValue {
        [
            "value": value.json,
            "trait": trait.json,
            "global_state": .string(orNull: globalState?.rawValue),
            "turn_count": .number(turnCount),
        ]
    }
}
