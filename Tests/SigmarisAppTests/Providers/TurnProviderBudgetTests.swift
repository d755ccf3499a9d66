@testable import SigmarisApp
import SigmarisCurl
import Testing

/// A turn's provider calls share one deadline (`TurnProviderBudget`): a call's own deadline is cut
/// to the turn's, never extended by it.
@Suite("A turn's budget for provider calls")
struct TurnProviderBudgetTests {
    static let request = HTTPRequest(method: .post, url: "http://127.0.0.1:1/v1/chat/completions")

    @Test func outsideATurnARequestKeepsItsOwnDeadline() {
        let own = Self.request.within(.seconds(60))
        #expect(TurnProviderBudget.bounding(own).deadline == own.deadline)
    }

    @Test func insideATurnTheEarlierDeadlineWins() async {
        await TurnProviderBudget.run(within: .seconds(5)) {
            let turnEnd = TurnProviderBudget.deadline
            #expect(turnEnd != nil)
            // A call made late in the turn: its own 60 s would end after the turn's budget.
            #expect(TurnProviderBudget.bounding(Self.request.within(.seconds(60))).deadline == turnEnd)
            // A call whose own deadline comes first keeps it.
            let short = Self.request.within(.milliseconds(10))
            #expect(TurnProviderBudget.bounding(short).deadline == short.deadline)
            // A request without a deadline gets the turn's.
            #expect(TurnProviderBudget.bounding(Self.request).deadline == turnEnd)
        }
    }

    @Test func aTaskStartedInsideTheTurnInheritsTheBudget() async {
        // The safety anchors' embedding runs in a task one turn starts for all (SafetyAnchorCache).
        await TurnProviderBudget.run(within: .seconds(5)) {
            let turnEnd = TurnProviderBudget.deadline
            let inherited = await Task { TurnProviderBudget.deadline }.value
            #expect(inherited == turnEnd)
        }
    }
}
