import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisApp
import SigmarisJSON
import SigmarisTestSupport
import Testing

/// `/api/memories`: what the persona remembers of the signed-in user, listed and deleted (issue #23 §4).
@Suite("/api/memories", .enabled(if: TestDatabase.shouldRun))
struct MemoriesRouteTests {
    static func app() throws -> some ApplicationProtocol {
        try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
    }

    static func list(_ client: some TestClientProtocol, user: UUID, query: String = "") async throws -> [JSONValue] {
        let answer = try await Sessions.call(client, .get, "/api/memories" + query, user: user)
        #expect(answer.status == .ok, "\(answer.text)")
        return answer.json["memories"]?.arrayValue ?? []
    }

    /// The ids of the episodes a turn's answer says it used (its final memory pointers).
    static func recalledIDs(_ answer: JSONValue) -> [String] {
        answer["python"]?["memory"]?["merge"]?["notes"]?["used_episode_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test func listsTheCallersMemoriesNewestFirst() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            for (session, text) in [("a", "first"), ("b", "second"), ("b", "third")] {
                _ = try await Sessions.turn(client, user: user, session: session, text: text)
            }
            let memories = try await Self.list(client, user: user)
            #expect(memories.map { $0["rawContext"]?.stringValue } == ["third", "second", "first"])
            #expect(memories.map { $0["sessionId"]?.stringValue } == ["b", "b", "a"])
            let first = try #require(memories.first?.objectValue)
            #expect(first.keys == ["id", "summary", "rawContext", "sessionId", "createdAt"], "no score without q")
            #expect(first["summary"]?.stringValue?.isEmpty == false)
            let times = memories.compactMap { $0["createdAt"]?.stringValue }
            #expect(times == times.sorted(by: >) && times.count == 3)

            #expect(try await Self.list(client, user: user, query: "?limit=2").map { $0["rawContext"]?.stringValue } == ["third", "second"])
            #expect(try await Self.list(client, user: user, query: "?limit=1").count == 1)
            #expect(try await Self.list(client, user: user, query: "?limit=100").count == 3)
            // Another user sees none of them.
            #expect(try await Sessions.call(client, .get, "/api/memories", user: UUID()).text == #"{"memories":[]}"#)
        }
    }

    @Test func theDefaultLimitIsTwenty() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            for step in 0..<21 { _ = try await Sessions.turn(client, user: user, session: "s", text: "turn \(step)") }
            let memories = try await Self.list(client, user: user)
            #expect(memories.count == 20)
            #expect(memories.first?["rawContext"]?.stringValue == "turn 20")
        }
    }

    @Test(arguments: ["0", "101", "-1", "abc", "", "1.5", "20x", "%2010"])
    func aBadLimitIs400(limit: String) async throws {
        try await Self.app().test(.router) { client in
            let answer = try await Sessions.call(client, .get, "/api/memories?limit=\(limit)", user: UUID())
            #expect(answer.status == .badRequest)
            #expect(answer.json["reason"]?.stringValue == "invalid_limit", "\(answer.text)")
        }
    }

    /// `q` runs the archive search on text (full text search on the test databases), in English and Japanese.
    @Test func aSearchListsTheMatchingMemoriesBestFirstWithTheirScores() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            for text in ["Miso is the name of my orange cat", "The weather in Kyoto is rainy today",
                         "My favourite dessert is lemon tart", "京都の紅葉がとても綺麗でした"] {
                _ = try await Sessions.turn(client, user: user, session: "s", text: text)
            }
            let cat = try await Self.list(client, user: user, query: "?q=orange%20cat")
            #expect(cat.first?["rawContext"]?.stringValue == "Miso is the name of my orange cat", "\(cat)")
            #expect(!cat.contains { $0["rawContext"]?.stringValue == "My favourite dessert is lemon tart" })
            #expect(cat.first?.objectValue?.keys == ["id", "summary", "rawContext", "sessionId", "createdAt", "score"])
            #expect(cat.first?["sessionId"]?.stringValue == "s")
            let scores = cat.compactMap { $0["score"]?.doubleValue }
            #expect(scores.count == cat.count && scores == scores.sorted(by: >) && scores.allSatisfy { $0 > 0 && $0 <= 1 })

            let kyoto = try await Self.list(client, user: user, query: "?q=" + "京都の紅葉".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(kyoto.first?["rawContext"]?.stringValue == "京都の紅葉がとても綺麗でした", "\(kyoto)")
            #expect(try await Self.list(client, user: user, query: "?q=lemon%20tart&limit=1").count == 1)
            #expect(try await Self.list(client, user: user, query: "?q=zzqxj%20vvkwp").isEmpty)
            // Only the caller's memories are searched.
            #expect(try await Self.list(client, user: UUID(), query: "?q=orange%20cat").isEmpty)
        }
    }

    @Test(arguments: [("", "invalid_query"), ("%20%20", "invalid_query"), ("a%07b", "invalid_characters"),
                      (String(repeating: "x", count: 201), "invalid_query")])
    func aBadSearchIs400(query: String, reason: String) async throws {
        try await Self.app().test(.router) { client in
            let answer = try await Sessions.call(client, .get, "/api/memories?q=\(query)", user: UUID())
            #expect(answer.status == .badRequest)
            #expect(answer.json["reason"]?.stringValue == reason, "\(answer.text)")
            // The longest search is fine.
            let longest = try await Sessions.call(client, .get, "/api/memories?q=" + String(repeating: "x", count: 200), user: UUID())
            #expect(longest.status == .ok)
        }
    }

    @Test func deletingAMemoryTakesItAndOnlyIt() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "s", text: "keep me")
            _ = try await Sessions.turn(client, user: user, session: "s", text: "forget me")
            let before = try await Sessions.rowsPerTable(user)
            let forget = try #require(try await Self.list(client, user: user).first?["id"]?.stringValue)

            let deleted = try await Sessions.call(client, .delete, "/api/memories/\(forget)", user: user)
            #expect(deleted.status == .ok)
            #expect(deleted.text == #"{"success":true}"#)
            #expect(try await Self.list(client, user: user).map { $0["rawContext"]?.stringValue } == ["keep me"])
            var expected = before
            expected["sigmaris_episodes"] = 1
            #expect(try await Sessions.rowsPerTable(user) == expected, "the memory only: its turn's messages stay")

            let again = try await Sessions.call(client, .delete, "/api/memories/\(forget)", user: user)
            #expect(again.status == .notFound)
            #expect(again.json["reason"]?.stringValue == "memory_not_found")
        }
    }

    @Test func anotherUsersMemoryIs404AndStays() async throws {
        let alice = UUID(), bob = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: alice, session: "s", text: "alice's memory")
            let id = try #require(try await Self.list(client, user: alice).first?["id"]?.stringValue)
            let before = try await Sessions.rowsPerTable(alice)
            let refused = try await Sessions.call(client, .delete, "/api/memories/\(id)", user: bob)
            #expect(refused.status == .notFound)
            #expect(refused.json["reason"]?.stringValue == "memory_not_found")
            #expect(try await Sessions.rowsPerTable(alice) == before)
            #expect(try await Self.list(client, user: alice).map { $0["id"]?.stringValue } == [id])
        }
    }

    @Test(arguments: ["a%00b", "a%07b", "%C2%85", "%FF", String(repeating: "x", count: 201)])
    func anIdNoMemoryCanHaveIs400(id: String) async throws {
        try await Self.app().test(.router) { client in
            let answer = try await Sessions.call(client, .delete, "/api/memories/\(id)", user: UUID())
            #expect(answer.status == .badRequest)
            #expect(answer.json["reason"]?.stringValue == "invalid_memory_id", "\(answer.text)")
        }
    }

    /// The same message twice recalls the first turn's memory (the local reply quotes the message,
    /// so their summaries match); once it is deleted, the next turn cannot, although the app's recall
    /// cache held it.
    @Test func aDeletedMemoryIsNotRecalledByTheNextTurn() async throws {
        let user = UUID()
        let fact = "Miso is the name of my orange cat"
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "s", text: fact)
            let factID = try #require(try await Self.list(client, user: user).first?["id"]?.stringValue)
            let recalled = try await Sessions.turn(client, user: user, session: "s", text: fact)
            try #require(Self.recalledIDs(recalled).contains(factID), "the memory is recalled before the delete")

            #expect(try await Sessions.call(client, .delete, "/api/memories/\(factID)", user: user).status == .ok)
            let after = try await Sessions.turn(client, user: user, session: "s", text: fact)
            #expect(!Self.recalledIDs(after).contains(factID))
            #expect(!Self.recalledIDs(after).isEmpty, "the other memory still is")
        }
    }

    @Test func deletingASessionTakesItsMemoriesAndNoOthers() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "gone", text: "one")
            _ = try await Sessions.turn(client, user: user, session: "kept", text: "two")
            _ = try await Sessions.turn(client, user: user, session: "gone", text: "three")
            #expect(try await Sessions.call(client, .delete, "/api/sessions?id=gone", user: user).text == #"{"success":true}"#)
            let memories = try await Self.list(client, user: user)
            #expect(memories.map { $0["rawContext"]?.stringValue } == ["two"])
            #expect(memories.map { $0["sessionId"]?.stringValue } == ["kept"])
            #expect(try await Sessions.rowsPerTable(user)["sigmaris_episodes"] == 1)
        }
    }

    @Test func theExportHoldsTheMemoriesAndTheEraseRemovesThem() async throws {
        let user = UUID()
        try await Self.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "s1", text: "exported one")
            _ = try await Sessions.turn(client, user: user, session: "s2", text: "exported two")
            let listed = try await Self.list(client, user: user)

            let export = try await Sessions.call(client, .get, "/api/account/export", user: user)
            #expect(export.status == .ok)
            let episodes = export.json["persona"]?["episodes"]?.arrayValue ?? []
            #expect(Set(episodes.compactMap { $0["episode_id"]?.stringValue }) == Set(listed.compactMap { $0["id"]?.stringValue }))
            #expect(Set(episodes.compactMap { $0["session_id"]?.stringValue }) == ["s1", "s2"])
            #expect(Set(episodes.compactMap { $0["raw_context"]?.stringValue }) == ["exported one", "exported two"])

            let erase = try await Sessions.call(client, .delete, "/api/account", user: user, body: #"{"confirm":"DELETE"}"#)
            #expect(erase.status == .ok)
            #expect(erase.json["deleted"]?["sigmaris_episodes"]?.doubleValue == 2)
            #expect(try await Sessions.call(client, .get, "/api/memories", user: user).text == #"{"memories":[]}"#)
            #expect(try await Sessions.rowsPerTable(user)["sigmaris_episodes"] == 0)
        }
    }
}
