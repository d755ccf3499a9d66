import Testing
@testable import SigmarisStore

@Suite("CostBoundedLRU")
struct CostBoundedLRUTests {
    @Test func dropsTheLeastRecentlyUsedUntilTheBudgetHolds() {
        var lru = CostBoundedLRU<String, Int>(budget: 10)
        lru.set(1, cost: 4, for: "a")
        lru.set(2, cost: 4, for: "b")
        #expect(lru.value(for: "a") == 1)  // a is now newer than b
        lru.set(3, cost: 4, for: "c")
        #expect(lru.value(for: "b") == nil)
        #expect(lru.value(for: "a") == 1 && lru.value(for: "c") == 3)
        #expect(lru.totalCost == 8 && lru.count == 2)
        lru.set(4, cost: 10, for: "d")
        #expect(lru.count == 1 && lru.value(for: "d") == 4 && lru.totalCost == 10)
    }

    @Test func replacingAnEntryCountsOnlyItsNewCost() {
        var lru = CostBoundedLRU<String, Int>(budget: 10)
        lru.set(1, cost: 6, for: "a")
        lru.set(2, cost: 3, for: "a")
        #expect(lru.totalCost == 3 && lru.value(for: "a") == 2)
        lru.set(5, cost: 7, for: "b")
        #expect(lru.count == 2 && lru.totalCost == 10)
    }

    @Test func anEntryOverTheWholeBudgetIsNotKeptAndTakesItsOldValueAway() {
        var lru = CostBoundedLRU<String, Int>(budget: 5)
        lru.set(1, cost: 2, for: "a")
        lru.set(2, cost: 6, for: "a")
        #expect(lru.value(for: "a") == nil && lru.totalCost == 0)
        var off = CostBoundedLRU<String, Int>(budget: 0)
        off.set(1, cost: 1, for: "x")
        #expect(off.count == 0)
    }

    @Test func manyInsertionsAndRemovalsKeepTheListConsistent() {
        var lru = CostBoundedLRU<Int, Int>(budget: 50)
        var random = SystemRandomNumberGenerator()
        var reference = [Int: Int]()
        for step in 0..<5000 {
            let key = Int.random(in: 0..<40, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0:
                lru.set(step, cost: 1, for: key)
                reference[key] = step
            case 1:
                lru.removeValue(for: key)
                reference[key] = nil
            default:
                if let value = lru.value(for: key) { #expect(reference[key] == value) }
            }
            #expect(lru.totalCost == lru.count && lru.count <= 50)
        }
    }
}
