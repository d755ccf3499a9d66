import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

@Suite("/api/sessions", .enabled(if: TestDatabase.shouldRun))
struct SessionsRouteTests {
    static func app() throws -> some ApplicationProtocol {
        try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
    }

    @Test func listsSessionsNewestFirstInTheReferenceShape() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            let first = try await Sessions.turn(client, user: user, session: "0123456789-first", text: "first question")
            _ = try await Sessions.turn(client, user: user, session: "second", text: "second question")
            let again = try await Sessions.turn(client, user: user, session: "second", text: "second again")

            let answer = try await Sessions.call(client, .get, "/api/sessions", user: user)
            #expect(answer.status == .ok)
            #expect(answer.json.objectValue?.keys == ["sessions"])
            let sessions = answer.json["sessions"]?.arrayValue ?? []
            #expect(sessions.count == 2)
            // The set of keys; their order is the response encoder's (declaration order).
            #expect(Set(sessions.first?.objectValue?.keys ?? []) == ["id", "title", "lastMessage", "updatedAt", "messageCount"])
            #expect(sessions.map { $0["id"]?.stringValue } == ["second", "0123456789-first"])
            #expect(sessions[0]["title"]?.stringValue == "Session second")
            #expect(sessions[1]["title"]?.stringValue == "Session 01234567")
            #expect(sessions[0]["messageCount"]?.doubleValue == 4)
            #expect(sessions[1]["messageCount"]?.doubleValue == 2)
            // The newest message of a session is the reply, cut to 60 characters.
            #expect(sessions[0]["lastMessage"]?.stringValue == String((again["output"]?.stringValue ?? "").unicodeScalars.prefix(60)))
            #expect(sessions[1]["lastMessage"]?.stringValue == String((first["output"]?.stringValue ?? "").unicodeScalars.prefix(60)))
            #expect((sessions[0]["updatedAt"]?.stringValue ?? "").wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil)

            // A user with no messages has no sessions.
            let empty = try await Sessions.call(client, .get, "/api/sessions", user: UUID())
            #expect(empty.text == #"{"sessions":[]}"#)
        }
    }

    @Test func aRenameIsTrimmedAndSurvivesTheNextTurn() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "s-rename", text: "hello")
            _ = try await Sessions.turn(client, user: user, session: "s-other", text: "other")
            let renamed = try await Sessions.call(
                client, .patch, "/api/sessions", user: user, body: #"{"sessionId":"s-rename","newTitle":"  Trip plans \n"}"#)
            #expect(renamed.status == .ok)
            #expect(renamed.text == #"{"success":true}"#)

            _ = try await Sessions.turn(client, user: user, session: "s-rename", text: "a new turn after the rename")
            let sessions = try await Sessions.call(client, .get, "/api/sessions", user: user).json["sessions"]?.arrayValue ?? []
            #expect(sessions.first?["id"]?.stringValue == "s-rename")
            #expect(sessions.first?["title"]?.stringValue == "Trip plans")
            #expect(sessions.last?["title"]?.stringValue == "Session s-other")
        }
        // Every row of the session carries the title, including the turn written after the rename.
        let rows = try await Sessions.messageRows(user)
        #expect(rows.filter { $0[0] == "s-rename" }.map { $0[1] } == Array(repeating: "Trip plans", count: 4))
        #expect(rows.filter { $0[0] == "s-other" }.allSatisfy { $0[1] == nil })
    }

    @Test(arguments: [
        (#"{"newTitle":"x"}"#, "missing_session"),
        (#"{"sessionId":"s","newTitle":null}"#, "missing_title"),
        (#"{"sessionId":"s"}"#, "missing_title"),
        (#"{"sessionId":5,"newTitle":"x"}"#, "invalid_field"),
        (#"{"sessionId":"s","newTitle":["x"]}"#, "invalid_field"),
        (#"{"sessionId":"s","newTitle":"   "}"#, "invalid_title"),
        (#"{"sessionId":"  ","newTitle":"x"}"#, "missing_session"),
        (#"{"sessionId":"s\u0007","newTitle":"x"}"#, "invalid_session"),
        (#"{"sessionId":"s","newTitle":"a\u0000b"}"#, "invalid_characters"),
        ("not json", "invalid_json"),
        ("[1]", "invalid_json"),
    ])
    func badRenamesAre400AndChangeNothing(body: String, reason: String) async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "s", text: "hello")
            let answer = try await Sessions.call(client, .patch, "/api/sessions", user: user, body: body)
            #expect(answer.status == .badRequest)
            #expect(answer.json["reason"]?.stringValue == reason, "\(answer.text)")
        }
        #expect(try await Sessions.messageRows(user).allSatisfy { $0[1] == nil })
    }

    @Test func titleLengthIsCountedAfterTrimming() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "s", text: "hello")
            let longest = String(repeating: "é", count: 200)
            let ok = try await Sessions.call(
                client, .patch, "/api/sessions", user: user, body: #"{"sessionId":"s","newTitle":"  \#(longest)  "}"#)
            #expect(ok.status == .ok)
            let tooLong = try await Sessions.call(
                client, .patch, "/api/sessions", user: user, body: #"{"sessionId":"s","newTitle":"\#(longest)x"}"#)
            #expect(tooLong.status == .badRequest)
            #expect(tooLong.json["reason"]?.stringValue == "invalid_title")
            let sessions = try await Sessions.call(client, .get, "/api/sessions", user: user).json["sessions"]?.arrayValue ?? []
            #expect(sessions.first?["title"]?.stringValue == longest)
        }
    }

    @Test func renamingOrDeletingAnUnknownSessionIs404() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "known", text: "hello")
            let rename = try await Sessions.call(
                client, .patch, "/api/sessions", user: user, body: #"{"sessionId":"unknown","newTitle":"x"}"#)
            #expect(rename.status == .notFound)
            #expect(rename.json["reason"]?.stringValue == "session_not_found")
            let delete = try await Sessions.call(client, .delete, "/api/sessions?id=unknown", user: user)
            #expect(delete.status == .notFound)
            #expect(delete.json["reason"]?.stringValue == "session_not_found")
            for uri in ["/api/sessions", "/api/sessions?id=", "/api/sessions?id=%20"] {
                let missing = try await Sessions.call(client, .delete, uri, user: user)
                #expect(missing.status == .badRequest, "\(uri)")
                #expect(missing.json["reason"]?.stringValue == "missing_session")
            }
            let tooLong = try await Sessions.call(client, .delete, "/api/sessions?id=" + String(repeating: "x", count: 201), user: user)
            #expect(tooLong.status == .badRequest)
            // Ids are counted in Unicode scalars and refused with control characters, as a turn's
            // x-session-id is: 201 scalars in 101 grapheme clusters is too long, not a missing session.
            let combining = String(repeating: "e%CC%81", count: 100) + "x"
            for uri in ["/api/sessions?id=" + combining, "/api/sessions?id=kn%07own", "/api/sessions?id=known%C2%85"] {
                let refused = try await Sessions.call(client, .delete, uri, user: user)
                #expect(refused.status == .badRequest, "\(uri)")
                #expect(refused.json["reason"]?.stringValue == "invalid_session", "\(uri)")
            }
            // Trimmed of spaces, as the id a turn stores is.
            #expect(try await Sessions.call(client, .get, "/api/message?session=%20known%20", user: user).status == .ok)
        }
        #expect(try await Sessions.rowsPerTable(user)["messages"] == 2)
    }

    @Test func deleteRemovesTheSessionsMessagesSnapshotsAndMemoriesOnly() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "gone", text: "one")
            _ = try await Sessions.turn(client, user: user, session: "gone", text: "two")
            _ = try await Sessions.turn(client, user: user, session: "kept", text: "three")
            let before = try await Sessions.rowsPerTable(user)
            let deleted = try await Sessions.call(client, .delete, "/api/sessions?id=gone", user: user)
            #expect(deleted.status == .ok)
            #expect(deleted.text == #"{"success":true}"#)
            let after = try await Sessions.rowsPerTable(user)
            #expect(after["messages"] == 2)
            #expect(after["sigmaris_state_snapshots"] == 1)
            // The memories born in the session go with it (`MemoriesRouteTests`); the persona's
            // audit trail is the account's, not the session's.
            #expect(after["sigmaris_episodes"] == 1)
            #expect(after["sigmaris_turns"] == before["sigmaris_turns"])
            let sessions = try await Sessions.call(client, .get, "/api/sessions", user: user).json["sessions"]?.arrayValue ?? []
            #expect(sessions.map { $0["id"]?.stringValue } == ["kept"])
            let again = try await Sessions.call(client, .delete, "/api/sessions?id=gone", user: user)
            #expect(again.status == .notFound)
        }
    }

    @Test func anotherUserCanNeitherListReadRenameDeleteNorExportASession() async throws {
        let alice = UUID(), bob = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: alice, session: "alice-session", text: "alice's secret")
            let renamed = try await Sessions.call(
                client, .patch, "/api/sessions", user: alice, body: #"{"sessionId":"alice-session","newTitle":"Alice"}"#)
            #expect(renamed.status == .ok)
            let before = try await Sessions.messageRows(alice)
            let countsBefore = try await Sessions.rowsPerTable(alice)

            #expect(try await Sessions.call(client, .get, "/api/sessions", user: bob).text == #"{"sessions":[]}"#)
            #expect(try await Sessions.call(client, .get, "/api/message?session=alice-session", user: bob).text == #"{"messages":[]}"#)
            #expect(try await Sessions.call(client, .get, "/api/aei?session=alice-session", user: bob).text == #"{"messages":[]}"#)
            let rename = try await Sessions.call(
                client, .patch, "/api/sessions", user: bob, body: #"{"sessionId":"alice-session","newTitle":"Bob was here"}"#)
            #expect(rename.status == .notFound)
            #expect(try await Sessions.call(client, .delete, "/api/sessions?id=alice-session", user: bob).status == .notFound)
            #expect(try await Sessions.call(client, .delete, "/api/message?session=alice-session", user: bob).status == .notFound)
            let export = try await Sessions.call(client, .get, "/api/account/export", user: bob)
            #expect(export.status == .ok)
            #expect(!export.text.contains("alice"))
            #expect(!export.text.contains(alice.uuidString.lowercased()))
            #expect(export.json["messages"]?.arrayValue?.isEmpty == true)
            let erase = try await Sessions.call(client, .delete, "/api/account", user: bob, body: #"{"confirm":"DELETE"}"#)
            #expect(erase.status == .ok)

            #expect(try await Sessions.messageRows(alice) == before)
            #expect(try await Sessions.rowsPerTable(alice) == countsBefore)
            #expect(before.count == 2 && before.allSatisfy { $0[1] == "Alice" })
        }
    }
}
