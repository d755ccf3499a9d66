import Synchronization
import Testing
@testable import SigmarisEngine

/// Streams scripted pieces, optionally failing after some of them.
private struct ScriptedStreamProvider: PersonaProvider {
    struct Failure: Error, CustomStringConvertible { var description: String { "stream broke, key=sk-secret123" } }

    var pieces: [String]
    var failAfter: Int? = nil
    var modelName: String { "scripted" }

    func embed(_ texts: [String]) async throws -> [[Float]] { texts.map { _ in [0, 0, 0, 1] } }

    func reply(to request: ReplyRequest) async throws -> String {
        if failAfter != nil { throw Failure() }
        return pieces.joined()
    }

    func streamReply(to request: ReplyRequest, onDelta: (String) async throws -> Void) async throws -> String {
        for (index, piece) in pieces.enumerated() {
            if index == failAfter { throw Failure() }
            try await onDelta(piece)
        }
        if failAfter == pieces.count { throw Failure() }
        return pieces.joined()
    }
}

/// Collects what a turn streams.
private final class DeltaLog: Sendable {
    let pieces = Mutex<[String]>([])
    var all: [String] { pieces.withLock { $0 } }

    func listener(failingAt failure: Int? = nil) -> ReplyDeltaListener {
        { piece in
            let count = self.pieces.withLock { pieces in
                pieces.append(piece)
                return pieces.count
            }
            if count == failure { throw CancellationError() }
        }
    }
}

@Suite("Engine: streamed replies")
struct PersonaEngineStreamingTests {
    private static func run(
        _ provider: any PersonaProvider, message: String = "hello there", raise: Bool = false, listener: ReplyDeltaListener?
    ) async throws(PersonaEngineError) -> TurnResult {
        try await PersonaEngine(provider: provider, anchors: SafetyAnchorCache()).runTurn(
            TurnRequest(userID: "u", message: message), state: .initial, recentEpisodes: [],
            context: Fixtures.context(1, raise: raise), replyDeltas: listener)
    }

    /// The result without its one clock reading.
    private static func comparable(_ result: TurnResult) -> TurnResult {
        var result = result
        result.meta = PersonaEngineBehaviourTests.withoutTiming(result.meta)
        result.traceEvents = result.traceEvents.map { event in
            TraceEvent(name: event.name, fields: PersonaEngineBehaviourTests.withoutTiming(event.fields))
        }
        return result
    }

    @Test(
        "the local provider streams word by word, and the turn is the turn it is without streaming",
        arguments: [
            "hello there, how are you today?",
            "最近ちょっと疲れていて、どうしたらいいか分からない。",
            "I want to kill myself",
            "Please be silent",
            String(repeating: "long message ", count: 200),
        ])
    func localProviderMatchesJSON(message: String) async throws {
        let log = DeltaLog()
        let streamed = try await Self.run(LocalProvider(), message: message, listener: log.listener())
        let plain = try await Self.run(LocalProvider(), message: message, listener: nil)
        #expect(log.all.joined() == streamed.reply)
        #expect(Self.comparable(streamed) == Self.comparable(plain))
        switch streamed.newState.globalState {
        case .safetyLock, .silent: #expect(log.all.count == 1)
        default: #expect(log.all.count > 1)
        }
    }

    @Test("pieces arrive in order; leading whitespace is held back until text follows")
    func order() async throws {
        let log = DeltaLog()
        let result = try await Self.run(ScriptedStreamProvider(pieces: ["\n", " ", "Hel", "lo", "", " you"]), listener: log.listener())
        #expect(log.all == ["\n Hel", "lo", " you"])
        #expect(result.reply == "\n Hello you")
    }

    @Test("an empty streamed completion is a failure: the fallback sentence, as one piece")
    func emptyStream() async throws {
        let log = DeltaLog()
        let result = try await Self.run(ScriptedStreamProvider(pieces: [" ", "\n"]), listener: log.listener())
        #expect(result.usedFallbackReply)
        #expect(log.all == [PersonaConstants.Turn.providerFallbackReply])
    }

    @Test("a failure before the first piece falls back as without streaming")
    func failureBeforeFirstPiece() async throws {
        let log = DeltaLog()
        let result = try await Self.run(ScriptedStreamProvider(pieces: ["a"], failAfter: 0), listener: log.listener())
        #expect(result.reply == PersonaConstants.Turn.providerFallbackReply)
        #expect(log.all == [PersonaConstants.Turn.providerFallbackReply])
    }

    @Test("a failure before the first piece with raised provider errors fails the turn, nothing delivered")
    func failureBeforeFirstPieceRaised() async {
        let log = DeltaLog()
        await #expect(throws: PersonaEngineError.self) {
            try await Self.run(ScriptedStreamProvider(pieces: ["a"], failAfter: 0), raise: true, listener: log.listener())
        }
        #expect(log.all.isEmpty)
    }

    @Test("a failure after the first piece fails the turn (redacted), whatever the fallback setting")
    func failureMidStream() async {
        let log = DeltaLog()
        do {
            _ = try await Self.run(ScriptedStreamProvider(pieces: ["Hel", "lo"], failAfter: 1), raise: false, listener: log.listener())
            Issue.record("expected providerFailed")
        } catch {
            guard case .providerFailed(let description) = error else { Issue.record("got \(error)"); return }
            #expect(!description.contains("sk-secret123"))
        }
        #expect(log.all == ["Hel"])
    }

    @Test("a listener that throws stops the turn at once")
    func listenerGone() async {
        let log = DeltaLog()
        await #expect(throws: PersonaEngineError.abandoned) {
            try await Self.run(ScriptedStreamProvider(pieces: ["a", "b", "c", "d"]), listener: log.listener(failingAt: 2))
        }
        #expect(log.all == ["a", "b"])
    }

    @Test("a listener that throws on the fallback sentence stops the turn")
    func listenerGoneOnFallback() async {
        let log = DeltaLog()
        await #expect(throws: PersonaEngineError.abandoned) {
            try await Self.run(ScriptedStreamProvider(pieces: [], failAfter: 0), listener: log.listener(failingAt: 1))
        }
    }

    @Test("a provider without streaming delivers its reply as one piece")
    func defaultStreaming() async throws {
        let log = DeltaLog()
        let result = try await Self.run(StubProvider(defaultReply: "Just this."), listener: log.listener())
        #expect(log.all == ["Just this."])
        #expect(result.reply == "Just this.")
    }

    @Test("word pieces concatenate to the text", arguments: ["a b  c\n", "", " lead", "こんにちは。元気、です"])
    func words(text: String) {
        #expect(LocalReplyComposer.words(of: text).joined() == text)
    }
}
