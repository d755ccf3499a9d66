import Foundation
import SigmarisJSON

/// How a policy compares a turn's metric with its value.
public enum PolicyOperator: String, Sendable, CaseIterable, Encodable {
    case atLeast = ">=", above = ">", atMost = "<=", below = "<", equal = "==", notEqual = "!="

    /// The operators a label (`global_state`, `safety_flag`) can be used with.
    public static let forLabels: [PolicyOperator] = [.equal, .notEqual]
}

/// What a policy does when it triggers.
public enum PolicyAction: String, Sendable, CaseIterable, Encodable {
    /// As the operator's `silence` (`POST /persona/state`), its actor `policy:<id>`.
    case silence
    /// Marks the user for review on /operator.
    case flag
    /// Only the `policy.triggered` webhook event.
    case notify
}

/// Why a policy was refused; nothing is stored. `reason` is the API's machine code.
public struct PolicyRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var message: String

    public init(_ reason: String, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason): \(message)" }
}

/// A policy's `when`: `metric op value`, held for `forTurns` consecutive turns of a user. Only a
/// valid condition can be built (`init` checks every rule), so every stored row is one
/// `sigmaris_apply_policies` can evaluate without raising.
public struct PolicyCondition: Sendable, Equatable {
    public let metric: PolicyMetric
    public let op: PolicyOperator
    /// A finite number, or a label of the metric.
    public let value: JSONValue
    public let forTurns: Int

    /// The most consecutive turns a policy can wait for (a streak is an `integer` column).
    public static let maxForTurns = 10_000

    public init(metric name: String?, op symbol: String?, value: JSONValue?, forTurns: Int?) throws(PolicyRuleError) {
        let metrics = PolicyMetric.all.map(\.name).joined(separator: ", ")
        guard let name else { throw PolicyRuleError("missing_metric", "when.metric is required (one of \(metrics))") }
        guard let metric = PolicyMetric.named(name) else {
            throw PolicyRuleError("invalid_metric", "when.metric must be one of \(metrics)")
        }
        let operators = PolicyOperator.allCases.map(\.rawValue).joined(separator: ", ")
        guard let symbol else { throw PolicyRuleError("missing_op", "when.op is required (one of \(operators))") }
        guard let op = PolicyOperator(rawValue: symbol) else {
            throw PolicyRuleError("invalid_op", "when.op must be one of \(operators)")
        }
        guard let value, !value.isNull else { throw PolicyRuleError("missing_value", "when.value is required") }
        switch metric.kind {
        case .number:
            guard let number = value.doubleValue, number.isFinite else {
                throw PolicyRuleError("invalid_value", "when.value must be a number for \(name)")
            }
        case .label(let labels):
            guard PolicyOperator.forLabels.contains(op) else {
                throw PolicyRuleError("invalid_op", "\(name) can only be compared with == or !=")
            }
            guard let label = value.stringValue, labels.contains(label) else {
                throw PolicyRuleError(
                    "invalid_value", "when.value must be a string, one of \(labels.joined(separator: ", ")), for \(name)")
            }
        }
        guard let forTurns else { throw PolicyRuleError("missing_for_turns", "when.forTurns is required") }
        guard (1...Self.maxForTurns).contains(forTurns) else {
            throw PolicyRuleError("invalid_for_turns", "when.forTurns must be an integer from 1 to \(Self.maxForTurns)")
        }
        self.metric = metric
        self.op = op
        self.value = value
        self.forTurns = forTurns
    }
}

/// Everything a policy is, checked: what `POST /persona/policies` stores and what a `PATCH` leaves.
public struct PolicyDefinition: Sendable, Equatable {
    public static let maxNameCharacters = 200
    public static let maxReasonCharacters = 1000

    public let name: String
    public let condition: PolicyCondition
    public let action: PolicyAction
    public let reason: String
    public let enabled: Bool

    /// `name` is trimmed (1...200 characters); `reason` trimmed, at most 1000, may be empty.
    public init(name: String?, condition: PolicyCondition, action: String?, reason: String?, enabled: Bool?) throws(PolicyRuleError) {
        let name = name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !name.isEmpty else { throw PolicyRuleError("missing_name", "name is required") }
        guard name.unicodeScalars.count <= Self.maxNameCharacters else {
            throw PolicyRuleError("invalid_name", "name is longer than \(Self.maxNameCharacters) characters")
        }
        let actions = PolicyAction.allCases.map(\.rawValue).joined(separator: ", ")
        guard let action else { throw PolicyRuleError("missing_action", "action is required (one of \(actions))") }
        guard let parsed = PolicyAction(rawValue: action) else {
            throw PolicyRuleError("invalid_action", "action must be one of \(actions)")
        }
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard reason.unicodeScalars.count <= Self.maxReasonCharacters else {
            throw PolicyRuleError("invalid_reason", "reason is longer than \(Self.maxReasonCharacters) characters")
        }
        self.name = name
        self.condition = condition
        self.action = parsed
        self.reason = reason
        self.enabled = enabled ?? true
    }
}
