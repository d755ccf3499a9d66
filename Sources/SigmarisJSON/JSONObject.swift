/// A JSON object that keeps its keys in insertion order.
///
/// The spec asks that dictionaries listed with keys in an order keep that order in JSON output, and
/// Swift's `Dictionary` has no order, so objects are an array of key/value pairs. Objects in meta are
/// small (a dozen keys), so linear look-up is cheaper than maintaining an index.
public struct JSONObject: Sendable, Equatable {
    public private(set) var entries: [(key: String, value: JSONValue)]

    public init() {
        entries = []
    }

    public init(_ entries: [(key: String, value: JSONValue)]) {
        self.entries = []
        self.entries.reserveCapacity(entries.count)
        for (key, value) in entries {
            self[key] = value
        }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    /// Get: the value for `key`, nil when absent. Set: replaces in place (keeping the key's first
    /// position), appends a new key at the end, or removes the key when given nil.
    public subscript(key: String) -> JSONValue? {
        get {
            for entry in entries where entry.key == key {
                return entry.value
            }
            return nil
        }
        set {
            let index = entries.firstIndex { $0.key == key }
            switch (index, newValue) {
            case let (index?, value?):
                entries[index].value = value
            case let (index?, nil):
                entries.remove(at: index)
            case let (nil, value?):
                entries.append((key: key, value: value))
            case (nil, nil):
                break
            }
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (left, right) in zip(lhs.entries, rhs.entries) where left.key != right.key || left.value != right.value {
            return false
        }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Dictionary literals keep their written order, which is how meta objects are spelled.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}
