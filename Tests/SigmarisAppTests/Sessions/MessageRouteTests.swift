import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

@Suite("/api/message", .enabled(if: TestDatabase.shouldRun))
struct MessageRouteTests {
    @Test func listsExchangesOldestFirstWithTheirTimestamps() async throws {
        let user = UUID()
        try await SessionsRouteTests.app().test(.router) { client in
            let one = try await Sessions.turn(client, user: user, session: "s", text: "one")
            let two = try await Sessions.turn(client, user: user, session: "s", text: "two")
            let answer = try await Sessions.call(client, .get, "/api/message?session=s", user: user)
            #expect(answer.status == .ok)
            let messages = answer.json["messages"]?.arrayValue ?? []
            #expect(Set(messages.first?.objectValue?.keys ?? []) == ["user", "ai", "created_at"])
            #expect(messages.map { $0["user"]?.stringValue } == ["one", "two"])
            #expect(messages.map { $0["ai"] } == [one["output"], two["output"]])
            let stamps = messages.compactMap { $0["created_at"]?.stringValue }
            #expect(stamps.count == 2 && stamps[0] < stamps[1])

            for uri in ["/api/message", "/api/message?session="] {
                for method in [HTTPRequest.Method.get, .delete] {
                    let missing = try await Sessions.call(client, method, uri, user: user)
                    #expect(missing.status == .badRequest, "\(method) \(uri)")
                    #expect(missing.json["reason"]?.stringValue == "missing_session")
                }
            }
        }
    }

    @Test func deletesOneExchangeByItsTimestampOrTheWholeSession() async throws {
        let user = UUID()
        try await SessionsRouteTests.app().test(.router) { client in
            for text in ["one", "two", "three"] { _ = try await Sessions.turn(client, user: user, session: "s", text: text) }
            _ = try await Sessions.turn(client, user: user, session: "other", text: "elsewhere")
            let listed = try await Sessions.call(client, .get, "/api/message?session=s", user: user).json["messages"]?.arrayValue ?? []
            let middle = listed[1]["created_at"]?.stringValue ?? ""

            let single = try await Sessions.call(
                client, .delete, "/api/message?session=s", user: user, body: #"{"createdAt":"\#(middle)"}"#)
            #expect(single.status == .ok)
            #expect(single.json["success"] == true && single.json["deleted"]?.stringValue == "single" && single.json.objectValue?.count == 2)
            let left = try await Sessions.call(client, .get, "/api/message?session=s", user: user).json["messages"]?.arrayValue ?? []
            #expect(left.map { $0["user"]?.stringValue } == ["one", "three"])

            let gone = try await Sessions.call(
                client, .delete, "/api/message?session=s", user: user, body: #"{"createdAt":"\#(middle)"}"#)
            #expect(gone.status == .notFound)
            #expect(gone.json["reason"]?.stringValue == "message_not_found")

            for bad in [#"{"createdAt":"yesterday"}"#, #"{"createdAt":"2026-02-31T10:00:00Z"}"#, #"{"createdAt":5}"#, "not json"] {
                let answer = try await Sessions.call(client, .delete, "/api/message?session=s", user: user, body: bad)
                #expect(answer.status == .badRequest, "\(bad)")
            }
            #expect(try await Sessions.rowsPerTable(user)["messages"] == 6)

            let session = try await Sessions.call(client, .delete, "/api/message?session=s", user: user)
            #expect(session.json["success"] == true && session.json["deleted"]?.stringValue == "session" && session.json.objectValue?.count == 2)
            let after = try await Sessions.call(client, .get, "/api/message?session=s", user: user)
            #expect(after.text == #"{"messages":[]}"#)
            #expect(try await Sessions.call(client, .delete, "/api/message?session=s", user: user).status == .notFound)
        }
        #expect(try await Sessions.rowsPerTable(user)["messages"] == 2)
    }
}
