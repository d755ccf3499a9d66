import Foundation
import Testing
@testable import SigmarisEngine

@Suite("Persona state and turn context")
struct PersonaStateTests {

    @Test("initial state is all zero with no previous global state")
    func initial() {
        #expect(PersonaState.initial.value == .zero)
        #expect(PersonaState.initial.trait == .zero)
        #expect(PersonaState.initial.globalState == nil)
        #expect(PersonaState.initial.turnCount == 0)
    }

    @Test("Codable round trip with snake_case keys; missing members default")
    func codable() throws {
        let state = PersonaState(value: ValueState(safetyBias: 0.25), trait: TraitState(curiosity: -0.5), globalState: .safetyLock, turnCount: 4)
        let data = try JSONEncoder().encode(state)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"global_state\":\"SAFETY_LOCK\""))
        #expect(text.contains("\"turn_count\":4"))
        #expect(try JSONDecoder().decode(PersonaState.self, from: data) == state)
        #expect(try JSONDecoder().decode(PersonaState.self, from: Data("{}".utf8)) == .initial)
        #expect(state.json.objectValue?.keys == ["value", "trait", "global_state", "turn_count"])
    }

    @Test("random contexts carry 32-hex ids")
    func randomContext() {
        let context = TurnContext.random()
        let hex = Set("0123456789abcdef")
        #expect(context.traceID.count == 32 && context.traceID.allSatisfy(hex.contains))
        #expect(context.defaultSessionSuffix.count == 32 && context.defaultSessionSuffix.allSatisfy(hex.contains))
        #expect(context.episodeID.count == 36)
        #expect(context.traceID != TurnContext.random().traceID)
        #expect(!context.textTracing && !context.raiseProviderErrors)
    }
}
