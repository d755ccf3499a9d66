import SigmarisJSON
import Testing
@testable import SigmarisEngine

/// A full three-turn conversation through `PersonaEngine.runTurn` with fixed 4-d vectors.
///
/// Every expected number below is worked out by hand in the comments, from the spec's rules.
@Suite("Three-turn conversation")
struct ThreeTurnConversationTests {

    static let selfHarmAnchor = "The user is talking about killing themself or self-harm."

    /// Vectors: conversation texts live in dims 0–1 (and 2 for two texts), the self-harm anchor is
    /// dim 3, every other anchor is dim 2, so only turn 3 has a semantic safety signal.
    static func makeProvider() -> StubProvider {
        var vectors: [String: [Float]] = [
            "Hello there": [1, 0, 0, 0],
            "Nice to meet you.": [0, 1, 0, 0],
            "Tell me about that thing again": [0.8, 0.6, 0, 0],
            "We planned a trip to Kyoto.": [0.6, 0.8, 0, 0],
            "Grocery list: milk": [0, 0, 1, 0],
            "Kyoto was the plan.": [0, 0.6, 0.8, 0],
            "I want to kill myself": [0, 0.6, 0, 0.8],
            "  I want to kill myself  ": [0, 0.6, 0, 0.8],
            "I'm here with you.": [0, 0, 0, 1],
        ]
        for anchor in PersonaConstants.Safety.semanticAnchors {
            vectors[anchor.sentence] = anchor.sentence == selfHarmAnchor ? [0, 0, 0, 1] : [0, 0, 1, 0]
        }
        return StubProvider(
            vectors: vectors,
            replies: [
                "Hello there": "Nice to meet you.",
                "Tell me about that thing again": "Kyoto was the plan.",
                "  I want to kill myself  ": "I'm here with you.",
            ]
        )
    }

    /// Episodes that existed before the conversation: one without a stored embedding, one whose
    /// stored embedding (stale, from another model) disagrees with its summary's embedding.
    static let olderEpisodes = [
        Fixtures.episode("old-1", "We planned a trip to Kyoto."),
        Fixtures.episode("old-2", "Grocery list: milk", embedding: [0.8, 0.6, 0, 0]),
    ]

    @Test("numbers, shapes and embedding calls of each turn")
    func conversation() async throws {
        let provider = Self.makeProvider()
        let engine = PersonaEngine(provider: provider, anchors: SafetyAnchorCache())

        // MARK: Turn 1 — a new user says hello; no episodes the engine can recall.
        let turn1 = try await engine.runTurn(
            TurnRequest(userID: "u1", message: "Hello there"), state: .initial, recentEpisodes: [], context: Fixtures.context(1)
        )
        // Embedding calls: the message, then the anchors (first use of the cache), then the reply summary.
        let calls1 = await provider.log.calls
        #expect(calls1 == [["Hello there"], PersonaConstants.Safety.semanticAnchors.map(\.sentence), ["Nice to meet you."]])
        #expect(turn1.reply == "Nice to meet you.")
        #expect(turn1.sessionID == "u1:" + String(repeating: "a", count: 32))
        #expect(turn1.meta.objectValue?.keys == [
            "trace_id", "timing_ms", "safety", "memory", "identity", "value", "trait", "global_state", "controller_meta", "io",
        ])
        // Safety: no keyword, message ⟂ anchors → risk 0.
        #expect(turn1.meta["safety"]?.serialized()
            == #"{"flag":null,"risk_score":0,"categories":{},"reasons":["risk_score=0.00 below all thresholds → no safety_flag"]}"#)
        #expect(turn1.meta["memory"]?.serialized()
            == #"{"request_preview":"Hello there","initial_pointer_count":0,"info":"no memory pointers selected by SelectiveRecall"}"#)
        #expect(turn1.meta["identity"]?.serialized()
            == #"{"topic_label":"新規トピック: Hello there","has_past_context":false,"anchor_hint":null,"memory_preview":null}"#)
        // Value: no pointers → openness += 0.03 * 0.3 = 0.009.
        expectValue(turn1.meta["value"]?["state"], [0, 0.009, 0, 0])
        expectValue(turn1.meta["value"]?["delta"], [0, 0.009, 0, 0])
        // Trait: openness 0.009 > 0 → curiosity += 0.01 * 0.5 * 0.009 = 0.000045.
        expectTrait(turn1.meta["trait"]?["state"], [0, 0, 0.000045])
        // State: reflective 0 (no pointers, no markers, 11 characters); overload 11/800 = 0.01375.
        let global1 = turn1.meta["global_state"]
        #expect(global1?["state"] == "NORMAL")
        #expect(global1?["prev_state"] == .null)
        #expect(global1?["reasons"] == [])
        expectClose(global1?["meta"]?["reflective_score"]?.doubleValue, 0)
        expectClose(global1?["meta"]?["overload_score"]?.doubleValue, 0.01375)
        #expect(turn1.meta["controller_meta"]?["memory"]?["pointer_count"] == 0)
        #expect(turn1.meta["io"] == ["message_preview": "", "reply_preview": ""])
        #expect(turn1.newState.turnCount == 1)
        #expect(turn1.newState.globalState == .normal)
        #expect(turn1.episode == Episode(
            episodeID: "ep-1", timestamp: Fixtures.context(1).now, summary: "Nice to meet you.", rawContext: "Hello there",
            embedding: [0, 1, 0, 0], meta: ["trace_id": .string(Fixtures.context(1).traceID), "session_id": .string(turn1.sessionID)]
        ))

        // MARK: Turn 2 — "that thing" is ambiguous; three episodes to recall from.
        await provider.log.reset()
        let episodes2 = [turn1.episode] + Self.olderEpisodes
        let turn2 = try await engine.runTurn(
            TurnRequest(userID: "u1", sessionID: "s-1", message: "Tell me about that thing again", rewardSignal: 1,
                        affectSignal: AffectSignal(warmth: 0.5)),
            state: turn1.newState, recentEpisodes: episodes2, context: Fixtures.context(2)
        )
        // Batch 1: the message and old-1's summary (the others have stored embeddings).
        // Batch 2 (ambiguity): summaries of pointers not embedded yet. Then the reply summary.
        // The anchors are cached: no call.
        let calls2 = await provider.log.calls
        #expect(calls2 == [
            ["Tell me about that thing again", "We planned a trip to Kyoto."],
            ["Grocery list: milk", "Nice to meet you."],
            ["Kyoto was the plan."],
        ])
        // Recall (q = (0.8, 0.6), total 3):
        //   ep-1  (0,1)       0.6  + 0.03 * 3/3 = 0.63
        //   old-1 (0.6,0.8)   0.96 + 0.03 * 2/3 = 0.98
        //   old-2 (0.8,0.6)*  1.0  + 0.03 * 1/3 = 1.01   (*stale stored embedding)
        // → 3 initial pointers. Ambiguity re-embeds pointer summaries: old-2's is (0,0,1,0) → 0 → dropped;
        // old-1 0.96, ep-1 0.6 kept (in that order).
        let memory2 = turn2.meta["memory"]
        #expect(memory2?["initial_pointer_count"] == 3)
        #expect(memory2?["ambiguity"]?["reason"] == "ambiguity resolved by semantic reranking")
        #expect(memory2?["ambiguity"]?["resolved_count"] == 2)
        #expect(memory2?["ambiguity"]?["discarded_count"] == 1)
        #expect(memory2?["merge"]?["raw_segments_count"] == 2)
        #expect(memory2?["merge"]?["used_pointers_count"] == 2)
        let merged2 = "【関連する過去文脈】\n[1] We planned a trip to Kyoto.\n[2] Nice to meet you."
        #expect(turn2.meta["identity"] == [
            "topic_label": "過去の会話の続き（自動推定）", "has_past_context": true, "anchor_hint": nil, "memory_preview": .string(merged2),
        ])
        let replyRequests2 = await provider.log.replyRequests
        #expect(replyRequests2.first?.mergedSummary == merged2)
        #expect(replyRequests2.first?.prevState == .normal)
        // Value from (0, 0.009, 0, 0):
        //   decay: openness -0.000009 → 0.008991
        //   identity: past context +0.015, label has 続き +0.015 → stability 0.03
        //   memory: n = 2 → stability +0.006 → 0.036
        //   reward r = 1: b = 0.03 → alignment +0.018, openness +0.012 → 0.020991
        expectValue(turn2.meta["value"]?["state"], [0.036, 0.020991, 0, 0.018])
        expectValue(turn2.meta["value"]?["delta"], [0.036, 0.011991, 0, 0.018])
        // Trait from (0, 0, 0.000045):
        //   decay: curiosity -0.0000000225 → 0.0000449775
        //   identity: past context → calm +0.003
        //   memory: n = 2 → empathy +0.002
        //   value: openness 0.020991 → curiosity +0.01 * 0.5 * 0.020991 = 0.000104955 → 0.0001499325
        //   affect: warmth 0.5 → empathy +0.003 → 0.005
        expectTrait(turn2.meta["trait"]?["state"], [0.003, 0.005, 0.0001499325])
        expectTrait(turn2.meta["trait"]?["delta"], [0.003, 0.005, 0.0001049325])
        // Reflective: n = 2 → 0.2; stability 0.036 * 0.2 = 0.0072 → 0.2072. Overload 30/800 = 0.0375.
        let global2 = turn2.meta["global_state"]
        #expect(global2?["state"] == "NORMAL")
        #expect(global2?["prev_state"] == "NORMAL")
        expectClose(global2?["meta"]?["reflective_score"]?.doubleValue, 0.2072)
        expectClose(global2?["meta"]?["overload_score"]?.doubleValue, 0.0375)
        #expect(turn2.meta["controller_meta"]?["memory"]?["pointer_count"] == 2)
        #expect(turn2.meta["controller_meta"]?["memory"]?["has_merged_summary"] == true)
        #expect(turn2.meta["controller_meta"]?["reward_signal"] == 1)
        #expect(turn2.sessionID == "s-1")
        #expect(turn2.newState.turnCount == 2)

        // MARK: Turn 3 — a self-harm message (with surrounding spaces), four episodes.
        await provider.log.reset()
        let episodes3 = [turn2.episode] + episodes2
        let turn3 = try await engine.runTurn(
            TurnRequest(userID: "u1", sessionID: "s-1", message: "  I want to kill myself  ", rewardSignal: -1,
                        affectSignal: AffectSignal(tension: 1)),
            state: turn2.newState, recentEpisodes: episodes3, context: Fixtures.context(3)
        )
        // Batch 1: trimmed message (safety), raw message (recall), old-1's summary. Then the reply summary.
        let calls3 = await provider.log.calls
        #expect(calls3 == [
            ["I want to kill myself", "  I want to kill myself  ", "We planned a trip to Kyoto."],
            ["I'm here with you."],
        ])
        // Safety: "kill myself" → self_harm 0.6, rule score 0.8; self-harm anchor similarity 0.8
        // → category max(0.6, 0.8) = 0.8, semantic min(0.8, 0.8) = 0.8; no modulation → risk 0.8 → escalated.
        #expect(turn3.safety.flag == .escalated)
        expectClose(turn3.safety.riskScore, 0.8, tolerance: 1e-6)
        #expect(turn3.safety.categories.map(\.category) == ["self_harm"])
        expectClose(turn3.safety.categories[0].score, 0.8, tolerance: 1e-6)
        #expect(turn3.safety.reasons == [
            "rule_hits=['self_harm:kill myself']",
            "semantic_risk≈0.80 (embedding-based assessment)",
            "risk_score=0.80 >= escalate_threshold=0.60",
        ])
        // Recall (q = (0, 0.6, 0, 0.8), total 4):
        //   ep-2  (0,0.6,0.8,0)  0.36 + 0.03        = 0.39
        //   ep-1  (0,1,0,0)      0.6  + 0.03 * 3/4 = 0.6225
        //   old-1 (0.6,0.8,0,0)  0.48 + 0.03 * 2/4 = 0.495
        //   old-2 (0.8,0.6,0,0)  0.36 + 0.03 * 1/4 = 0.3675
        // Not ambiguous → all four kept, in score order.
        let memory3 = turn3.meta["memory"]
        #expect(memory3?["initial_pointer_count"] == 4)
        #expect(memory3?["ambiguity"]?["reason"] == "no ambiguity detected")
        #expect(memory3?["merge"]?["raw_segments_count"] == 4)
        let pointers3 = turn3.turnRows[1].meta["memory_pointers"]?.arrayValue ?? []
        #expect(pointers3.compactMap { $0["episode_id"]?.stringValue } == ["ep-1", "old-1", "ep-2", "old-2"])
        let scores3 = pointers3.compactMap { $0["score"]?.doubleValue }
        for (score, expected) in zip(scores3, [0.6225, 0.495, 0.39, 0.3675]) {
            expectClose(score, expected, tolerance: 1e-6)
        }
        // Value from (0.036, 0.020991, 0, 0.018):
        //   decay: stability 0.035964, openness 0.020970009, alignment 0.017982
        //   identity +0.015 +0.015 → 0.065964; memory n = 4 → stability +0.012 → 0.077964, openness -0.006 → 0.014970009
        //   safety (escalated) → safety_bias +0.021; reward r = -1 (b = -0.03) → stability +0.012 → 0.089964, safety_bias +0.018 → 0.039
        expectValue(turn3.meta["value"]?["state"], [0.089964, 0.014970009, 0.039, 0.017982])
        expectValue(turn3.meta["value"]?["delta"], [0.053964, -0.006020991, 0.039, -0.000018])
        // Trait from (0.003, 0.005, 0.0001499325):
        //   decay: calm 0.0029985, empathy 0.0049975, curiosity 0.00014985753375
        //   identity: calm +0.003 → 0.0059985; memory n = 4: empathy +0.004 → 0.0089975
        //   value: openness 0.014970009 → curiosity +0.000074850045; safety_bias 0.039 → calm +0.000156, curiosity -0.000117
        //   affect: tension 1 → calm -0.005 → 0.0011545; curiosity 0.00010770757875
        expectTrait(turn3.meta["trait"]?["state"], [0.0011545, 0.0089975, 0.00010770757875])
        expectTrait(turn3.meta["trait"]?["delta"], [-0.0018455, 0.0039975, -0.00004222492125])
        // State: the safety flag wins. Reflective: n = 4 → 0.5; 0.039 * 0.4 = 0.0156; 0.089964 * 0.2 = 0.0179928
        // → 0.5335928. Overload 25/800 = 0.03125.
        let global3 = turn3.meta["global_state"]
        #expect(global3?["state"] == "SAFETY_LOCK")
        #expect(global3?["prev_state"] == "NORMAL")
        #expect(global3?["reasons"] == ["safety_flag=escalated → SAFETY_LOCK"])
        expectClose(global3?["meta"]?["reflective_score"]?.doubleValue, 0.5335928)
        expectClose(global3?["meta"]?["overload_score"]?.doubleValue, 0.03125)
        #expect(global3?["meta"]?["safety_flag"] == "escalated")
        #expect(turn3.meta["controller_meta"]?["safety_flag"] == "escalated")
        #expect(turn3.newState.globalState == .safetyLock)
        #expect(turn3.newState.turnCount == 3)

        // docs/engine.md §10's extraction of the last turn.
        let fields = StateSnapshotFields(meta: turn3.meta)
        #expect(fields.globalState == "SAFETY_LOCK")
        expectClose(fields.overloadScore, 0.03125)
        expectClose(fields.reflectiveScore, 0.5335928)
        #expect(fields.memoryPointerCount == 4)
        #expect(fields.safetyFlag == "escalated")
        expectClose(fields.safetyRiskScore, 0.8, tolerance: 1e-6)
        #expect(fields.valueState == turn3.meta["value"]?["state"])
        #expect(fields.traitState == turn3.meta["trait"]?["state"])

        // The meta survives a JSON round trip unchanged (what the app stores and returns).
        #expect(try JSONValue(parsing: turn3.meta.serialized()) == turn3.meta)
    }

    @Test("no text is embedded twice within a turn")
    func noDuplicateEmbeddings() async throws {
        let provider = Self.makeProvider()
        let engine = PersonaEngine(provider: provider, anchors: SafetyAnchorCache())
        // Episodes whose summaries equal the message: the memo must reuse the message's vector.
        let episodes = [
            Fixtures.episode("a", "Tell me about that thing again"),
            Fixtures.episode("b", "Tell me about that thing again"),
            Fixtures.episode("c", "We planned a trip to Kyoto."),
        ]
        _ = try await engine.runTurn(
            TurnRequest(userID: "u", message: "Tell me about that thing again"), state: .initial,
            recentEpisodes: episodes, context: Fixtures.context(4)
        )
        let anchors = Set(PersonaConstants.Safety.semanticAnchors.map(\.sentence))
        let texts = await provider.log.calls.flatMap { $0 }.filter { !anchors.contains($0) }
        #expect(texts.count == Set(texts).count, "embedded twice: \(texts)")
        #expect(texts.contains("Tell me about that thing again"))
    }

    private func expectValue(_ json: JSONValue?, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(json?.objectValue?.keys == ["stability", "openness", "safety_bias", "user_alignment"], sourceLocation: sourceLocation)
        let keys = ["stability", "openness", "safety_bias", "user_alignment"]
        for (key, value) in zip(keys, expected) {
            expectClose(json?[key]?.doubleValue, value, sourceLocation: sourceLocation)
        }
    }

    private func expectTrait(_ json: JSONValue?, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(json?.objectValue?.keys == ["calm", "empathy", "curiosity"], sourceLocation: sourceLocation)
        for (key, value) in zip(["calm", "empathy", "curiosity"], expected) {
            expectClose(json?[key]?.doubleValue, value, sourceLocation: sourceLocation)
        }
    }
}
