/// The safety flags of docs/engine.md §6, from mildest to strongest. No flag is `nil`.
///
/// The raw values are the spec's labels (this enum is their single definition).
public enum SafetyFlag: String, Sendable, Codable, CaseIterable {
    case intervened
    case escalated
    case blocked
}
