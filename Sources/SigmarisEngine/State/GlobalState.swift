/// The persona's global mode (docs/engine.md §7). Raw values are the spec's labels.
///
/// `silent` is never chosen by the machine, only by an explicit command.
public enum GlobalState: String, Sendable, Codable, CaseIterable {
    case normal = "NORMAL"
    case reflective = "REFLECTIVE"
    case overloaded = "OVERLOADED"
    case safetyLock = "SAFETY_LOCK"
    case silent = "SILENT"
}
