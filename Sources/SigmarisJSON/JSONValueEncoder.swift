/// Encodes an `Encodable` value into a `JSONValue`, keeping keys in the order they are encoded
/// (a synthesized `Encodable` encodes its properties in declaration order).
///
/// Foundation's `JSONEncoder` on Linux writes object keys in no particular order; typed HTTP bodies go
/// through this encoder and `JSONValue.serialized()` instead, so a body reads in the order its type
/// declares, like the contract shows. A `JSONValue` inside a typed body (free-form meta) is taken as it
/// is. A `nil` optional is written as `null`, so every declared field of a body is always present (a
/// type that wants a key left out writes its own `encode(to:)`).
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode(_ value: some Encodable) throws -> JSONValue {
        let root = Slot()
        try root.store(value, codingPath: [])
        return root.value
    }
}

/// Where one encoded value goes. A class, because containers handed out by `Encoder` must write
/// into storage that the caller reads after they are gone.
private final class Slot {
    private var scalar: JSONValue?
    /// Set once the slot becomes an object or an array; appended to in place.
    private var entries: [(key: String, slot: Slot)]?
    private var items: [Slot]?

    var value: JSONValue {
        if let entries { return .object(JSONObject(entries.map { (key: $0.key, value: $0.slot.value) })) }
        if let items { return .array(items.map(\.value)) }
        return scalar ?? .null
    }

    func set(_ value: JSONValue) {
        scalar = value
        entries = nil
        items = nil
    }

    func store(_ value: some Encodable, codingPath: [any CodingKey]) throws {
        switch value {
        case let json as JSONValue: set(json)
        case let string as String: set(.string(string))
        case let bool as Bool: set(.bool(bool))
        case let double as Double: set(.number(double))
        case let int as Int: set(.number(int))
        default: try value.encode(to: SlotEncoder(slot: self, codingPath: codingPath))
        }
    }

    func makeObject() {
        if entries == nil { entries = [] }
    }

    func makeArray() {
        if items == nil { items = [] }
    }

    func child(forKey key: String) -> Slot {
        let child = Slot()
        if let index = entries?.firstIndex(where: { $0.key == key }) {
            entries?[index].slot = child
        } else {
            entries?.append((key: key, slot: child))
        }
        return child
    }

    func appendChild() -> Slot {
        let child = Slot()
        items?.append(child)
        return child
    }

    var arrayCount: Int { items?.count ?? 0 }
}

private struct SlotEncoder: Encoder {
    let slot: Slot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        slot.makeObject()
        return KeyedEncodingContainer(KeyedSlotContainer<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        slot.makeArray()
        return UnkeyedSlotContainer(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleSlotContainer(slot: slot, codingPath: codingPath)
    }
}

private struct KeyedSlotContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        slot.child(forKey: key.stringValue).set(.null)
    }

    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        try slot.child(forKey: key.stringValue).store(value, codingPath: codingPath + [key])
    }

    // `Codable`'s defaults skip a nil optional; here it is written as null (see `JSONValueEncoder`).
    private mutating func encodeOptional(_ value: (some Encodable)?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        SlotEncoder(slot: slot.child(forKey: key.stringValue), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        SlotEncoder(slot: slot.child(forKey: key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        SlotEncoder(slot: slot.child(forKey: "super"), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        SlotEncoder(slot: slot.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedSlotContainer: UnkeyedEncodingContainer {
    let slot: Slot
    let codingPath: [any CodingKey]
    var count: Int { slot.arrayCount }

    mutating func encodeNil() throws {
        slot.appendChild().set(.null)
    }

    mutating func encode(_ value: some Encodable) throws {
        try slot.appendChild().store(value, codingPath: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        SlotEncoder(slot: slot.appendChild(), codingPath: codingPath).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        SlotEncoder(slot: slot.appendChild(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        SlotEncoder(slot: slot.appendChild(), codingPath: codingPath)
    }
}

private struct SingleSlotContainer: SingleValueEncodingContainer {
    let slot: Slot
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.set(.null) }
    mutating func encode(_ value: Bool) throws { slot.set(.bool(value)) }
    mutating func encode(_ value: String) throws { slot.set(.string(value)) }
    mutating func encode(_ value: Double) throws { slot.set(.number(value)) }
    mutating func encode(_ value: Float) throws { slot.set(.number(Double(value))) }
    mutating func encode(_ value: Int) throws { slot.set(.number(value)) }
    mutating func encode(_ value: Int8) throws { slot.set(.number(Int(value))) }
    mutating func encode(_ value: Int16) throws { slot.set(.number(Int(value))) }
    mutating func encode(_ value: Int32) throws { slot.set(.number(Int(value))) }
    mutating func encode(_ value: Int64) throws { slot.set(.number(Double(value))) }
    mutating func encode(_ value: UInt) throws { slot.set(.number(Double(value))) }
    mutating func encode(_ value: UInt8) throws { slot.set(.number(Int(value))) }
    mutating func encode(_ value: UInt16) throws { slot.set(.number(Int(value))) }
    mutating func encode(_ value: UInt32) throws { slot.set(.number(Int(value))) }
    mutating func encode(_ value: UInt64) throws { slot.set(.number(Double(value))) }
    mutating func encode(_ value: some Encodable) throws { try slot.store(value, codingPath: codingPath) }
}

extension JSONValue: Encodable {
    /// Through `JSONValueEncoder` a `JSONValue` is taken as it is; other encoders get the same shape.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let object):
            var container = encoder.container(keyedBy: JSONKey.self)
            for (key, value) in object.entries { try container.encode(value, forKey: JSONKey(key)) }
        }
    }
}

/// A coding key for free-form object keys.
struct JSONKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
