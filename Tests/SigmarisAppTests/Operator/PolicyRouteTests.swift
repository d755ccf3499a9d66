import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisApp
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport
import Testing

/// `/persona/policies` on a database of its own (a policy acts on every user's turns, which the
/// shared database's parallel tests must not see): the routes, their refusals, and what a policy
/// does to turns as the operator sees it.
@Suite("Policy routes", .enabled(if: TestDatabase.shouldRun))
struct PolicyRouteTests {
    static let listedOperator = UUID()

    /// An app on a fresh migrated database, and a client on that database.
    static func withApp(_ prefix: String, _ body: @escaping @Sendable (any TestClientProtocol, PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.withFreshMigratedDatabase(prefix: prefix) { database, url in
            var configuration = try TestConfiguration.database()
            configuration.databaseURL = url
            configuration.operatorIDs = [listedOperator]
            let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
            try await app.test(.router) { client in try await body(client, database) }
        }
    }

    static func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
        token: String = API.serviceToken()
    ) async throws -> (status: HTTPResponse.Status, json: JSONValue) {
        try await client.execute(uri: uri, method: method, headers: API.bearer(token), body: API.body(body ?? "")) { response in
            (response.status, try API.json(response))
        }
    }

    static func create(_ client: some TestClientProtocol, _ body: String) async throws -> JSONValue {
        let answer = try await call(client, .post, "/persona/policies", body)
        #expect(answer.status == .created, "\(answer.json)")
        return answer.json["policy"] ?? .null
    }

    static func chat(_ client: some TestClientProtocol, _ userID: String) async throws -> JSONValue {
        let body: JSONValue = ["user_id": .string(userID), "message": "Hello, how are you?", "reward_signal": 1]
        let answer = try await call(client, .post, "/persona/chat", body.serialized())
        #expect(answer.status == .ok)
        return answer.json
    }

    static func policyCount(_ database: PostgresClient) async throws -> Int {
        try await database.query("SELECT count(*)::int AS n FROM sigmaris_policies")[0].decode(Int.self, "n")
    }

    @Test func createListChangeAndDelete() async throws {
        try await Self.withApp("sigmaris_policy_crud") { client, _ in
            let created = try await Self.create(client, """
                {"name":"Overloaded","when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":3},
                 "action":"silence","reason":"cool down"}
                """)
            let id = try #require(created["id"]?.intValue)
            #expect(created["name"] == "Overloaded")
            #expect(created["when"] == ["metric": "overload_score", "op": ">=", "value": 0.8, "forTurns": 3])
            #expect(created["action"] == "silence" && created["reason"] == "cool down" && created["enabled"] == true)
            #expect(created["triggers"] == 0 && created["last_triggered_at"] == .null)

            // Any operator credential: a listed operator's token too.
            let listed = try await Self.call(client, .get, "/persona/policies", token: API.userToken(Self.listedOperator))
            #expect(listed.status == .ok)
            #expect(listed.json["policies"]?.arrayValue == [created])

            let disabled = try await Self.call(client, .patch, "/persona/policies/\(id)", #"{"enabled":false}"#)
            #expect(disabled.status == .ok)
            #expect(disabled.json["policy"]?["enabled"] == false)
            let changed = try await Self.call(
                client, .patch, "/persona/policies/\(id)", #"{"when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":5},"name":"Hot"}"#)
            #expect(changed.json["policy"]?["when"]?["forTurns"] == 5)
            #expect(changed.json["policy"]?["when"]?["metric"] == "overload_score")
            #expect(changed.json["policy"]?["name"] == "Hot" && changed.json["policy"]?["enabled"] == false)

            for (method, body) in [(HTTPRequest.Method.patch, #"{"enabled":true}"#), (.delete, nil)] {
                for missing in ["\(id + 1000)", "abc", "-1"] {
                    let answer = try await Self.call(client, method, "/persona/policies/\(missing)", body)
                    #expect(answer.status == .notFound, "\(method) \(missing)")
                    #expect(answer.json["reason"] == "policy_not_found")
                }
            }
            let deleted = try await Self.call(client, .delete, "/persona/policies/\(id)")
            #expect(deleted.status == .ok && deleted.json["deleted"]?.intValue == id)
            #expect(try await Self.call(client, .get, "/persona/policies").json["policies"]?.arrayValue?.isEmpty == true)
            #expect(try await Self.call(client, .delete, "/persona/policies/\(id)").status == .notFound)
        }
    }

    @Test func aBadPolicyIsRefusedWithItsReasonAndNothingIsStored() async throws {
        let cases: [(body: String, reason: String)] = [
            (#"{"when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":1},"action":"flag"}"#, "missing_name"),
            (#"{"name":" ","when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":1},"action":"flag"}"#, "missing_name"),
            (#"{"name":"x","when":{"metric":"mood","op":">=","value":0.8,"forTurns":1},"action":"flag"}"#, "invalid_metric"),
            (#"{"name":"x","when":{"metric":"overload_score","op":"~","value":0.8,"forTurns":1},"action":"flag"}"#, "invalid_op"),
            (#"{"name":"x","when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":1},"action":"page"}"#, "invalid_action"),
            (#"{"name":"x","when":{"metric":"overload_score","op":">=","value":"high","forTurns":1},"action":"flag"}"#, "invalid_value"),
            (#"{"name":"x","when":{"metric":"overload_score","op":">=","value":true,"forTurns":1},"action":"flag"}"#, "invalid_value"),
            (#"{"name":"x","when":{"metric":"global_state","op":">","value":"NORMAL","forTurns":1},"action":"flag"}"#, "invalid_op"),
            (#"{"name":"x","when":{"metric":"global_state","op":"==","value":1,"forTurns":1},"action":"flag"}"#, "invalid_value"),
            (#"{"name":"x","when":{"metric":"safety_flag","op":"==","value":"red","forTurns":1},"action":"flag"}"#, "invalid_value"),
            (#"{"name":"x","when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":0},"action":"flag"}"#, "invalid_for_turns"),
            (#"{"name":"x","when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":1.5},"action":"flag"}"#, "invalid_for_turns"),
            (#"{"name":"x","when":{"metric":"overload_score","op":">=","value":0.8},"action":"flag"}"#, "missing_for_turns"),
            (#"{"name":"x","action":"flag"}"#, "missing_metric"),
            (#"{"name":"x","when":"always","action":"flag"}"#, "invalid_field"),
            (#"{"name":5,"when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":1},"action":"flag"}"#, "invalid_field"),
            (#"{"name":"x","when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":1},"action":"flag","enabled":"yes"}"#, "invalid_field"),
            ("[1]", "invalid_json"),
        ]
        try await Self.withApp("sigmaris_policy_refusals") { client, database in
            for (body, reason) in cases {
                let answer = try await Self.call(client, .post, "/persona/policies", body)
                #expect(answer.status == .badRequest, "\(body)")
                #expect(answer.json["reason"]?.stringValue == reason, "\(body): \(answer.json)")
                #expect(answer.json["error"]?.stringValue?.isEmpty == false)
            }
            #expect(try await Self.policyCount(database) == 0)

            // A change that leaves a bad policy is refused too, and the policy stays as it was.
            let policy = try await Self.create(client, #"{"name":"p","when":{"metric":"overload_score","op":">=","value":0.8,"forTurns":1},"action":"notify"}"#)
            let id = policy["id"]?.intValue ?? 0
            for (body, reason) in [
                // A `when` replaces the stored one whole: a part of one is refused.
                (#"{"when":{"forTurns":5}}"#, "missing_metric"),
                (#"{"when":{}}"#, "missing_metric"),
                (#"{"when":{"metric":"global_state","op":">=","value":"NORMAL","forTurns":1}}"#, "invalid_op"),
                (#"{"when":{"metric":"overload_score","op":">=","value":1,"forTurns":0}}"#, "invalid_for_turns"),
                (#"{"name":""}"#, "missing_name"),
                (#"{"action":"shout"}"#, "invalid_action"),
            ] {
                let answer = try await Self.call(client, .patch, "/persona/policies/\(id)", body)
                #expect(answer.status == .badRequest, "\(body)")
                #expect(answer.json["reason"]?.stringValue == reason, "\(body)")
            }
            #expect(try await Self.call(client, .get, "/persona/policies").json["policies"]?.arrayValue == [policy])
        }
    }

    /// A silence policy, seen through the routes: the crossing turn's answer is still the engine's,
    /// the next one is SILENT, and `/persona/state` shows the action with the policy as its actor.
    @Test func aSilencePolicyHoldsTheUserFromTheNextTurnOn() async throws {
        try await Self.withApp("sigmaris_policy_silence_route") { client, _ in
            let policy = try await Self.create(
                client, #"{"name":"calm","when":{"metric":"safety_flag","op":"==","value":"none","forTurns":2},"action":"silence"}"#)
            let userID = "policy_route_\(UUID().uuidString.prefix(8))"
            #expect(try await Self.chat(client, userID)["meta"]?["global_state"]?["state"] == "NORMAL")
            #expect(try await Self.chat(client, userID)["meta"]?["global_state"]?["state"] != "SILENT")
            #expect(try await Self.chat(client, userID)["meta"]?["global_state"]?["state"] == "SILENT")
            let state = try await Self.call(client, .get, "/persona/state?user_id=\(userID)")
            #expect(state.json["state"]?["silenced"] == true)
            let actions = state.json["state"]?["actions"]?.arrayValue ?? []
            #expect(actions.count == 1)
            #expect(actions.first?["operator"]?.stringValue == "policy:\(policy["id"]?.intValue ?? 0)")
            #expect(actions.first?["action"] == "silence")
            // The gauge counts the user (this database holds no other).
            let samples = try await Metrics.scrape(client).samples
            #expect(samples.total(SigmarisMetrics.Name.usersSilenced) == 1)
            #expect(samples.total(SigmarisMetrics.Name.usersInSafetyLock) == 0)
        }
    }

    @Test func aFlagShowsOnTheOverviewWithTheTrigger() async throws {
        try await Self.withApp("sigmaris_policy_flag_route") { client, _ in
            let policy = try await Self.create(
                client, #"{"name":"review me","when":{"metric":"global_state","op":"==","value":"NORMAL","forTurns":1},"action":"flag","reason":"look"}"#)
            let userID = "policy_flag_\(UUID().uuidString.prefix(8))"
            let turn = try await Self.chat(client, userID)
            let overview = try await Self.call(client, .get, "/persona/overview").json["overview"]
            let flagged = overview?["flagged"]?.arrayValue ?? []
            #expect(flagged.count == 1)
            #expect(flagged.first?["user_id"]?.stringValue == userID)
            #expect(flagged.first?["policy_id"] == policy["id"])
            #expect(flagged.first?["policy_name"] == "review me" && flagged.first?["reason"] == "look")
            #expect(flagged.first?["trace_id"] == turn["meta"]?["trace_id"])
            let triggers = overview?["policy_triggers"]?.arrayValue ?? []
            #expect(triggers.count == 1)
            #expect(triggers.first?["action"] == "flag" && triggers.first?["user_id"]?.stringValue == userID)
            // The policy's own count.
            #expect(try await Self.call(client, .get, "/persona/policies").json["policies"]?[0]?["triggers"] == 1)
        }
    }

    /// `DELETE /api/account` removes the user's streaks, flag and trigger records, and counts them.
    @Test func eraseRemovesTheUsersPolicyRows() async throws {
        try await Self.withApp("sigmaris_policy_erase") { client, database in
            _ = try await Self.create(
                client, #"{"name":"flag all","when":{"metric":"safety_flag","op":"==","value":"none","forTurns":1},"action":"flag"}"#)
            _ = try await Self.create(
                client, #"{"name":"streak","when":{"metric":"safety_flag","op":"==","value":"none","forTurns":50},"action":"notify"}"#)
            let user = UUID()
            _ = try await AEITests.post(client, user: user, text: "Hello there")
            let userID = user.uuidString.lowercased()
            let erased = try await Self.call(client, .delete, "/api/account", #"{"confirm":"DELETE"}"#, token: API.userToken(user))
            #expect(erased.status == .ok)
            #expect(erased.json["deleted"]?["sigmaris_policy_streaks"] == 2)
            #expect(erased.json["deleted"]?["sigmaris_review_flags"] == 1)
            #expect(erased.json["deleted"]?["sigmaris_policy_triggers"] == 1)
            let left = try await database.query("""
                SELECT (SELECT count(*) FROM sigmaris_policy_streaks WHERE user_id = $1)::int
                       + (SELECT count(*) FROM sigmaris_review_flags WHERE user_id = $1)::int
                       + (SELECT count(*) FROM sigmaris_policy_triggers WHERE user_id = $1)::int AS n
                """, [.text(userID)])
            #expect(try left[0].decode(Int.self, "n") == 0)
        }
    }
}
