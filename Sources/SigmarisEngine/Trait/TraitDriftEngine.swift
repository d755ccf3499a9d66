/// A trait drift step's outcome.
public struct TraitDriftResult: Sendable, Equatable {
    public var newState: TraitState
    /// The sum of every change this turn, before clipping.
    public var delta: TraitState
}

/// docs/engine.md §5: nudges calm / empathy / curiosity, more slowly than values, partly from the new values.
///
/// Operand order follows the reference (`lr * 0.5 * v` is `(lr * 0.5) * v`) so results match it exactly.
public enum TraitDriftEngine {

    public static func apply(
        current: TraitState,
        identity: IdentityContext,
        finalPointerCount: Int,
        newValue: ValueState,
        affect: AffectSignal?
    ) -> TraitDriftResult {
        let rules = PersonaConstants.TraitDrift.self
        let lr = rules.learningRate
        var state = current
        var delta = TraitState.zero

        func add(_ keyPath: WritableKeyPath<TraitState, Double>, _ change: Double) {
            state[keyPath: keyPath] += change
            delta[keyPath: keyPath] += change
        }

        // 1) Decay toward 0.
        for axis in [\TraitState.calm, \.empathy, \.curiosity] as [WritableKeyPath<TraitState, Double>] {
            add(axis, -state[keyPath: axis] * rules.decayRate)
        }

        // 2) Identity: continuity calms, conflict topics agitate.
        if identity.hasPastContext {
            add(\.calm, lr * rules.pastContextCalm)
        }
        if TextRules.containsAny(TextRules.lower(identity.topicLabel), of: rules.negativeTopicMarkers) {
            add(\.calm, -lr * rules.negativeTopicCalm)
        }

        // 3) Memory: more shared context, more empathy.
        if finalPointerCount >= rules.manyPointersMinimum {
            add(\.empathy, lr * rules.manyPointersEmpathy)
        } else if finalPointerCount >= 1 {
            add(\.empathy, lr * rules.fewPointersEmpathy)
        }

        // 4) Values: openness feeds curiosity; safety bias calms and restrains curiosity.
        if newValue.openness > 0 {
            add(\.curiosity, lr * rules.opennessCuriosity * newValue.openness)
        }
        if newValue.safetyBias > 0 {
            add(\.calm, lr * rules.safetyBiasCalm * newValue.safetyBias)
            add(\.curiosity, -lr * rules.safetyBiasCuriosity * newValue.safetyBias)
        }

        // 5) Affect, member by member when given and non-zero.
        if let affect {
            if let tension = affect.tension, tension != 0 {
                add(\.calm, -lr * rules.tensionCalm * tension)
            }
            if let warmth = affect.warmth, warmth != 0 {
                add(\.empathy, lr * rules.warmthEmpathy * warmth)
            }
            if let curiosity = affect.curiosity, curiosity != 0 {
                add(\.curiosity, lr * rules.curiositySignalCuriosity * curiosity)
            }
        }

        // 6) Clip the state; the delta keeps the unclipped sum.
        return TraitDriftResult(newState: state.clipped(to: rules.limit), delta: delta)
    }
}
