import Foundation
import SigmarisApp
import Testing

@Suite("SIGMARIS_OPERATORS")
struct OperatorConfigurationTests {
    @Test func aCommaSeparatedListOfUUIDsIsRead() throws {
        let (a, b) = (UUID(), UUID())
        let configuration = try SigmarisConfiguration(environment: [
            "SIGMARIS_OPERATORS": " \(a.uuidString.lowercased()) ,\(b.uuidString)",
        ])
        #expect(configuration.operatorIDs == [a, b])
        #expect(try SigmarisConfiguration(environment: [:]).operatorIDs.isEmpty)
        #expect(try SigmarisConfiguration(environment: ["SIGMARIS_OPERATORS": " "]).operatorIDs.isEmpty)
    }

    @Test(arguments: ["not-a-uuid", "\(UUID().uuidString),", "\(UUID().uuidString),,\(UUID().uuidString)", "admin"])
    func anythingElseIsAConfigurationErrorThatNamesOnlyTheVariable(_ value: String) {
        #expect(throws: ConfigurationError(variable: "SIGMARIS_OPERATORS", expected: "a comma-separated list of user ids (UUIDs)")) {
            try SigmarisConfiguration(environment: ["SIGMARIS_OPERATORS": value])
        }
    }
}
