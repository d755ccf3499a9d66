/// A value drift step's outcome.
public struct ValueDriftResult: Sendable, Equatable {
    public var newState: ValueState
    /// The sum of every change this turn, before clipping.
    public var delta: ValueState
}

/// docs/engine.md §4: nudges the value axes a little every turn.
///
/// Each change is applied to the state and the delta together, in the spec's order, and with the
/// reference's operand order, so the floating-point results match it bit for bit.
public enum ValueDriftEngine {

    public static func apply(
        current: ValueState,
        identity: IdentityContext,
        finalPointerCount: Int,
        safetyFlag: SafetyFlag?,
        rewardSignal: Double
    ) -> ValueDriftResult {
        let rules = PersonaConstants.ValueDrift.self
        let lr = rules.learningRate
        var state = current
        var delta = ValueState.zero

        func add(_ keyPath: WritableKeyPath<ValueState, Double>, _ change: Double) {
            state[keyPath: keyPath] += change
            delta[keyPath: keyPath] += change
        }

        // 1) Decay toward 0.
        for axis in [\ValueState.stability, \.openness, \.safetyBias, \.userAlignment] as [WritableKeyPath<ValueState, Double>] {
            add(axis, -state[keyPath: axis] * rules.decayRate)
        }

        // 2) Identity: continuing past context stabilises.
        if identity.hasPastContext {
            add(\.stability, lr * rules.pastContextStability)
        }
        if TextRules.containsAny(TextRules.lower(identity.topicLabel), of: rules.continuationMarkers) {
            add(\.stability, lr * rules.continuationStability)
        }

        // 3) Memory: leaning on much context stabilises and closes; none opens up.
        if finalPointerCount >= rules.manyPointersMinimum {
            add(\.stability, lr * rules.manyPointersStability)
            add(\.openness, -lr * rules.manyPointersOpenness)
        } else if finalPointerCount >= 1 {
            add(\.stability, lr * rules.fewPointersStability)
        } else {
            add(\.openness, lr * rules.noPointersOpenness)
        }

        // 4) Safety: any flag raises the safety bias.
        if safetyFlag != nil {
            add(\.safetyBias, lr * rules.safetyFlagSafetyBias)
        }

        // 5) Reward.
        if rewardSignal != 0 {
            let base = lr * rewardSignal
            if rewardSignal > 0 {
                add(\.userAlignment, base * rules.positiveRewardAlignment)
                add(\.openness, base * rules.positiveRewardOpenness)
            } else {
                add(\.stability, -base * rules.negativeRewardStability)
                add(\.safetyBias, -base * rules.negativeRewardSafetyBias)
            }
        }

        // 6) Clip the state; the delta keeps the unclipped sum.
        return ValueDriftResult(newState: state.clipped(to: rules.limit), delta: delta)
    }
}
