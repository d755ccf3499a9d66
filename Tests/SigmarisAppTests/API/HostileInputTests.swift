import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// The cases of issue 14 by name: each is a 400 JSON error and writes nothing.
@Suite("Hostile input is a 400 that changes nothing", .enabled(if: TestDatabase.shouldRun))
struct HostileInputTests {
    static func expectRefused(
        _ client: some TestClientProtocol, uri: String, method: HTTPRequest.Method = .post, headers: HTTPFields,
        body: [UInt8]?, reason: String?, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }) { response in
            #expect(response.status == .badRequest, "\(String(buffer: response.body))", sourceLocation: sourceLocation)
            let answer = try API.json(response)
            #expect(answer["error"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
            if let reason { #expect(answer["reason"]?.stringValue == reason, sourceLocation: sourceLocation) }
        }
    }

    @Test func nulAndOtherUnstorableTextOnAEI() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        let headers = API.bearer(API.userToken(user))
        try await app.test(.router) { client in
            // The issue's own reproduction: Postgres cannot store U+0000 (SQLSTATE 22P05 was a 500).
            try await Self.expectRefused(client, uri: "/api/aei", headers: headers, body: Array(#"{"text":"a \u0000 b"}"#.utf8), reason: "invalid_characters")
            // The parser refuses lone surrogates and bytes that are not UTF-8.
            try await Self.expectRefused(client, uri: "/api/aei", headers: headers, body: Array(#"{"text":"a \ud800 b"}"#.utf8), reason: "invalid_json")
            try await Self.expectRefused(client, uri: "/api/aei", headers: headers, body: Array(#"{"text":"a "#.utf8) + [0xC0, 0x80] + Array(#" b"}"#.utf8), reason: "invalid_json")
            try await Self.expectRefused(client, uri: "/api/aei", headers: headers, body: Array((String(repeating: "[", count: 600) + String(repeating: "]", count: 600)).utf8), reason: "invalid_json")
            // A control character in the session id (a tab is a legal header byte).
            var tabbed = headers
            tabbed[.init("x-session-id")!] = "a\tb"
            try await Self.expectRefused(client, uri: "/api/aei", headers: tabbed, body: Array(#"{"text":"hi"}"#.utf8), reason: "invalid_session")
            try await Self.expectRefused(client, uri: "/api/aei?session=a%00b", method: .get, headers: headers, body: nil, reason: "invalid_session")
            // A byte that is not UTF-8 (a browser sends "é" as the Latin-1 byte 0xE9) reaches the
            // handler as U+FFFD: refused, rather than stored as another session's id.
            var latin1 = headers
            latin1[.init("x-session-id")!] = "caf\u{FFFD}"
            try await Self.expectRefused(client, uri: "/api/aei", headers: latin1, body: Array(#"{"text":"hi"}"#.utf8), reason: "invalid_session")
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == API.RowCounts())
    }

    @Test func nulAndControlCharactersOnPersonaChat() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let userID = "u_hostile_\(UUID().uuidString.prefix(8))"
        let headers = API.bearer(API.serviceToken())
        try await app.test(.router) { client in
            for body in [
                #"{"user_id":"\#(userID)","message":"\u0000"}"#,
                #"{"user_id":"\#(userID)\u0000","message":"hi"}"#,
                #"{"user_id":"\#(userID)\u0007","message":"hi"}"#,
                #"{"user_id":"\#(userID)","session_id":"s\u0000","message":"hi"}"#,
                #"{"user_id":"\#(userID)","session_id":"s\u009b","message":"hi"}"#,
                #"{"user_id":"\#(userID)","message":"hi","reward_signal":1e400}"#,
                #"{"user_id":"\#(userID)","message":"hi","affect_signal":{"warmth":"warm"}}"#,
            ] {
                try await Self.expectRefused(client, uri: "/persona/chat", headers: headers, body: Array(body.utf8), reason: nil)
            }
            // Text that only looks odd is fine: tabs, newlines, escapes, emoji and other control characters.
            try await client.execute(
                uri: "/persona/chat", method: .post, headers: headers,
                body: API.body(#"{"user_id":"\#(userID)","message":"tab\there\nand \u0007 bell 😀"}"#)
            ) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await API.rowCounts(userID: userID).turns == 2)
    }
}
