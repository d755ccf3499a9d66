import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisApp
import SigmarisAuth
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport
import Testing

/// The operator routes against the real test database: who may call them, and what each action does
/// to the next turn and to the stored rows.
@Suite("Operator routes", .enabled(if: TestDatabase.shouldRun))
struct OperatorRouteTests {
    static let listedOperator = UUID()

    static func app(authDisabled: Bool = false) throws -> some ApplicationProtocol {
        var configuration = try TestConfiguration.database()
        configuration.operatorIDs = [listedOperator]
        configuration.authDisabled = authDisabled
        return try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
    }

    static func roleOperatorToken() -> String {
        var claims = JWTClaimsBuilder.user(id: UUID())
        claims.appMetadata = ["provider": "email", "role": "sigmaris_operator"]
        return try! API.signer.sign(claims)
    }

    static func chat(_ client: some TestClientProtocol, _ userID: String, _ message: String = "Hello, how are you?") async throws -> JSONValue {
        try await client.execute(
            uri: "/persona/chat", method: .post, headers: API.bearer(API.serviceToken()),
            body: API.body((["user_id": .string(userID), "message": .string(message), "reward_signal": 1] as JSONValue).serialized())
        ) { response in
            #expect(response.status == .ok)
            return try API.json(response)
        }
    }

    @discardableResult
    static func act(
        _ client: some TestClientProtocol, _ userID: String, _ action: String, reason: String = "test",
        token: String = API.serviceToken(), status: HTTPResponse.Status = .ok
    ) async throws -> JSONValue {
        try await client.execute(
            uri: "/persona/state", method: .post, headers: API.bearer(token),
            body: API.body((["user_id": .string(userID), "action": .string(action), "reason": .string(reason)] as JSONValue).serialized())
        ) { response in
            #expect(response.status == status, "\(action)")
            return try API.json(response)
        }
    }

    static func state(_ client: some TestClientProtocol, _ userID: String) async throws -> JSONValue {
        let query = userID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? userID
        return try await client.execute(uri: "/persona/state?user_id=\(query)", method: .get, headers: API.bearer(API.serviceToken())) { response in
            #expect(response.status == .ok)
            return try API.json(response)
        }
    }

    static func storedGlobalState(_ userID: String) async throws -> (state: String?, lastTurn: String?) {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            let row = try await client.query(
                """
                SELECT (SELECT global_state FROM sigmaris_persona_state WHERE user_id = $1) AS state,
                       (SELECT global_state FROM sigmaris_turns WHERE user_id = $1 AND role = 'assistant'
                        ORDER BY id DESC LIMIT 1) AS last_turn
                """, [.text(userID)])[0]
            return (try row.decode(String?.self, "state"), try row.decode(String?.self, "last_turn"))
        }
    }

    // MARK: Who may call

    @Test func usersAreRefusedAndOperatorsAdmittedOnEveryRoute() async throws {
        let app = try Self.app()
        let userID = "op_access_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            _ = try await Self.chat(client, userID)
            let routes: [(String, HTTPRequest.Method, String?)] = [
                ("/persona/state?user_id=\(userID)", .get, nil),
                ("/persona/state", .post, #"{"user_id":"\#(userID)","action":"resume","reason":"access test"}"#),
                ("/persona/overview", .get, nil),
            ]
            let plainUser = API.userToken(UUID())
            var wrongRole = JWTClaimsBuilder.user(id: UUID())
            wrongRole.appMetadata = ["role": "admin"]
            let admitted = [API.serviceToken(), API.userToken(Self.listedOperator), Self.roleOperatorToken()]
            for (uri, method, body) in routes {
                for token in [plainUser, try API.signer.sign(wrongRole)] {
                    try await client.execute(uri: uri, method: method, headers: API.bearer(token), body: API.body(body ?? "")) { response in
                        #expect(response.status == .forbidden, "\(method) \(uri)")
                        let answer = try API.json(response)
                        #expect(answer["reason"]?.stringValue == "not_operator")
                    }
                }
                try await client.execute(uri: uri, method: method, headers: [.contentType: "application/json"], body: API.body(body ?? "")) { response in
                    #expect(response.status == .unauthorized, "\(method) \(uri)")
                }
                for token in admitted {
                    try await client.execute(uri: uri, method: method, headers: API.bearer(token), body: API.body(body ?? "")) { response in
                        #expect(response.status == .ok, "\(method) \(uri)")
                    }
                }
            }
        }
        // Three admitted resumes, no refused one.
        let audit = try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            try await client.query("SELECT operator FROM sigmaris_operator_actions WHERE user_id = $1 ORDER BY id", [.text(userID)])
                .map { try $0.decode(String.self, "operator") }
        }
        #expect(audit.count == 3)
        #expect(audit[0] == "service" && audit[1] == Self.listedOperator.uuidString.lowercased())
    }

    @Test func authDisabledStillNeedsAnOperatorCredential() async throws {
        let app = try Self.app(authDisabled: true)
        try await app.test(.router) { client in
            try await client.execute(uri: "/persona/overview", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    // MARK: The actions

    @Test func silenceMakesEveryTurnSilentUntilResumeAndBothAreAudited() async throws {
        let app = try Self.app()
        let userID = "op_silence_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            #expect(try await Self.chat(client, userID)["meta"]?["global_state"]?["state"]?.stringValue == "NORMAL")

            let silenced = try await Self.act(client, userID, "silence", reason: "abusive session")
            #expect(silenced["action"]?["action"]?.stringValue == "silence")
            #expect(silenced["action"]?["operator"]?.stringValue == "service")
            for message in ["Hello again", "Please explain the structure and the reasons why, step by step"] {
                let meta = try await Self.chat(client, userID, message)["meta"]
                #expect(meta?["global_state"]?["state"]?.stringValue == "SILENT")
                #expect(try await Self.storedGlobalState(userID) == ("SILENT", "SILENT"))
            }
            let held = try await Self.state(client, userID)["state"]
            #expect(held?["silenced"] == true)
            #expect(held?["global_state"]?.stringValue == "SILENT")
            #expect(held?["turn_count"]?.doubleValue == 3)

            try await Self.act(client, userID, "resume", reason: "cleared")
            #expect(try await Self.chat(client, userID, "Hello once more")["meta"]?["global_state"]?["state"]?.stringValue == "NORMAL")
            #expect(try await Self.storedGlobalState(userID) == ("NORMAL", "NORMAL"))

            let after = try await Self.state(client, userID)["state"]
            #expect(after?["silenced"] == false)
            let actions = after?["actions"]?.arrayValue ?? []
            #expect(actions.map { $0["action"]?.stringValue } == ["resume", "silence"])
            #expect(actions.map { $0["reason"]?.stringValue } == ["cleared", "abusive session"])
            #expect(actions.allSatisfy { ($0["created_at"]?.stringValue ?? "").hasSuffix("Z") })
        }
    }

    @Test func silenceAlsoHoldsTheUsersOwnAEITurnsAndMarksTheirTimeSeries() async throws {
        let app = try Self.app()
        let user = UUID()
        let userID = user.uuidString.lowercased()
        try await app.test(.router) { client in
            _ = try await AEITests.post(client, user: user, text: "Hello, who are you?")
            try await Self.act(client, userID, "silence", reason: "hold")
            _ = try await AEITests.post(client, user: user, text: "Hello again")
            try await client.execute(uri: "/api/state/timeseries", method: .get, headers: API.bearer(API.userToken(user))) { response in
                let points = try API.json(response)["snapshots"]?.arrayValue ?? []
                // The turn, the action's marker, the held turn; the existing fields only.
                #expect(points.map { $0["global_state"]?.stringValue } == ["NORMAL", "NORMAL", "SILENT"])
                #expect(points[1]["overload_score"] == .null && points[1]["reflective_score"] == .null)
                #expect(points.allSatisfy { $0.objectValue?.keys.contains("meta") == false })
            }
            let latest = try await Self.state(client, userID)["state"]?["latest_snapshot"]
            #expect(latest?["global_state"]?.stringValue == "SILENT")
        }
        // The marker row tells the user what happened, not who did it or why.
        let markers = try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            try await client.query(
                "SELECT meta::text AS meta FROM sigmaris_state_snapshots WHERE user_id = $1 AND trace_id LIKE 'operator-action-%'",
                [.uuid(user)]
            ).map { try JSONValue(parsing: Array(try $0.decode(String.self, "meta").utf8)) }
        }
        #expect(markers.count == 1)
        #expect(markers.first?["operator_action"]?.objectValue?.keys == ["id", "action"])
        #expect(markers.first?["operator_action"]?["action"]?.stringValue == "silence")
    }

    @Test func resetPutsValueAndTraitBackToTheEnginesInitialStateAndKeepsHistory() async throws {
        let app = try Self.app()
        let userID = "op_reset_\(UUID().uuidString.prefix(8))"
        let initial = PersonaState.initial
        try await app.test(.router) { client in
            for _ in 0..<3 { _ = try await Self.chat(client, userID, "Thank you, that was helpful") }
            let drifted = try await Self.state(client, userID)["state"]
            // jsonb keeps its own key order, so compare as the engine reads the states.
            #expect(ValueState(json: drifted?["value_state"] ?? .null) != initial.value)

            let reset = try await Self.act(client, userID, "reset", reason: "drifted")
            #expect(reset["action"]?["action"]?.stringValue == "reset")
            let after = try await Self.state(client, userID)["state"]
            #expect(ValueState(json: after?["value_state"] ?? .null) == initial.value)
            #expect(TraitState(json: after?["trait_state"] ?? .null) == initial.trait)
            #expect(after?["turn_count"]?.doubleValue == 3)
            #expect(after?["silenced"] == false)
        }
        // History kept: every turn's rows are still there.
        #expect(try await API.rowCounts(userID: userID).turns == 6)
        let audit = try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            try await client.query(
                "SELECT action, operator, reason FROM sigmaris_operator_actions WHERE user_id = $1", [.text(userID)]
            ).map { [try $0.decode(String.self, "action"), try $0.decode(String.self, "operator"), try $0.decode(String.self, "reason")] }
        }
        #expect(audit == [["reset", "service", "drifted"]])
    }

    // MARK: Bad input

    @Test(arguments: [
        ("not json", "invalid_json"),
        (#"{"action":"silence","reason":"r"}"#, "missing_user_id"),
        (#"{"user_id":"USER","reason":"r"}"#, "missing_action"),
        (#"{"user_id":"USER","action":"mute","reason":"r"}"#, "invalid_action"),
        (#"{"user_id":"USER","action":"silence"}"#, "missing_reason"),
        (#"{"user_id":"USER","action":"silence","reason":"   "}"#, "missing_reason"),
        (#"{"user_id":"USER","action":"silence","reason":7}"#, "invalid_field"),
        (#"{"user_id":"USER\u0001","action":"silence","reason":"r"}"#, "invalid_characters"),
    ])
    func badActionsAre400AndChangeNothing(_ body: String, _ reason: String) async throws {
        let app = try Self.app()
        let userID = "op_bad_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            _ = try await Self.chat(client, userID)
            try await client.execute(
                uri: "/persona/state", method: .post, headers: API.bearer(API.serviceToken()),
                body: API.body(body.replacingOccurrences(of: "USER", with: userID))
            ) { response in
                #expect(response.status == .badRequest)
                let answer = try API.json(response)
                #expect(answer["reason"]?.stringValue == reason)
            }
            let state = try await Self.state(client, userID)["state"]
            #expect(state?["actions"]?.arrayValue?.isEmpty == true)
            #expect(state?["silenced"] == false)
        }
    }

    @Test func anUnknownUserIs404ForBothReadAndAction() async throws {
        let app = try Self.app()
        let userID = "op_nobody_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            try await client.execute(uri: "/persona/state?user_id=\(userID)", method: .get, headers: API.bearer(API.serviceToken())) { response in
                #expect(response.status == .notFound)
                let answer = try API.json(response)
                #expect(answer["reason"]?.stringValue == "unknown_user")
            }
            let answer = try await Self.act(client, userID, "silence", status: .notFound)
            #expect(answer["reason"]?.stringValue == "unknown_user")
            try await client.execute(uri: "/persona/state", method: .get, headers: API.bearer(API.serviceToken())) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try await API.rowCounts(userID: userID).personaState == 0)
    }

    @Test func theOverviewHasItsFiveParts() async throws {
        let app = try Self.app()
        let userID = "op_overview_route_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            _ = try await Self.chat(client, userID)
            try await Self.act(client, userID, "silence")
            try await client.execute(uri: "/persona/overview", method: .get, headers: API.bearer(API.serviceToken())) { response in
                #expect(response.status == .ok)
                let overview = try API.json(response)["overview"]
                #expect(overview?.objectValue?.keys == ["users_by_state", "attention", "turns_per_hour", "flagged", "policy_triggers"])
                #expect((overview?["users_by_state"]?.arrayValue ?? []).contains { $0["global_state"]?.stringValue == "NORMAL" })
                #expect((overview?["turns_per_hour"]?.arrayValue ?? []).contains { ($0["turns"]?.doubleValue ?? 0) >= 1 })
            }
        }
    }
}
