import SigmarisJSON
import SigmarisStore

/// The body of `POST /persona/policies` and `PATCH /persona/policies/{id}`:
/// `{name, when: {metric, op, value, forTurns}, action, reason, enabled}` (in a `PATCH` every field
/// may be left out, and a `when` replaces the stored one whole). Here only the JSON types
/// are checked (a field of the wrong type is 400 `invalid_field`); what the values may be is the
/// store's rule (`PolicyCondition`, `PolicyDefinition`), whose refusal `ErrorMiddleware` maps to 400.
struct PolicyFields: Sendable {
    var changes = PolicyChanges()

    init(_ body: JSONObject) throws(APIError) {
        changes.name = try JSONRequest.optionalString(body, "name")
        changes.action = try JSONRequest.optionalString(body, "action")
        changes.reason = try JSONRequest.optionalString(body, "reason")
        if let value = body["enabled"], !value.isNull {
            guard let enabled = value.boolValue else { throw APIError.badRequest("enabled must be a boolean", reason: "invalid_field") }
            changes.enabled = enabled
        }
        if let name = changes.name { try StorableText.checkText(name, field: "name") }
        if let reason = changes.reason { try StorableText.checkText(reason, field: "reason") }
        guard let when = body["when"], !when.isNull else { return }
        guard let condition = when.objectValue else { throw APIError.badRequest("when must be an object", reason: "invalid_field") }
        changes.conditionGiven = true
        changes.metric = try JSONRequest.optionalString(condition, "metric")
        changes.op = try JSONRequest.optionalString(condition, "op")
        if let value = condition["value"], !value.isNull {
            guard value.doubleValue != nil || value.stringValue != nil else {
                throw APIError.badRequest("when.value must be a number or a string", reason: "invalid_value")
            }
            changes.value = value
        }
        if let forTurns = condition["forTurns"], !forTurns.isNull {
            guard let count = forTurns.intValue else {
                throw APIError.badRequest("when.forTurns must be an integer", reason: "invalid_for_turns")
            }
            changes.forTurns = count
        }
    }
}

/// A whole policy from a `POST` body: every field but `reason` and `enabled` is required.
enum PolicyInput {
    static func definition(_ fields: PolicyFields) throws(PolicyRuleError) -> PolicyDefinition {
        let changes = fields.changes
        let condition = try PolicyCondition(metric: changes.metric, op: changes.op, value: changes.value, forTurns: changes.forTurns)
        return try PolicyDefinition(
            name: changes.name, condition: condition, action: changes.action, reason: changes.reason, enabled: changes.enabled)
    }
}
