/// The statements one connection has prepared, by SQL text and parameter types.
///
/// Names are unique within the connection that prepared them and die with it: a new connection (after
/// a reconnect) starts empty and prepares again on first use. The service's SQL is a fixed set of
/// string constants, so the map stays small; `capacity` only guards against SQL built at run time,
/// which then simply runs unnamed.
struct PreparedStatements {
    struct Key: Hashable {
        var sql: String
        /// Part of the key: a statement is planned for the types it was prepared with, and a NULL
        /// parameter (type left to the server) next to a typed one makes a different statement.
        var parameterTypes: [UInt32]
    }

    static let capacity = 128

    private var names: [Key: String] = [:]
    private var nextNumber = 1

    func name(for key: Key) -> String? { names[key] }

    /// A fresh name for `key`, or nil when the connection holds `capacity` statements already.
    mutating func newName() -> String? {
        guard names.count < Self.capacity else { return nil }
        defer { nextNumber += 1 }
        return "sigmaris_\(nextNumber)"
    }

    mutating func record(_ name: String, for key: Key) { names[key] = name }

    /// The server no longer has the statement as prepared (its result type changed under a migration):
    /// the next use prepares it again under a new name.
    mutating func forget(_ key: Key) { names[key] = nil }
}
