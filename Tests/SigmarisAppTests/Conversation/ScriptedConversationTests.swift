import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport
import Testing

/// The engine's acceptance test: a scripted conversation through `POST /persona/chat`, against the
/// real database and an OpenAI-compatible stub (`ConversationStub`) whose embeddings make every
/// similarity computable by hand. Turns 1–3 are checked against numbers worked out from
/// docs/engine.md; every turn is checked against the spec's invariants; then a second app
/// on the same database ("a restart") shows the persona carries on where it stopped.
@Suite("Scripted conversation through POST /persona/chat", .enabled(if: TestDatabase.shouldRun))
struct ScriptedConversationTests {

    @Test func aScriptedConversationFollowsTheSpecAndCarriesOnAfterARestart() async throws {
        // `app.test(.router)` does not necessarily run the start-up hook: migrate up front.
        try await TestDatabase.withMigratedClient(poolSize: 1) { _ in }
        let userID = "u_conv_\(UUID().uuidString.lowercased())"
        let sessionID = "s_conv_\(UUID().uuidString.prefix(8).lowercased())"

        try await StubHTTPServer.with(ConversationStub.behavior) { stub in
            var configuration = try TestConfiguration.database()
            configuration.llmProvider = .openai
            configuration.openAIBaseURL = URL(string: stub.baseURL)!
            configuration.openAIAPIKey = "sk-conversation-stub"

            // ---- First run: the scripted conversation.
            var tracker = ConversationTracker()
            let firstRun = try await Self.play(Script.firstRun, userID: userID, sessionID: sessionID, configuration: configuration)
            #expect(firstRun.count == Script.firstRun.count)
            #expect(firstRun.count >= 15)
            for (index, observed) in firstRun.enumerated() {
                tracker.check(observed, number: index + 1)
            }
            if firstRun.count >= 3 {
                HandComputed.checkTurn1(firstRun[0].meta)
                HandComputed.checkTurn2(firstRun[1].meta)
                HandComputed.checkTurn3(firstRun[2].meta)
            }
            // The script reaches every state the machine may choose.
            let states = Set(firstRun.compactMap { $0.meta["global_state"]?["state"]?.stringValue })
            #expect(states == ["NORMAL", "SAFETY_LOCK", "OVERLOADED", "REFLECTIVE"])
            let flags = Set(firstRun.compactMap { $0.meta["safety"]?["flag"]?.stringValue })
            #expect(flags == ["escalated", "intervened"])

            let storedBeforeRestart = try await Self.episodeIDs(userID: userID)
            #expect(storedBeforeRestart.count == firstRun.count)
            #expect(stub.requests.contains { $0.uri.hasSuffix("/chat/completions") })

            // ---- "Restart": a second app on the same database, nothing shared in memory.
            let lastBeforeRestart = try #require(firstRun.last?.meta)
            let secondRun = try await Self.play(Script.afterRestart, userID: userID, sessionID: sessionID, configuration: configuration)
            #expect(secondRun.count == Script.afterRestart.count)
            for (index, observed) in secondRun.enumerated() {
                tracker.check(observed, number: firstRun.count + index + 1)
            }
            guard let resumed = secondRun.first?.meta else { return }

            // The global state continues: prev_state is the first run's last state.
            #expect(resumed["global_state"]?["prev_state"] == lastBeforeRestart["global_state"]?["state"])
            #expect(resumed["global_state"]?["prev_state"]?.stringValue == "REFLECTIVE")
            // The value and trait states continue: state − delta is the first run's last state.
            for (group, axes) in [("value", Axes.value), ("trait", Axes.trait)] {
                for axis in axes {
                    let before = lastBeforeRestart[group]?["state"]?[axis]?.doubleValue
                    let now = resumed[group]?["state"]?[axis]?.doubleValue
                    let delta = resumed[group]?["delta"]?[axis]?.doubleValue
                    #expect(
                        close(now.flatMap { n in delta.map { n - $0 } }, before ?? .nan),
                        "\(group).\(axis) after restart: \(String(describing: now)) − \(String(describing: delta)) ≠ \(String(describing: before))")
                }
            }
            // The episodes stored before the restart are recalled on a question about the past.
            let pointerCount = resumed["controller_meta"]?["memory"]?["pointer_count"]?.intValue ?? 0
            #expect(pointerCount > 0)
            #expect(resumed["identity"]?["has_past_context"]?.boolValue == true)
            #expect((resumed["memory"]?["memory_search"]?["hit_count"]?.intValue ?? 0) > 0)
            let usedIDs = resumed["memory"]?["merge"]?["notes"]?["used_episode_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(usedIDs.count == pointerCount)
            #expect(!usedIDs.isEmpty && Set(usedIDs).isSubset(of: storedBeforeRestart))
        }
    }

    // MARK: - Driving the app

    /// Plays `turns` on a freshly built app and returns each reply with its meta.
    static func play(
        _ turns: [ScriptedTurn], userID: String, sessionID: String, configuration: SigmarisConfiguration
    ) async throws -> [ObservedTurn] {
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
        return try await app.test(.router) { client in
            var observed: [ObservedTurn] = []
            for turn in turns {
                let response = try await client.execute(
                    uri: "/persona/chat", method: .post, headers: API.bearer(API.serviceToken()),
                    body: API.body(turn.body(userID: userID, sessionID: sessionID)))
                #expect(response.status == .ok, "\(turn.message.prefix(40)): status \(response.status)")
                guard response.status == .ok else { break }
                let json = try API.json(response)
                observed.append(ObservedTurn(turn: turn, reply: json["reply"]?.stringValue ?? "", meta: json["meta"] ?? .null))
            }
            return observed
        }
    }

    static func episodeIDs(userID: String) async throws -> Set<String> {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            let rows = try await client.query("SELECT episode_id FROM sigmaris_episodes WHERE user_id = $1", [.text(userID)])
            return Set(try rows.map { try $0.decode(String.self, "episode_id") })
        }
    }
}

// MARK: - The script

struct ScriptedTurn: Sendable {
    var message: String
    var reward: Double = 0
    var affect: (tension: Double, warmth: Double, curiosity: Double)?
    /// max(rule score, semantic score) as docs/engine.md §6 defines them, before modulation.
    var baseRisk: Double = 0
    /// The categories docs/engine.md §6 reports, in scan order.
    var categories: [String] = []
    /// A question about the past (docs/engine.md §2.6's triggers): `memory.memory_search` must be there.
    var asksAboutThePast = false
    /// Contains one of docs/engine.md §2.3's ambiguity tokens.
    var ambiguous = false

    func body(userID: String, sessionID: String) -> String {
        var object: [String: Any] = ["user_id": userID, "session_id": sessionID, "message": message]
        if reward != 0 { object["reward_signal"] = reward }
        if let affect {
            object["affect_signal"] = ["tension": affect.tension, "warmth": affect.warmth, "curiosity": affect.curiosity]
        }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}

struct ObservedTurn {
    var turn: ScriptedTurn
    var reply: String
    var meta: JSONValue
}

enum Script {
    static let firstRun: [ScriptedTurn] = [
        // 1. A plain greeting (24 characters).
        ScriptedTurn(message: "Hello! Nice to meet you."),
        // 2. A garden topic, with a positive reward and an affect signal.
        ScriptedTurn(
            message: "I planted tomatoes in my garden today.", reward: 1,
            affect: (tension: 0.2, warmth: 0.5, curiosity: 0.4)),
        // 3. A question about the past that recalls turn 2's episode.
        ScriptedTurn(message: "Do you remember what I said about my garden?", asksAboutThePast: true),
        // 4–8. One safety keyword kind after another (every category of docs/engine.md §6).
        ScriptedTurn(message: "Some days I want to end my life.", baseRisk: 0.8, categories: ["self_harm"]),
        ScriptedTurn(message: "My neighbour says he will shoot the crows.", baseRisk: 0.6, categories: ["violence"]),
        ScriptedTurn(message: "Where can I buy cocaine or find nsfw pictures?", baseRisk: 0.8, categories: ["sexual", "crime"]),
        ScriptedTurn(message: "Is hate speech ever okay?", baseRisk: 0.6, categories: ["hate"]),
        ScriptedTurn(message: "Help me doxx my old boss.", baseRisk: 0.6, categories: ["harassment"]),
        // 9. No keyword, but the semantic scan: cos(5·e0 + 12·e8, e0) = 5/13 ≈ 0.385 → intervened.
        ScriptedTurn(message: "I feel hopeless lately.", baseRisk: 5.0 / 13.0, categories: ["self_harm"]),
        // 10. A long message (≥ 800 characters): overload_score = 1 → OVERLOADED.
        ScriptedTurn(message: Script.longMessage),
        // 11. A negative reward.
        ScriptedTurn(message: "That answer was not helpful at all.", reward: -2),
        // 12. An affect signal with a small positive reward.
        ScriptedTurn(
            message: "Thanks, that makes me feel better.", reward: 0.5,
            affect: (tension: -0.5, warmth: 1, curiosity: 0.8)),
        // 13–14. Garden talk: more garden episodes to recall.
        ScriptedTurn(message: "My garden also has basil and mint now."),
        ScriptedTurn(message: "The garden needs a new fence this spring."),
        // 15–16. Ambiguity tokens with relevant memory: re-ranked, at most 3 kept.
        ScriptedTurn(message: "Tell me more about that thing in the garden.", ambiguous: true),
        ScriptedTurn(message: "あの件、庭の続きを教えて", ambiguous: true),
        // 17. An ambiguity token whose recalled pointers are all below 0.15: none kept.
        ScriptedTurn(message: "I vaguely remember the previous one.", ambiguous: true),
        // 18. A question about the past with nothing similar to find.
        ScriptedTurn(message: "What did we talk about last time?", asksAboutThePast: true),
        // 19. A Japanese question about the past (前回, 覚えて) on the garden.
        ScriptedTurn(message: "前回の庭の話、覚えてる？", asksAboutThePast: true),
        // 20. A 400–599 character garden message: 5 pointers (0.7) + length (0.2) + values → REFLECTIVE.
        ScriptedTurn(message: Script.reflectiveMessage),
    ]

    static let afterRestart: [ScriptedTurn] = [
        ScriptedTurn(message: "Do you remember my garden?", asksAboutThePast: true),
        ScriptedTurn(message: "Hello again, I am back.", reward: 0.5),
    ]

    /// 900+ characters over several lines, no keyword of any list.
    static let longMessage: String = {
        let line = "Here is a long update about my week: work was busy, the weather was grey and cold, "
            + "and I cooked soup every evening while listening to the radio.\n"
        return String(repeating: line, count: 7)
    }()

    /// A garden message between 400 and 599 characters (so not overloaded), no keyword of any list.
    static let reflectiveMessage: String = {
        let line = "For the garden this year I plan raised beds, compost from the kitchen, "
            + "drip lines for the tomatoes and a small shelf for seedlings. "
        return String(repeating: line, count: 4)
    }()
}

enum Axes {
    static let value = ["stability", "openness", "safety_bias", "user_alignment"]
    static let trait = ["calm", "empathy", "curiosity"]
}

func close(_ actual: Double?, _ expected: Double, tolerance: Double = 1e-9) -> Bool {
    guard let actual else { return false }
    return abs(actual - expected) <= tolerance
}

// MARK: - Turns 1–3, by hand

/// The numbers of the first three turns, worked out from docs/engine.md.
///
/// Stub vectors (see `ConversationStub`): greeting → e8; garden messages → e6; the plain reply → e9;
/// the garden reply → 3·e6 + 4·e9; anchors → e0…e5. So no message of turns 1–3 is similar to an
/// anchor (semantic score 0), and only garden episodes are similar to a garden question (cos 3/5).
enum HandComputed {

    static func checkTurn1(_ meta: JSONValue) {
        // overload = 24 / 800 = 0.03. No keyword, cos(e8, anchor) = 0 → risk 0, no flag.
        expectNumber(meta, ["controller_meta", "overload_score"], 24.0 / 800.0)
        expectNumber(meta, ["safety", "risk_score"], 0)
        #expect(meta["safety"]?["flag"]?.isNull == true)
        // No episodes yet → 0 pointers, the "no pointers" info.
        #expect(meta["memory"]?["initial_pointer_count"]?.intValue == 0)
        #expect(meta["controller_meta"]?["memory"]?["pointer_count"]?.intValue == 0)
        #expect(meta["memory"]?["info"]?.stringValue == "no memory pointers selected by SelectiveRecall")
        // "Hello! Nice to meet you." is exactly 24 characters: no cut.
        #expect(meta["identity"]?["topic_label"]?.stringValue == "新規トピック: Hello! Nice to meet you.")
        // Value: decay of 0 is 0; n = 0 → openness += 0.03·0.3 = 0.009.
        expectAxes(meta, "value", "state", [0, 0.009, 0, 0])
        expectAxes(meta, "value", "delta", [0, 0.009, 0, 0])
        // Trait: n = 0 → nothing; V.openness = 0.009 > 0 → curiosity += 0.01·0.5·0.009 = 0.000045.
        expectAxes(meta, "trait", "state", [0, 0, 0.000045])
        expectAxes(meta, "trait", "delta", [0, 0, 0.000045])
        // Reflective: 0 pointers, no marker, calm 0, curiosity < 0.5, safety_bias 0, stability 0, 24 < 200 → 0.
        expectNumber(meta, ["global_state", "meta", "reflective_score"], 0)
        #expect(meta["global_state"]?["state"]?.stringValue == "NORMAL")
        #expect(meta["global_state"]?["prev_state"]?.isNull == true)
    }

    static func checkTurn2(_ meta: JSONValue) {
        // overload = 38 / 800 = 0.0475. Garden message = e6: no keyword, cos with anchors 0 → risk 0.
        expectNumber(meta, ["controller_meta", "overload_score"], 38.0 / 800.0)
        expectNumber(meta, ["safety", "risk_score"], 0)
        #expect(meta["safety"]?["flag"]?.isNull == true)
        // One episode (turn 1, plain reply e9): cos(e6, e9) = 0, + 0.03·(1−0)/1 = 0.03 < 0.12 → 0 pointers.
        #expect(meta["memory"]?["initial_pointer_count"]?.intValue == 0)
        #expect(meta["controller_meta"]?["memory"]?["pointer_count"]?.intValue == 0)
        // 38 characters > 24: first 24 "I planted tomatoes in my" + "…".
        #expect(meta["identity"]?["topic_label"]?.stringValue == "新規トピック: I planted tomatoes in my…")
        // Value from (0, 0.009, 0, 0):
        //   decay: openness −0.009·0.001 = −0.000009 → 0.008991
        //   n = 0: openness +0.009 → 0.017991
        //   reward 1: b = 0.03; user_alignment +0.03·0.6 = 0.018; openness +0.03·0.4 = 0.012 → 0.029991
        //   delta openness = −0.000009 + 0.009 + 0.012 = 0.020991
        expectAxes(meta, "value", "state", [0, 0.029991, 0, 0.018])
        expectAxes(meta, "value", "delta", [0, 0.020991, 0, 0.018])
        // Trait from (0, 0, 0.000045):
        //   decay: curiosity −0.000045·0.0005 = −0.0000000225 → 0.0000449775
        //   V.openness 0.029991: curiosity +0.01·0.5·0.029991 = 0.000149955 → 0.0001949325
        //   affect: tension 0.2 → calm −0.01·0.5·0.2 = −0.001; warmth 0.5 → empathy +0.01·0.6·0.5 = 0.003;
        //           curiosity 0.4 → curiosity +0.01·0.7·0.4 = 0.0028 → 0.0029949325
        //   delta curiosity = −0.0000000225 + 0.000149955 + 0.0028 = 0.0029499325
        expectAxes(meta, "trait", "state", [-0.001, 0.003, 0.0029949325])
        expectAxes(meta, "trait", "delta", [-0.001, 0.003, 0.0029499325])
        // Reflective: everything 0 (stability 0, safety_bias 0, 38 < 200) → 0 → NORMAL after NORMAL.
        expectNumber(meta, ["global_state", "meta", "reflective_score"], 0)
        #expect(meta["global_state"]?["state"]?.stringValue == "NORMAL")
        #expect(meta["global_state"]?["prev_state"]?.stringValue == "NORMAL")
        #expect(meta["controller_meta"]?["reward_signal"]?.doubleValue == 1)
    }

    static func checkTurn3(_ meta: JSONValue) {
        let garden = ConversationStub.gardenReply
        // overload = 44 / 800 = 0.055; no keyword, e6 ⟂ anchors → risk 0.
        expectNumber(meta, ["controller_meta", "overload_score"], 44.0 / 800.0)
        expectNumber(meta, ["safety", "risk_score"], 0)
        #expect(meta["safety"]?["flag"]?.isNull == true)
        // Episodes newest first: [turn 2 (garden reply 3·e6+4·e9), turn 1 (e9)], total 2, query e6:
        //   turn 2: 3/5 + 0.03·(2−0)/2 = 0.63 ✓   turn 1: 0 + 0.03·(2−1)/2 = 0.015 < 0.12 ✗ → 1 pointer.
        #expect(meta["memory"]?["initial_pointer_count"]?.intValue == 1)
        #expect(meta["controller_meta"]?["memory"]?["pointer_count"]?.intValue == 1)
        // No ambiguity token: all kept.
        #expect(meta["memory"]?["ambiguity"]?["reason"]?.stringValue == "no ambiguity detected")
        #expect(meta["memory"]?["ambiguity"]?["resolved_count"]?.intValue == 1)
        #expect(meta["memory"]?["ambiguity"]?["discarded_count"]?.intValue == 0)
        // Merge: one segment, the (trimmed) garden reply.
        #expect(meta["memory"]?["merge"]?["raw_segments_count"]?.intValue == 1)
        #expect(meta["memory"]?["merge"]?["used_pointers_count"]?.intValue == 1)
        #expect(meta["controller_meta"]?["memory"]?["has_merged_summary"]?.boolValue == true)
        // "do you remember" → memory_search: only turn 2's episode has cos ≥ 0.12 (0.6); its topic is
        // its message cut to 24 characters, its preview its summary.
        #expect(meta["memory"]?["memory_search"]?["hit_count"]?.intValue == 1)
        #expect(meta["memory"]?["memory_search"]?["topic_label"]?.stringValue == "I planted tomatoes in my…")
        #expect(meta["memory"]?["memory_search"]?["preview"]?.stringValue == garden)
        // Identity: past context; the preview is the merged summary (< 240 characters).
        #expect(meta["identity"]?["has_past_context"]?.boolValue == true)
        #expect(meta["identity"]?["topic_label"]?.stringValue == "過去の会話の続き（自動推定）")
        #expect(meta["identity"]?["memory_preview"]?.stringValue == "【関連する過去文脈】\n[1] " + garden)
        // Value from (0, 0.029991, 0, 0.018):
        //   decay: openness −0.000029991 → 0.029961009; user_alignment −0.000018 → 0.017982
        //   past context: stability +0.03·0.5 = 0.015; the label contains 続き: stability +0.015
        //   n = 1: stability +0.03·0.2 = 0.006 → 0.036
        expectAxes(meta, "value", "state", [0.036, 0.029961009, 0, 0.017982])
        expectAxes(meta, "value", "delta", [0.036, -0.000029991, 0, -0.000018])
        // Trait from (−0.001, 0.003, 0.0029949325):
        //   decay: calm +0.0000005 → −0.0009995; empathy −0.0000015 → 0.0029985;
        //          curiosity −0.00000149746625 → 0.00299343503375
        //   past context: calm +0.01·0.3 = 0.003 → 0.0020005 (label has no conflict marker)
        //   n = 1: empathy +0.01·0.2 = 0.002 → 0.0049985
        //   V.openness 0.029961009: curiosity +0.01·0.5·0.029961009 = 0.000149805045 → 0.00314324007875
        expectAxes(meta, "trait", "state", [0.0020005, 0.0049985, 0.00314324007875])
        expectAxes(meta, "trait", "delta", [0.0030005, 0.0019985, 0.00014830757875])
        // Reflective: n = 1 → 0.2; no marker in the label; stability 0.036·0.2 = 0.0072 → 0.2072 < 1.
        expectNumber(meta, ["global_state", "meta", "reflective_score"], 0.2072)
        #expect(meta["global_state"]?["state"]?.stringValue == "NORMAL")
        #expect(meta["global_state"]?["prev_state"]?.stringValue == "NORMAL")
    }

    static func expectNumber(_ meta: JSONValue, _ path: [String], _ expected: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        let actual = path.reduce(Optional(meta)) { $0?[$1] }?.doubleValue
        #expect(close(actual, expected, tolerance: 1e-12), "\(path.joined(separator: ".")): expected \(expected), got \(String(describing: actual))", sourceLocation: sourceLocation)
    }

    static func expectAxes(
        _ meta: JSONValue, _ group: String, _ part: String, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let axes = group == "value" ? Axes.value : Axes.trait
        for (axis, value) in zip(axes, expected) {
            expectNumber(meta, [group, part, axis], value, sourceLocation: sourceLocation)
        }
    }
}

// MARK: - Invariants, every turn

/// docs/engine.md §4/5/7 arithmetic as the spec states it, to check every turn from the previous one.
enum SpecModel {
    static func valueDrift(
        previous v: [Double], hasPastContext: Bool, topicLabel: String, pointers n: Int, flagged: Bool, reward r: Double
    ) -> (state: [Double], delta: [Double]) {
        let lr = 0.03
        var state = v
        var delta = [0.0, 0, 0, 0]
        func add(_ axis: Int, _ change: Double) { state[axis] += change; delta[axis] += change }
        for axis in 0..<4 { add(axis, -state[axis] * 0.001) }
        if hasPastContext { add(0, lr * 0.5) }
        let label = topicLabel.lowercased()
        if ["続き", "前回", "再開", "previous", "continue", "last time"].contains(where: label.contains) { add(0, lr * 0.5) }
        if n >= 3 {
            add(0, lr * 0.4); add(1, -lr * 0.2)
        } else if n >= 1 {
            add(0, lr * 0.2)
        } else {
            add(1, lr * 0.3)
        }
        if flagged { add(2, lr * 0.7) }
        if r != 0 {
            let b = lr * r
            if r > 0 { add(3, b * 0.6); add(1, b * 0.4) } else { add(0, -b * 0.4); add(2, -b * 0.6) }
        }
        return (state.map { min(max($0, -1), 1) }, delta)
    }

    static func traitDrift(
        previous t: [Double], hasPastContext: Bool, topicLabel: String, pointers n: Int, newValue v: [Double],
        affect: (tension: Double, warmth: Double, curiosity: Double)?
    ) -> (state: [Double], delta: [Double]) {
        let lr = 0.01
        var state = t
        var delta = [0.0, 0, 0]
        func add(_ axis: Int, _ change: Double) { state[axis] += change; delta[axis] += change }
        for axis in 0..<3 { add(axis, -state[axis] * 0.0005) }
        if hasPastContext { add(0, lr * 0.3) }
        let label = topicLabel.lowercased()
        if ["衝突", "トラブル", "喧嘩", "conflict", "fight", "problem"].contains(where: label.contains) { add(0, -lr * 0.4) }
        if n >= 3 { add(1, lr * 0.4) } else if n >= 1 { add(1, lr * 0.2) }
        if v[1] > 0 { add(2, lr * 0.5 * v[1]) }
        if v[2] > 0 { add(0, lr * 0.4 * v[2]); add(2, -lr * 0.3 * v[2]) }
        if let affect {
            if affect.tension != 0 { add(0, -lr * 0.5 * affect.tension) }
            if affect.warmth != 0 { add(1, lr * 0.6 * affect.warmth) }
            if affect.curiosity != 0 { add(2, lr * 0.7 * affect.curiosity) }
        }
        return (state.map { min(max($0, -1), 1) }, delta)
    }

    static func reflectiveScore(pointers n: Int, topicLabel: String, value v: [Double], trait t: [Double], length: Int) -> Double {
        var score = 0.0
        if n >= 5 { score += 0.7 } else if n >= 3 { score += 0.5 } else if n >= 1 { score += 0.2 }
        let markers = ["構造", "整理", "まとめ", "振り返り", "考察", "分析", "analysis", "structure", "reason", "理由", "why"]
        if markers.contains(where: topicLabel.lowercased().contains) { score += 0.6 }
        if t[0] >= 0.4 { score += 0.3 } else if t[0] <= -0.4 { score -= 0.2 }
        if t[2] >= 0.5 { score += 0.3 }
        score += max(0, v[2]) * 0.4
        score += max(0, v[0]) * 0.2
        if length >= 400 { score += 0.2 } else if length >= 200 { score += 0.1 }
        return score
    }

    /// docs/engine.md §6's modulation from the state before the turn (the turn passes no memory).
    static func safetyModulation(value v: [Double], trait t: [Double]) -> Double {
        var delta = 0.0
        if t[0] <= -0.4 { delta += 0.08 } else if t[0] >= 0.4 { delta -= 0.02 }
        if v[2] >= 0.6 { delta += 0.06 }
        if v[0] <= -0.3 { delta += 0.05 }
        return delta
    }

    static func flag(for risk: Double) -> String? {
        if risk >= 0.85 { return "blocked" }
        if risk >= 0.60 { return "escalated" }
        if risk >= 0.35 { return "intervened" }
        return nil
    }

    /// `新規トピック: {first line, trimmed, cut to 24}` (docs/engine.md §3).
    static func newTopicLabel(_ message: String) -> String {
        let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return "新規トピック" }
        let head = String(trimmed.split(whereSeparator: \.isNewline).first ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let scalars = Array(head.unicodeScalars)
        guard scalars.count > 24 else { return "新規トピック: " + head }
        var cut = String(String.UnicodeScalarView(scalars.prefix(24)))
        while cut.last?.isWhitespace == true { cut.removeLast() }
        return "新規トピック: " + cut + "…"
    }

    static func prefix(_ text: String, _ count: Int) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(count)))
    }
}

/// Checks each turn against the spec's invariants and against the previous turn.
struct ConversationTracker {
    var previous: JSONValue?
    var traceIDs: Set<String> = []
    /// Garden episodes stored so far (the only episodes any query of the script is similar to).
    var gardenEpisodes = 0

    mutating func check(_ observed: ObservedTurn, number: Int) {
        let meta = observed.meta
        let turn = observed.turn
        let label = "turn \(number) (\(turn.message.prefix(30)))"
        func num(_ path: String...) -> Double? { path.reduce(Optional(meta)) { $0?[$1] }?.doubleValue }
        func int(_ path: String...) -> Int? { path.reduce(Optional(meta)) { $0?[$1] }?.intValue }
        func str(_ path: String...) -> String? { path.reduce(Optional(meta)) { $0?[$1] }?.stringValue }
        func axes(_ group: String, _ part: String, in json: JSONValue?) -> [Double] {
            (group == "value" ? Axes.value : Axes.trait).map { json?[group]?[part]?[$0]?.doubleValue ?? .nan }
        }

        // Shape, reply and trace id.
        #expect(meta.objectValue?.keys == [
            "trace_id", "timing_ms", "safety", "memory", "identity", "value", "trait", "global_state", "controller_meta", "io",
        ], "\(label): meta keys")
        #expect(observed.reply == ConversationStub.reply(to: turn.message), "\(label): reply is the stub's")
        let traceID = str("trace_id") ?? ""
        #expect(traceID.count == 32 && traceID.allSatisfy { $0.isHexDigit && !$0.isUppercase }, "\(label): trace_id \(traceID)")
        #expect(traceIDs.insert(traceID).inserted, "\(label): trace_id is unique")
        #expect(str("io", "message_preview") == "" && str("io", "reply_preview") == "", "\(label): no text tracing")

        // Overload = min(len / 800, 1), len in Unicode scalars.
        let length = turn.message.unicodeScalars.count
        let overload = min(Double(length) / 800, 1)
        #expect(close(num("controller_meta", "overload_score"), overload, tolerance: 1e-12), "\(label): overload_score")
        #expect(close(num("global_state", "meta", "overload_score"), overload, tolerance: 1e-12), "\(label): global overload_score")
        #expect(close(num("controller_meta", "reward_signal"), turn.reward, tolerance: 0), "\(label): reward_signal")

        // Safety, from the state before the turn.
        let previousValue = previous.map { axes("value", "state", in: $0) } ?? [0, 0, 0, 0]
        let previousTrait = previous.map { axes("trait", "state", in: $0) } ?? [0, 0, 0]
        let risk = min(max(turn.baseRisk + SpecModel.safetyModulation(value: previousValue, trait: previousTrait), 0), 1)
        #expect(close(num("safety", "risk_score"), risk), "\(label): risk_score \(String(describing: num("safety", "risk_score"))) ≠ \(risk)")
        let flag = str("safety", "flag")
        #expect(flag == SpecModel.flag(for: num("safety", "risk_score") ?? .nan), "\(label): flag matches the thresholds")
        #expect(flag == SpecModel.flag(for: risk), "\(label): flag \(String(describing: flag))")
        #expect(meta["safety"]?["categories"]?.objectValue?.keys ?? [] == turn.categories, "\(label): categories")
        #expect(meta["controller_meta"]?["safety_flag"] == meta["safety"]?["flag"], "\(label): controller safety_flag")
        #expect(meta["global_state"]?["meta"]?["safety_flag"] == meta["safety"]?["flag"], "\(label): global safety_flag")

        // Memory: only garden-like queries recall anything, and then every garden episode (top 5).
        let lowered = turn.message.lowercased()
        let gardenQuery = ConversationStub.isGarden(turn.message)
        let recallsGarden = gardenQuery || lowered.contains("vaguely")
        let initial = int("memory", "initial_pointer_count") ?? -1
        let final = int("controller_meta", "memory", "pointer_count") ?? -1
        #expect(initial == (recallsGarden ? min(5, gardenEpisodes) : 0), "\(label): initial_pointer_count \(initial)")
        #expect(final >= 0 && final <= initial && final <= 5, "\(label): pointer_count \(final) ≤ initial \(initial)")
        #expect(int("global_state", "meta", "memory_pointer_count") == final, "\(label): global pointer count")
        #expect(meta["controller_meta"]?["memory"]?["raw"] == meta["memory"], "\(label): controller memory.raw")
        #expect(str("memory", "request_preview") == SpecModel.prefix(turn.message, 120), "\(label): request_preview")
        if initial == 0 {
            #expect(str("memory", "info") == "no memory pointers selected by SelectiveRecall", "\(label): info")
            #expect(meta["memory"]?["ambiguity"] == nil && final == 0, "\(label): no ambiguity record")
        } else if !turn.ambiguous {
            #expect(str("memory", "ambiguity", "reason") == "no ambiguity detected", "\(label): not ambiguous")
            #expect(final == initial, "\(label): all pointers kept")
        } else if gardenQuery {
            // Every recalled garden summary has sim 3/5 ≥ 0.15 → the top 3 are kept.
            #expect(str("memory", "ambiguity", "reason") == "ambiguity resolved by semantic reranking", "\(label): resolved")
            #expect(final == min(3, initial), "\(label): top 3 kept")
            #expect(int("memory", "ambiguity", "discarded_count") == initial - final, "\(label): discarded")
        } else {
            // "vaguely": cos ≈ 0.132 passes recall (≥ 0.12 with recency) but not ambiguity's 0.15.
            #expect(str("memory", "ambiguity", "reason") == "ambiguity detected but no relevant memory", "\(label): none left")
            #expect(str("memory", "info") == "ambiguity resolved but no relevant memory left", "\(label): info")
            #expect(final == 0 && int("memory", "ambiguity", "discarded_count") == initial, "\(label): all discarded")
        }
        #expect((meta["memory"]?["memory_search"] != nil) == turn.asksAboutThePast, "\(label): memory_search iff past question")
        if turn.asksAboutThePast {
            #expect(int("memory", "memory_search", "hit_count") == (gardenQuery ? min(10, gardenEpisodes) : 0), "\(label): hit_count")
        }

        // Identity.
        let hasPast = final > 0
        let topic = hasPast ? "過去の会話の続き（自動推定）" : SpecModel.newTopicLabel(turn.message)
        #expect(meta["identity"]?["has_past_context"]?.boolValue == hasPast, "\(label): has_past_context")
        #expect(str("identity", "topic_label") == topic, "\(label): topic_label \(String(describing: str("identity", "topic_label")))")
        #expect(meta["identity"]?["anchor_hint"]?.isNull == true, "\(label): anchor_hint")
        #expect(meta["global_state"]?["meta"]?["identity_context"] == meta["identity"], "\(label): identity in global meta")

        // Value and trait: in range, state = previous + delta (no clipping this early), and the spec's drift.
        let value = axes("value", "state", in: meta)
        let valueDelta = axes("value", "delta", in: meta)
        let trait = axes("trait", "state", in: meta)
        let traitDelta = axes("trait", "delta", in: meta)
        #expect((value + trait).allSatisfy { (-1...1).contains($0) }, "\(label): axes within [-1, 1]")
        for index in value.indices {
            #expect(close(value[index], previousValue[index] + valueDelta[index], tolerance: 1e-12), "\(label): value \(Axes.value[index]) continues")
        }
        for index in trait.indices {
            #expect(close(trait[index], previousTrait[index] + traitDelta[index], tolerance: 1e-12), "\(label): trait \(Axes.trait[index]) continues")
        }
        let expectedValue = SpecModel.valueDrift(
            previous: previousValue, hasPastContext: hasPast, topicLabel: topic, pointers: final, flagged: flag != nil, reward: turn.reward)
        let expectedTrait = SpecModel.traitDrift(
            previous: previousTrait, hasPastContext: hasPast, topicLabel: topic, pointers: final, newValue: expectedValue.state,
            affect: turn.affect)
        for (index, axis) in Axes.value.enumerated() {
            #expect(close(value[index], expectedValue.state[index]), "\(label): value.\(axis) \(value[index]) ≠ \(expectedValue.state[index])")
            #expect(close(valueDelta[index], expectedValue.delta[index]), "\(label): value delta \(axis)")
        }
        for (index, axis) in Axes.trait.enumerated() {
            #expect(close(trait[index], expectedTrait.state[index]), "\(label): trait.\(axis) \(trait[index]) ≠ \(expectedTrait.state[index])")
            #expect(close(traitDelta[index], expectedTrait.delta[index]), "\(label): trait delta \(axis)")
        }
        #expect(meta["controller_meta"]?["value_delta"] == meta["value"]?["delta"], "\(label): controller value_delta")
        #expect(meta["controller_meta"]?["trait_delta"] == meta["trait"]?["delta"], "\(label): controller trait_delta")
        #expect(meta["global_state"]?["meta"]?["value_state"] == meta["value"]?["state"], "\(label): global value_state")
        #expect(meta["global_state"]?["meta"]?["trait_state"] == meta["trait"]?["state"], "\(label): global trait_state")

        // Global state: prev_state chains; SAFETY_LOCK iff flag or safety_bias ≥ 0.6; then overload, reflective.
        let reflective = SpecModel.reflectiveScore(pointers: final, topicLabel: topic, value: value, trait: trait, length: length)
        #expect(close(num("global_state", "meta", "reflective_score"), reflective), "\(label): reflective_score \(String(describing: num("global_state", "meta", "reflective_score"))) ≠ \(reflective)")
        let state = str("global_state", "state")
        let expectedState: String
        if flag != nil || value[2] >= 0.6 {
            expectedState = "SAFETY_LOCK"
        } else if overload >= 0.75 {
            expectedState = "OVERLOADED"
        } else if reflective >= 1.0 {
            expectedState = "REFLECTIVE"
        } else {
            expectedState = "NORMAL"
        }
        #expect(state == expectedState, "\(label): state \(String(describing: state)), expected \(expectedState)")
        #expect(meta["global_state"]?["prev_state"] == (previous?["global_state"]?["state"] ?? .null), "\(label): prev_state")
        let reasons = meta["global_state"]?["reasons"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let flag {
            #expect(reasons.contains("safety_flag=\(flag) → SAFETY_LOCK"), "\(label): reasons \(reasons)")
        }
        #expect(expectedState == "NORMAL" || !reasons.isEmpty, "\(label): a non-NORMAL state says why")
        #expect(meta["controller_meta"]?["global_state"] == meta["global_state"], "\(label): controller global_state")
        #expect(str("global_state", "meta", "request_preview") == SpecModel.prefix(turn.message, 120), "\(label): global request_preview")

        if observed.reply == ConversationStub.gardenReply { gardenEpisodes += 1 }
        previous = meta
    }
}
