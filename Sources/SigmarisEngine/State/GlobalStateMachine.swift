/// What the state machine looked at (docs/engine.md §7's inputs, already reduced to numbers and labels).
public struct GlobalStateInput: Sendable, Equatable {
    public var messageLength: Int
    public var finalPointerCount: Int
    public var topicLabel: String
    public var value: ValueState
    public var trait: TraitState
    public var safetyFlag: SafetyFlag?
    public var overloadScore: Double
    /// An explicit operator/user command to stay silent (the only way into SILENT).
    public var silenceRequested: Bool

    public init(
        messageLength: Int,
        finalPointerCount: Int,
        topicLabel: String,
        value: ValueState,
        trait: TraitState,
        safetyFlag: SafetyFlag?,
        overloadScore: Double,
        silenceRequested: Bool = false
    ) {
        self.messageLength = messageLength
        self.finalPointerCount = finalPointerCount
        self.topicLabel = topicLabel
        self.value = value
        self.trait = trait
        self.safetyFlag = safetyFlag
        self.overloadScore = overloadScore
        self.silenceRequested = silenceRequested
    }
}

/// The machine's decision.
public struct GlobalStateDecision: Sendable, Equatable {
    public var state: GlobalState
    public var reflectiveScore: Double
    public var reasons: [String]
}

/// docs/engine.md §7: a pure function from the turn's numbers to a global state.
public struct GlobalStateMachine: Sendable {

    public init() {}

    /// First match wins: SAFETY_LOCK, (explicit SILENT), OVERLOADED, REFLECTIVE, NORMAL.
    ///
    /// An explicit silence command does not override SAFETY_LOCK: a risky message still gets the
    /// safe answer (and crisis pointers) rather than a bare minimum.
    public func decide(_ input: GlobalStateInput) -> GlobalStateDecision {
        let rules = PersonaConstants.GlobalStateRules.self
        let reflectiveScore = reflectiveScore(input)
        var reasons: [String] = []
        let state: GlobalState

        if let flag = input.safetyFlag {
            state = .safetyLock
            reasons.append(rules.safetyFlagReason(flag.rawValue, GlobalState.safetyLock.rawValue))
        } else if input.value.safetyBias >= rules.safetyBiasLockThreshold {
            state = .safetyLock
            reasons.append(rules.safetyBiasReason(TextRules.fixed(input.value.safetyBias, 2), TextRules.fixed(rules.safetyBiasLockThreshold, 2)))
        } else if input.silenceRequested {
            state = .silent
            reasons.append(rules.silentReason)
        } else if input.overloadScore >= rules.overloadThreshold {
            state = .overloaded
            reasons.append(rules.overloadReason(TextRules.fixed(input.overloadScore, 2), TextRules.fixed(rules.overloadThreshold, 2)))
        } else if reflectiveScore >= rules.reflectiveThreshold {
            state = .reflective
            reasons.append(rules.reflectiveReason)
        } else {
            state = .normal
        }
        return GlobalStateDecision(state: state, reflectiveScore: reflectiveScore, reasons: reasons)
    }

    /// How much this turn calls for a structured, reflective answer; summed in the reference's order.
    public func reflectiveScore(_ input: GlobalStateInput) -> Double {
        let rules = PersonaConstants.GlobalStateRules.self
        var score = 0.0

        let count = input.finalPointerCount
        if count >= rules.manyPointersMinimum {
            score += rules.manyPointersScore
        } else if count >= rules.severalPointersMinimum {
            score += rules.severalPointersScore
        } else if count >= 1 {
            score += rules.fewPointersScore
        }

        if TextRules.containsAny(TextRules.lower(input.topicLabel), of: rules.reflectiveTopicMarkers) {
            score += rules.reflectiveTopicScore
        }

        if input.trait.calm >= rules.highCalmThreshold {
            score += rules.highCalmScore
        } else if input.trait.calm <= rules.lowCalmThreshold {
            score += rules.lowCalmScore
        }
        if input.trait.curiosity >= rules.highCuriosityThreshold {
            score += rules.highCuriosityScore
        }

        score += max(0, input.value.safetyBias) * rules.safetyBiasWeight
        score += max(0, input.value.stability) * rules.stabilityWeight

        if input.messageLength >= rules.longMessageLength {
            score += rules.longMessageScore
        } else if input.messageLength >= rules.mediumMessageLength {
            score += rules.mediumMessageScore
        }
        return score
    }
}
