import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisEngine
import SigmarisJSON
import SigmarisTestSupport
import Testing

@Suite("/api/aei and /api/state", .enabled(if: TestDatabase.shouldRun))
struct AEITests {
    static func post(_ client: some TestClientProtocol, user: UUID, text: String, session: String? = nil) async throws -> JSONValue {
        var headers = API.bearer(API.userToken(user))
        if let session { headers[.init("x-session-id")!] = session }
        let body = (["text": .string(text)] as JSONValue).serialized()
        return try await client.execute(uri: "/api/aei", method: .post, headers: headers, body: API.body(body)) { response in
            #expect(response.status == .ok)
            return try API.json(response)
        }
    }

    @Test func aTurnStoresTwoMessagesAndOneSnapshot() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            let answer = try await Self.post(client, user: user, text: "Hello, who are you?", session: "s-1")
            #expect(answer.objectValue?.keys == ["success", "sessionId", "output", "traits", "safety", "model", "python"])
            #expect(answer["success"] == true)
            #expect(answer["sessionId"]?.stringValue == "s-1")
            #expect(answer["model"]?.stringValue == "sigmaris-local-v1")
            #expect(answer["traits"] == answer["python"]?["trait"]?["state"])
            #expect(answer["safety"] == answer["python"]?["safety"])

            // Without x-session-id a new session is made.
            let second = try await Self.post(client, user: user, text: "And again")
            #expect(UUID(uuidString: second["sessionId"]?.stringValue ?? "") != nil)

            try await client.execute(uri: "/api/aei?session=s-1", method: .get, headers: API.bearer(API.userToken(user))) { response in
                #expect(response.status == .ok)
                let messages = try API.json(response)["messages"]?.arrayValue ?? []
                #expect(messages.count == 1)
                #expect(messages.first?["user"]?.stringValue == "Hello, who are you?")
                #expect(messages.first?["ai"] == answer["output"])
            }
            try await client.execute(uri: "/api/state/latest", method: .get, headers: API.bearer(API.userToken(user))) { response in
                let snapshot = try API.json(response)["snapshot"]
                #expect(snapshot?["session_id"] == second["sessionId"])
                #expect(snapshot?["trace_id"] == second["python"]?["trace_id"])
                #expect(snapshot?["global_state"] == second["python"]?["global_state"]?["state"])
                #expect(snapshot?["trait_state"] == second["traits"])
            }
        }
        let counts = try await API.rowCounts(userID: user.uuidString.lowercased())
        #expect(counts == .init(messages: 4, snapshots: 2, turns: 4, episodes: 2, personaState: 1))
    }

    @Test func twoUsersNeverSeeEachOthersRows() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let alice = UUID(), bob = UUID()
        try await app.test(.router) { client in
            _ = try await Self.post(client, user: alice, text: "alice's secret", session: "shared")
            try await client.execute(uri: "/api/aei?session=shared", method: .get, headers: API.bearer(API.userToken(bob))) { response in
                let answer = try API.json(response)
                #expect(answer["messages"]?.arrayValue?.isEmpty == true)
            }
            try await client.execute(uri: "/api/state/latest", method: .get, headers: API.bearer(API.userToken(bob))) { response in
                #expect(String(buffer: response.body) == #"{"ok":true,"snapshot":null}"#)
            }
            try await client.execute(uri: "/api/state/timeseries", method: .get, headers: API.bearer(API.userToken(bob))) { response in
                #expect(String(buffer: response.body) == #"{"ok":true,"snapshots":[]}"#)
            }
        }
    }

    @Test func timeseriesIsOldestFirstAndClamped() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            var traces = [String]()
            for i in 0..<3 {
                traces.append(try await Self.post(client, user: user, text: "message \(i)")["python"]?["trace_id"]?.stringValue ?? "")
            }
            for (limit, expected) in [("2", Array(traces.suffix(2))), ("0", Array(traces.suffix(1))), ("-5", Array(traces.suffix(1))),
                                      ("9999", traces), ("abc", traces), ("", traces)] {
                try await client.execute(uri: "/api/state/timeseries?limit=\(limit)", method: .get, headers: API.bearer(API.userToken(user))) { response in
                    let snapshots = try API.json(response)["snapshots"]?.arrayValue ?? []
                    #expect(snapshots.count == expected.count, "limit=\(limit)")
                    let ids = snapshots.compactMap { $0["id"]?.doubleValue }
                    #expect(ids == ids.sorted(), "oldest first")
                    #expect(snapshots.first?.objectValue?.keys == [
                        "id", "global_state", "overload_score", "reflective_score", "memory_pointer_count",
                        "safety_risk_score", "safety_flag", "value_state", "trait_state", "created_at",
                    ])
                }
            }
        }
    }

    @Test(arguments: [
        (#"{"text":""}"#, "Empty message"),
        (#"{"text":"   \n "}"#, "Empty message"),
        (#"{}"#, "Empty message"),
        (#"{"text":5}"#, "text must be a string"),
        ("not json", "Body must be valid JSON"),
    ])
    func badInputIs400AndStoresNothing(body: String, error: String) async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(body)) { response in
                #expect(response.status == .badRequest)
                let answer = try API.json(response)
                #expect(answer["error"]?.stringValue == error)
            }
        }
        let counts = try await API.rowCounts(userID: user.uuidString.lowercased())
        #expect(counts == API.RowCounts(), "\(counts)")
    }

    @Test func authAndSizeErrors() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/aei", method: .post, body: API.body(#"{"text":"hi"}"#)) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
            }
            try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer("garbage"), body: API.body(#"{"text":"hi"}"#)) { response in
                #expect(response.status == .unauthorized)
            }
            // A service credential is not a user.
            try await client.execute(uri: "/api/state/latest", method: .get, headers: API.bearer(API.serviceToken())) { response in
                #expect(response.status == .unauthorized)
            }
            let huge = #"{"text":""# + String(repeating: "x", count: 70_000) + #""}"#
            try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(UUID())), body: API.body(huge)) { response in
                #expect(response.status == .contentTooLarge)
                let answer = try API.json(response)
                #expect(answer["error"] != nil)
            }
        }
    }

    @Test func databaseDownIs503WithRetryAfter() async throws {
        var configuration = TestConfiguration.unreachableDatabase()
        configuration.port = 0
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger, runMigrations: false)
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(UUID())), body: API.body(#"{"text":"hi"}"#)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
                let answer = try API.json(response)
                #expect(answer["error"] != nil)
            }
            try await client.execute(uri: "/api/state/latest", method: .get, headers: API.bearer(API.userToken(UUID()))) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }
}
