/// A map that keeps its most recently used entries within a total cost, dropping the least recently
/// used first. Not thread-safe by itself: the owner keeps it behind a lock.
struct CostBoundedLRU<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var cost: Int
        var newer: Int?
        var older: Int?
    }

    /// The most the entries may cost together; an entry that alone costs more is not kept.
    let budget: Int
    private(set) var totalCost = 0
    private var slots = [Node?]()
    private var freeSlots = [Int]()
    private var slotOfKey = [Key: Int]()
    private var newest: Int?
    private var oldest: Int?

    init(budget: Int) {
        self.budget = max(0, budget)
    }

    var count: Int { slotOfKey.count }

    /// Whether `key` has an entry; unlike `value(for:)` it leaves the order alone.
    func contains(_ key: Key) -> Bool {
        slotOfKey[key] != nil
    }

    /// The value for `key`, which becomes the most recently used.
    mutating func value(for key: Key) -> Value? {
        guard let slot = slotOfKey[key] else { return nil }
        unlink(slot)
        linkAsNewest(slot)
        return slots[slot]!.value
    }

    /// Keeps `value` as the most recently used entry, dropping the oldest ones until all fit.
    mutating func set(_ value: Value, cost: Int, for key: Key) {
        removeValue(for: key)
        guard cost <= budget else { return }
        let node = Node(key: key, value: value, cost: cost)
        let slot: Int
        if let free = freeSlots.popLast() {
            slots[free] = node
            slot = free
        } else {
            slots.append(node)
            slot = slots.count - 1
        }
        slotOfKey[key] = slot
        totalCost += cost
        linkAsNewest(slot)
        while totalCost > budget, let victim = oldest {
            removeValue(for: slots[victim]!.key)
        }
    }

    mutating func removeValue(for key: Key) {
        guard let slot = slotOfKey.removeValue(forKey: key) else { return }
        unlink(slot)
        totalCost -= slots[slot]!.cost
        slots[slot] = nil
        freeSlots.append(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let node = slots[slot]!
        if let newer = node.newer { slots[newer]!.older = node.older } else { newest = node.older }
        if let older = node.older { slots[older]!.newer = node.newer } else { oldest = node.newer }
        slots[slot]!.newer = nil
        slots[slot]!.older = nil
    }

    private mutating func linkAsNewest(_ slot: Int) {
        slots[slot]!.older = newest
        slots[slot]!.newer = nil
        if let newest { slots[newest]!.newer = slot }
        newest = slot
        if oldest == nil { oldest = slot }
    }
}
