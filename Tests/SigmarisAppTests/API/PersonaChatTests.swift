import Foundation
import HTTPTypes
import HummingbirdTesting
import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

@Suite("POST /persona/chat", .enabled(if: TestDatabase.shouldRun))
struct PersonaChatTests {
    @Test func serviceCallerDrivesAnyUserAndGetsReplyAndMeta() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let userID = "u_test_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/persona/chat", method: .post, headers: API.bearer(API.serviceToken()),
                body: API.body(#"{"user_id":"\#(userID)","session_id":"s_test_001","message":"Hello. Describe your role in one sentence."}"#)
            ) { response in
                #expect(response.status == .ok)
                let body = try API.json(response)
                #expect(body.objectValue?.keys == ["reply", "meta"])
                let reply = body["reply"]?.stringValue ?? ""
                #expect(reply.count > 0)
                #expect(body["meta"]?["trace_id"]?.stringValue?.count == 32)
                #expect(body["meta"]?["global_state"]?["state"]?.stringValue == "NORMAL")
                #expect(response.headers[.init("x-sigmaris-model")!] == "sigmaris-local-v1")
            }
        }
        #expect(try await API.rowCounts(userID: userID) == .init(messages: 0, snapshots: 0, turns: 2, episodes: 1, personaState: 1))
    }

    @Test func aUserMayOnlySpeakForThemself() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/persona/chat", method: .post, headers: API.bearer(API.userToken(user)),
                body: API.body(#"{"user_id":"someone-else","message":"hi"}"#)
            ) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(
                uri: "/persona/chat", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"message":"hi"}"#)
            ) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/persona/chat", method: .post, body: API.body(#"{"user_id":"x","message":"hi"}"#)) { response in
                #expect(response.status == .unauthorized)
                let answer = try API.json(response)
                #expect(answer["reason"]?.stringValue == "missing_token")
            }
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()).turns == 2)
        #expect(try await API.rowCounts(userID: "someone-else").turns == 0)
    }

    @Test func withAuthDisabledTheSeedCurlWorksAsWritten() async throws {
        var configuration = try TestConfiguration.database()
        configuration.authDisabled = true
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
        let userID = "u_seed_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/persona/chat", method: .post, headers: [.contentType: "application/json"],
                body: API.body(#"{"user_id":"\#(userID)","session_id":"s_test_001","message":"Hello. Describe your role in one sentence."}"#)
            ) { response in
                #expect(response.status == .ok)
            }
            // Still no anonymous access to user routes.
            try await client.execute(uri: "/api/state/latest", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    /// What a page on another site can send with auth disabled: a `text/plain` body needs no CORS
    /// preflight (415), and a JSON one from a foreign origin is refused before it runs (403).
    @Test func withAuthDisabledOtherPagesCannotStartTurns() async throws {
        var configuration = try TestConfiguration.database()
        configuration.authDisabled = true
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
        let userID = "u_page_\(UUID().uuidString.prefix(8))"
        let body = #"{"user_id":"\#(userID)","message":"Hello from another site"}"#
        try await app.test(.router) { client in
            for type in ["text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                try await client.execute(uri: "/persona/chat", method: .post, headers: [.contentType: type], body: API.body(body)) { response in
                    #expect(response.status == .unsupportedMediaType, "\(type)")
                    let answer = try API.json(response)
                    #expect(answer["reason"]?.stringValue == "unsupported_media_type")
                }
            }
            try await client.execute(
                uri: "/persona/chat", method: .post, headers: [.contentType: "application/json", .origin: "http://evil.example"], body: API.body(body)
            ) { response in
                #expect(response.status == .forbidden)
                let answer = try API.json(response)
                #expect(answer["reason"]?.stringValue == "forbidden_origin")
            }
        }
        #expect(try await API.rowCounts(userID: userID) == API.RowCounts())
    }

    /// Every mode: a body the server reads as JSON must say so; parameters and case do not matter.
    @Test func theBodyMustBeLabelledJSON() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let userID = "u_type_\(UUID().uuidString.prefix(8))"
        let body = #"{"user_id":"\#(userID)","message":"hi"}"#
        let token = "Bearer " + API.serviceToken()
        try await app.test(.router) { client in
            for type in [nil, "text/plain", "application/jsonx", "application/json-seq", "text/json"] as [String?] {
                var headers: HTTPFields = [.authorization: token]
                if let type { headers[.contentType] = type }
                try await client.execute(uri: "/persona/chat", method: .post, headers: headers, body: API.body(body)) { response in
                    #expect(response.status == .unsupportedMediaType, "\(type ?? "none")")
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                }
            }
            var twice: HTTPFields = [.authorization: token]
            twice.append(HTTPField(name: .contentType, value: "application/json"))
            twice.append(HTTPField(name: .contentType, value: "text/plain"))
            try await client.execute(uri: "/persona/chat", method: .post, headers: twice, body: API.body(body)) { response in
                #expect(response.status == .unsupportedMediaType, "two Content-Type headers")
            }
            #expect(try await API.rowCounts(userID: userID) == API.RowCounts())
            for type in ["application/json", "Application/JSON; charset=utf-8", "application/json;charset=UTF-8"] {
                try await client.execute(uri: "/persona/chat", method: .post, headers: [.authorization: token, .contentType: type], body: API.body(body)) { response in
                    #expect(response.status == .ok, "\(type)")
                }
            }
        }
    }

    @Test(arguments: [
        ("not json", "invalid_json"),
        ("[1,2]", "invalid_json"),
        (#"{"user_id":"u"}"#, "missing_message"),
        (#"{"user_id":"u","message":42}"#, "invalid_field"),
        (#"{"user_id":"u","message":"hi","reward_signal":"high"}"#, "invalid_field"),
        (#"{"user_id":"u","message":"hi","reward_signal":1e999}"#, "invalid_json"),
        (#"{"user_id":"u","message":"hi","affect_signal":[1]}"#, "invalid_field"),
        (#"{"message":"hi"}"#, "missing_user_id"),
    ])
    func badBodiesAre400AndStoreNothing(body: String, reason: String) async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let userID = "u-bad-\(UUID().uuidString.lowercased())"
        let body = body.replacingOccurrences(of: #""user_id":"u""#, with: #""user_id":"\#(userID)""#)
        try await app.test(.router) { client in
            try await client.execute(uri: "/persona/chat", method: .post, headers: API.bearer(API.serviceToken()), body: API.body(body)) { response in
                #expect(response.status == .badRequest)
                let json = try API.json(response)
                #expect(json["reason"]?.stringValue == reason)
                #expect(json["error"]?.stringValue != nil)
            }
        }
        let counts = try await API.rowCounts(userID: userID)
        #expect(counts == API.RowCounts(), "\(counts)")
    }

    @Test func anOverlongMessageIsRefused() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let long = String(repeating: "a", count: 16_001)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/persona/chat", method: .post, headers: API.bearer(API.serviceToken()),
                body: API.body(#"{"user_id":"u-long","message":"\#(long)"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                let answer = try API.json(response)
                #expect(answer["reason"]?.stringValue == "message_too_long")
            }
        }
        let counts = try await API.rowCounts(userID: "u-long")
        #expect(counts == API.RowCounts(), "\(counts)")
    }
}
