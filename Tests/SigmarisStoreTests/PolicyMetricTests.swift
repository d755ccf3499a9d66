import SigmarisEngine
import SigmarisJSON
import Testing
@testable import SigmarisStore

/// The one list of policy metrics, and the rules a policy's condition is held to (no database).
@Suite("Policy metrics and conditions")
struct PolicyMetricTests {
    @Test func theListNamesEveryScoreEveryComponentAndItsDeltaAndTheTwoLabels() {
        let names = PolicyMetric.all.map(\.name)
        #expect(names == [
            "overload_score", "reflective_score", "safety_risk_score", "memory_pointer_count",
            "value_state.stability", "value_state.openness", "value_state.safety_bias", "value_state.user_alignment",
            "value_delta.stability", "value_delta.openness", "value_delta.safety_bias", "value_delta.user_alignment",
            "trait_state.calm", "trait_state.empathy", "trait_state.curiosity",
            "trait_delta.calm", "trait_delta.empathy", "trait_delta.curiosity",
            "global_state", "safety_flag",
        ])
        #expect(Set(names).count == names.count)
        #expect(PolicyMetric.named("global_state")?.kind == .label(labels: GlobalState.allCases.map(\.rawValue)))
        #expect(PolicyMetric.named("safety_flag")?.kind == .label(labels: ["none", "intervened", "escalated", "blocked"]))
        #expect(PolicyMetric.named("turn_count") == nil)
    }

    @Test func aTurnHasAValueForEveryMetric() async throws {
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        let turn = try await engine.runTurn(
            TurnRequest(userID: "policy_metrics", message: "Hello there", rewardSignal: 1),
            state: .initial, recentEpisodes: [], context: .random())
        let values = PolicyMetric.values(of: turn)
        #expect(values.objectValue?.keys == PolicyMetric.all.map(\.name))
        for metric in PolicyMetric.all {
            switch metric.kind {
            case .number: #expect(values[metric.name]?.doubleValue != nil, "\(metric.name)")
            case .label(let labels): #expect(labels.contains(values[metric.name]?.stringValue ?? ""), "\(metric.name)")
            }
        }
        #expect(values["value_state.stability"]?.doubleValue == turn.newState.value.stability)
        #expect(values["trait_delta.calm"] == turn.traitSnapshot.delta["calm"])
        #expect(values["global_state"]?.stringValue == turn.newState.globalState?.rawValue)
        #expect(values["safety_flag"]?.stringValue == (turn.safety.flag?.rawValue ?? "none"))
    }

    @Test(arguments: [
        ("nope", ">=", JSONValue.number(1), 1, "invalid_metric"),
        ("overload_score", "=>", .number(1), 1, "invalid_op"),
        ("overload_score", ">=", .string("high"), 1, "invalid_value"),
        ("overload_score", ">=", .number(1), 0, "invalid_for_turns"),
        ("global_state", ">=", .string("NORMAL"), 1, "invalid_op"),
        ("global_state", "==", .number(1), 1, "invalid_value"),
        ("global_state", "==", .string("ASLEEP"), 1, "invalid_value"),
        ("safety_flag", "!=", .null, 1, "missing_value"),
    ])
    func aBadConditionIsRefusedWithItsReason(metric: String, op: String, value: JSONValue, forTurns: Int, reason: String) {
        let error = #expect(throws: PolicyRuleError.self) {
            _ = try PolicyCondition(metric: metric, op: op, value: value, forTurns: forTurns)
        }
        #expect(error?.reason == reason)
    }

    @Test func goodConditionsAndDefinitions() throws {
        let condition = try PolicyCondition(metric: "global_state", op: "!=", value: "SAFETY_LOCK", forTurns: 2)
        #expect(condition.op == .notEqual)
        let definition = try PolicyDefinition(name: "  lock watch ", condition: condition, action: "flag", reason: nil, enabled: nil)
        #expect(definition.name == "lock watch" && definition.reason == "" && definition.enabled)
        #expect(throws: PolicyRuleError("missing_name", "name is required")) {
            _ = try PolicyDefinition(name: " ", condition: condition, action: "flag", reason: nil, enabled: nil)
        }
        #expect(throws: PolicyRuleError.self) {
            _ = try PolicyDefinition(name: "x", condition: condition, action: "shout", reason: nil, enabled: nil)
        }
    }
}
