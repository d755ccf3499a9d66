import SigmarisJSON
import Testing
@testable import SigmarisEngine

@Suite("Engine behaviour")
struct PersonaEngineBehaviourTests {

    func run(
        _ request: TurnRequest, provider: StubProvider = StubProvider(), episodes: [Episode] = [],
        state: PersonaState = .initial, context: TurnContext = Fixtures.context(1)
    ) async throws -> TurnResult {
        try await PersonaEngine(provider: provider, anchors: SafetyAnchorCache())
            .runTurn(request, state: state, recentEpisodes: episodes, context: context)
    }

    @Test("one trace event per pipeline step, in order")
    func traceEvents() async throws {
        let result = try await run(TurnRequest(userID: "u", message: "hi"))
        #expect(result.traceEvents.map(\.name) == [
            "start", "safety_assessed", "memory_selected", "identity_built", "value_drift", "trait_drift",
            "global_state", "llm_generated", "stored", "persona_chat.completed",
        ])
    }

    @Test("text tracing fills the io previews; off, they are empty")
    func textTracing() async throws {
        let traced = try await run(TurnRequest(userID: "u", message: "hello"), context: Fixtures.context(1, textTracing: true))
        #expect(traced.meta["io"] == ["message_preview": "hello", "reply_preview": "OK."])
        #expect(traced.traceEvents[0].fields["message_preview"] == "hello")
        let quiet = try await run(TurnRequest(userID: "u", message: "hello"))
        #expect(quiet.traceEvents[0].fields["message_preview"] == "")
    }

    @Test("an empty session id falls back to user:hex")
    func defaultSession() async throws {
        let result = try await run(TurnRequest(userID: "u", sessionID: "", message: "x"))
        #expect(result.sessionID == "u:" + String(repeating: "a", count: 32))
    }

    @Test("overload: 600 characters → 0.75 → OVERLOADED")
    func overloaded() async throws {
        let result = try await run(TurnRequest(userID: "u", message: String(repeating: "a", count: 600)))
        #expect(result.meta["global_state"]?["state"] == "OVERLOADED")
        expectClose(result.meta["controller_meta"]?["overload_score"]?.doubleValue, 0.75)
        let capped = try await run(TurnRequest(userID: "u", message: String(repeating: "a", count: 2000)))
        expectClose(capped.meta["controller_meta"]?["overload_score"]?.doubleValue, 1)
    }

    @Test("an explicit silence request reaches the provider as SILENT with the prefixed user content")
    func silence() async throws {
        let provider = StubProvider()
        _ = try await run(TurnRequest(userID: "u", message: "hi", requestsSilence: true), provider: provider)
        let request = await provider.log.replyRequests.first
        #expect(request?.globalState == .silent)
        #expect(request?.userContent == PersonaConstants.Prompt.silentUserPrefix + "hi")
    }

    @Test("only the 50 newest episodes are read")
    func episodeLimit() async throws {
        let provider = StubProvider()
        let episodes = (0..<60).map { Fixtures.episode("e\($0)", "summary \($0)") }
        _ = try await run(TurnRequest(userID: "u", message: "hi"), provider: provider, episodes: episodes)
        let embedded = await provider.log.calls.flatMap { $0 }
        #expect(embedded.contains("summary 49"))
        #expect(!embedded.contains("summary 50"))
    }

    @Test("turn rows, snapshots and the persisted state")
    func persistedRows() async throws {
        let state = PersonaState(value: ValueState(stability: 0.5), trait: .zero, globalState: .reflective, turnCount: 7)
        let result = try await run(TurnRequest(userID: "u", message: "hello"), state: state)
        #expect(result.turnRows.map(\.role) == ["user", "assistant"])
        #expect(result.turnRows.map(\.content) == ["hello", "OK."])
        #expect(result.turnRows[0].meta["direction"] == "input")
        #expect(result.turnRows[1].meta.objectValue?.keys == [
            "direction", "user_id", "identity_context", "global_state", "memory_pointers", "memory_raw",
        ])
        #expect(result.valueSnapshot.state == result.meta["value"]?["state"])
        #expect(result.valueSnapshot.delta == result.meta["value"]?["delta"])
        #expect(result.traitSnapshot.meta.objectValue?.keys == ["trace_id", "request_preview", "memory_pointer_count", "identity_topic_label"])
        #expect(result.newState.turnCount == 8)
        #expect(result.meta["global_state"]?["prev_state"] == "REFLECTIVE")
        #expect(result.modelName == "stub-model")
        #expect(result.traceID == Fixtures.context(1).traceID)
    }

    @Test("the local provider runs a Japanese turn and a crisis turn end to end")
    func localProvider() async throws {
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        let first = try await engine.runTurn(
            TurnRequest(userID: "u", message: "京都旅行の計画を立てたい"), state: .initial, recentEpisodes: [], context: Fixtures.context(1)
        )
        #expect(first.reply.hasPrefix("「京都旅行の計画を立てたい」"))
        #expect(first.episode.embedding.count == 256)
        #expect(first.modelName == "sigmaris-local-v1")

        let crisis = try await engine.runTurn(
            TurnRequest(userID: "u", message: "I want to end my life"), state: first.newState,
            recentEpisodes: [first.episode], context: Fixtures.context(2)
        )
        #expect(crisis.newState.globalState == .safetyLock)
        #expect(crisis.reply.contains("If you are in immediate danger"))
    }

    @Test("deterministic: the same inputs and context give the same result (timing aside)")
    func deterministic() async throws {
        let episodes = [Fixtures.episode("a", "京都旅行の計画"), Fixtures.episode("b", "Kyoto budget")]
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        var first = try await engine.runTurn(
            TurnRequest(userID: "u", message: "京都の計画、覚えてる？"), state: .initial, recentEpisodes: episodes, context: Fixtures.context(5)
        )
        var second = try await engine.runTurn(
            TurnRequest(userID: "u", message: "京都の計画、覚えてる？"), state: .initial, recentEpisodes: episodes, context: Fixtures.context(5)
        )
        first.meta = Self.withoutTiming(first.meta)
        second.meta = Self.withoutTiming(second.meta)
        first.traceEvents = []
        second.traceEvents = []
        #expect(first == second)
        #expect(first.meta["memory"]?["memory_search"]?["engine"] == "recent_episodes")
    }

    static func withoutTiming(_ meta: JSONValue) -> JSONValue {
        guard var object = meta.objectValue else { return meta }
        object["timing_ms"] = 0
        return .object(object)
    }
}
