import Foundation
import Hummingbird
import HummingbirdTesting
import SigmarisAuth
import Testing

@testable import SigmarisApp

/// Every route of the operator group refuses a non-operator, whatever routes the group has: the
/// routes are walked from the group as `buildRouter` adds it, not listed by hand, so a route added
/// to the group later is held to the same rule (and needs no database: the refusal comes first).
@Suite("Operator route group")
struct OperatorGroupGuardTests {
    /// A concrete path for a route's pattern: `:name` and `**` segments get a placeholder.
    static func concretePath(_ pattern: String) -> String {
        pattern.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            segment.hasPrefix(":") || segment.hasPrefix("*") ? "x" : String(segment)
        }.joined(separator: "/")
    }

    @Test func everyRouteOfTheGroupRefusesANonOperator() async throws {
        let services = try AppServices(configuration: TestConfiguration.unreachableDatabase(), logger: TestConfiguration.logger)
        let group = Router(context: SigmarisRequestContext.self)
        addOperatorRoutes(to: group, services: services)
        let routes = group.routes.map { (path: Self.concretePath($0.path.description), method: $0.method) }
        #expect(routes.count >= 3, "\(routes)")

        var wrongRole = JWTClaimsBuilder.user(id: UUID())
        wrongRole.appMetadata = ["role": "admin"]
        let nonOperators = [API.userToken(UUID()), try API.signer.sign(wrongRole)]
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            for route in routes {
                for token in nonOperators {
                    try await client.execute(uri: route.path, method: route.method, headers: API.bearer(token), body: API.body("{}")) { response in
                        #expect(response.status == .forbidden, "\(route.method) \(route.path)")
                        let answer = try API.json(response)
                        #expect(answer["reason"]?.stringValue == "not_operator", "\(route.method) \(route.path)")
                    }
                }
                try await client.execute(uri: route.path, method: route.method, headers: [.contentType: "application/json"], body: API.body("{}")) { response in
                    #expect(response.status == .unauthorized, "\(route.method) \(route.path)")
                }
            }
        }
    }
}
