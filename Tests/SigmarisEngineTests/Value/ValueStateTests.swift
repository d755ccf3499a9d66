import Foundation
import Testing
@testable import SigmarisEngine

@Suite("Value and trait state coding")
struct ValueStateTests {

    @Test("JSON keys and order")
    func json() {
        let value = ValueState(stability: 0.5, openness: -0.25, safetyBias: 0, userAlignment: 1)
        #expect(value.json.serialized() == #"{"stability":0.5,"openness":-0.25,"safety_bias":0,"user_alignment":1}"#)
        #expect(ValueState(json: value.json) == value)
        let trait = TraitState(calm: 0.125, empathy: 0, curiosity: -1)
        #expect(trait.json.serialized() == #"{"calm":0.125,"empathy":0,"curiosity":-1}"#)
        #expect(TraitState(json: trait.json) == trait)
    }

    @Test("Codable uses the snake_case keys; missing axes decode as 0")
    func codable() throws {
        let data = try JSONEncoder().encode(ValueState(stability: 0.5, safetyBias: 0.25))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Double]
        #expect(object?["safety_bias"] == 0.25)
        #expect(object?["user_alignment"] == 0)
        let partial = try JSONDecoder().decode(ValueState.self, from: Data(#"{"openness":0.5}"#.utf8))
        #expect(partial == ValueState(openness: 0.5))
        let trait = try JSONDecoder().decode(TraitState.self, from: Data(#"{"calm":-0.5}"#.utf8))
        #expect(trait == TraitState(calm: -0.5))
    }
}
