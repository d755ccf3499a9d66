import SigmarisEngine
import SigmarisJSON

/// The one list of what a policy can watch: each number of a turn's snapshot, each component of
/// the value and trait states and of their drift deltas, and the two labels. `values(of:)` reads
/// them from a turn, so the names a policy is validated against and the numbers it is evaluated
/// on come from the same place.
public struct PolicyMetric: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Compared with `>=`, `>`, `<=`, `<`, `==`, `!=` against a number.
        case number
        /// Compared with `==` and `!=` against one of `labels`.
        case label(labels: [String])
    }

    public let name: String
    public let kind: Kind

    /// The label `safety_flag` has on a turn the safety stage did not flag.
    public static let noSafetyFlag = "none"

    /// The value and trait components, by their keys in the engine's state JSON.
    private static let valueComponents = ValueState.zero.json.objectValue?.keys ?? []
    private static let traitComponents = TraitState.zero.json.objectValue?.keys ?? []

    /// Every metric, in the order the API documents them.
    public static let all: [PolicyMetric] = {
        var metrics = ["overload_score", "reflective_score", "safety_risk_score", "memory_pointer_count"]
            .map { PolicyMetric(name: $0, kind: .number) }
        for (prefix, components) in [
            ("value_state", valueComponents), ("value_delta", valueComponents),
            ("trait_state", traitComponents), ("trait_delta", traitComponents),
        ] {
            metrics += components.map { PolicyMetric(name: "\(prefix).\($0)", kind: .number) }
        }
        metrics.append(PolicyMetric(name: "global_state", kind: .label(labels: GlobalState.allCases.map(\.rawValue))))
        metrics.append(PolicyMetric(
            name: "safety_flag", kind: .label(labels: [noSafetyFlag] + SafetyFlag.allCases.map(\.rawValue))))
        return metrics
    }()

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static func named(_ name: String) -> PolicyMetric? { byName[name] }

    /// The turn's value of every metric, `{name: number | label}`, as `sigmaris_apply_policies`
    /// compares them: the scores as the turn's state snapshot row stores them (`StateSnapshotFields`),
    /// the states after the turn and its deltas. A metric the turn has no finite value for is left
    /// out, and a policy on it does not match that turn.
    public static func values(of turn: TurnResult) -> JSONValue {
        let snapshot = StateSnapshotFields(meta: turn.meta)
        var values = JSONObject()
        func number(_ name: String, _ value: Double?) {
            if let value, value.isFinite { values[name] = .number(value) }
        }
        number("overload_score", snapshot.overloadScore)
        number("reflective_score", snapshot.reflectiveScore)
        number("safety_risk_score", snapshot.safetyRiskScore ?? turn.safety.riskScore)
        number("memory_pointer_count", snapshot.memoryPointerCount.map { Double($0) })
        for (prefix, object) in [
            ("value_state", turn.newState.value.json), ("value_delta", turn.valueSnapshot.delta),
            ("trait_state", turn.newState.trait.json), ("trait_delta", turn.traitSnapshot.delta),
        ] {
            for (key, value) in object.objectValue?.entries ?? [] {
                number("\(prefix).\(key)", value.doubleValue)
            }
        }
        if let state = snapshot.globalState ?? turn.newState.globalState?.rawValue {
            values["global_state"] = .string(state)
        }
        values["safety_flag"] = .string(turn.safety.flag?.rawValue ?? noSafetyFlag)
        return .object(values)
    }
}
