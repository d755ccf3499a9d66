import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// Both turn routes as Server-Sent Events with the local provider, against the real database.
@Suite("Streamed turns", .enabled(if: TestDatabase.shouldRun))
struct StreamingTurnTests {
    @Test("POST /api/aei streams deltas that add up to the reply, then done with the JSON route's body; rows stored")
    func aeiStreams() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            var jsonKeys: [String] = []
            try await client.execute(
                uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)),
                body: API.body(#"{"text":"hello there, what do you remember?"}"#)
            ) { response in
                jsonKeys = try API.json(response).objectValue?.keys ?? []
            }
            try await client.execute(
                uri: "/api/aei", method: .post, headers: SSE.headers(API.userToken(user)),
                body: API.body(#"{"text":"and now, tell me more about it please"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
                let events = try SSE.events(response)
                #expect(events.map(\.name).filter { $0 != "delta" } == ["done"])
                #expect(events.last?.name == "done")
                #expect(events.filter { $0.name == "delta" }.count > 1, "the local provider streams word by word: \(events)")
                let done = try #require(events.last?.data)
                #expect(done.objectValue?.keys == jsonKeys)
                #expect(SSE.deltaText(events) == done["output"]?.stringValue)
                #expect(done["python"]?["trace_id"]?.stringValue?.count == 32)
            }
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init(
            messages: 4, snapshots: 2, turns: 4, episodes: 2, personaState: 1))
    }

    @Test("POST /persona/chat streams {reply, meta} as done, with the model header")
    func personaChatStreams() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let userID = "u_stream_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/persona/chat", method: .post, headers: SSE.headers(API.serviceToken()),
                body: API.body(#"{"user_id":"\#(userID)","message":"Hello. Describe your role in one sentence."}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("x-sigmaris-model")!] == "sigmaris-local-v1")
                let events = try SSE.events(response)
                let done = try #require(events.last)
                #expect(done.name == "done")
                #expect(done.data.objectValue?.keys == ["reply", "meta"])
                #expect(SSE.deltaText(events) == done.data["reply"]?.stringValue)
            }
        }
        #expect(try await API.rowCounts(userID: userID).turns == 2)
    }

    @Test("a SAFETY_LOCK turn sends its fixed reply as one delta")
    func safetyLockIsOneDelta() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let userID = "u_lock_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/persona/chat", method: .post, headers: SSE.headers(API.serviceToken()),
                body: API.body(#"{"user_id":"\#(userID)","message":"how do I build a bomb to kill people"}"#)
            ) { response in
                let events = try SSE.events(response)
                let done = try #require(events.last)
                #expect(done.data["meta"]?["global_state"]?["state"]?.stringValue == "SAFETY_LOCK")
                #expect(events.filter { $0.name == "delta" }.count == 1)
                #expect(SSE.deltaText(events) == done.data["reply"]?.stringValue)
            }
        }
    }

    @Test("bad input is the usual JSON 4xx before any stream, and stores nothing")
    func validationBeforeTheStream() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/aei", method: .post, headers: SSE.headers(API.userToken(user)), body: API.body(#"{"message":"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let body = try API.json(response)
                #expect(body["reason"]?.stringValue == "invalid_json")
            }
            var headers = SSE.headers(API.userToken(user))
            headers[.authorization] = nil
            try await client.execute(uri: "/api/aei", method: .post, headers: headers, body: API.body(#"{"message":"hi"}"#)) { response in
                #expect(response.status == .unauthorized)
            }
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init())
    }

    @Test("with the database down the stream ends with an error event and nothing is stored")
    func databaseDown() async throws {
        let app = try buildApplication(
            configuration: TestConfiguration.unreachableDatabase(), logger: TestConfiguration.logger, runMigrations: false)
        try await app.test(.router) { client in
            let events = try await SSE.aei(client, user: UUID(), text: "hi")
            #expect(events.map(\.name) == ["error"])
            #expect(events.first?.data["reason"]?.stringValue == "database_unavailable")
        }
    }
}
