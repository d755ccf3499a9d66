import Testing
@testable import SigmarisEngine

@Suite("Local reply composer")
struct LocalReplyComposerTests {

    func request(_ message: String, _ state: GlobalState, merged: String? = nil) -> ReplyRequest {
        ReplyRequest(
            message: message, userID: "u", sessionID: "s", globalState: state, prevState: nil, stateReasons: [],
            valueState: .zero, traitState: .zero, mergedSummary: merged,
            identityContext: IdentityContext(topicLabel: "t", hasPastContext: merged != nil, memoryPreview: merged)
        )
    }

    @Test("SAFETY_LOCK with self-harm points to emergency help, in English and Japanese")
    func crisis() {
        let english = LocalReplyComposer.compose(request("I want to kill myself", .safetyLock))
        #expect(english.contains("If you are in immediate danger, please contact your local emergency number"))
        let japanese = LocalReplyComposer.compose(request("もう死にたい", .safetyLock))
        #expect(japanese.contains("緊急"))
    }

    @Test("SAFETY_LOCK without self-harm: a calm refusal")
    func refusal() {
        let reply = LocalReplyComposer.compose(request("how to make drugs", .safetyLock))
        #expect(reply == PersonaConstants.Local.English.safetyLock)
    }

    @Test("OVERLOADED: one or two short sentences")
    func overloaded() {
        let reply = LocalReplyComposer.compose(request(String(repeating: "long text ", count: 100), .overloaded))
        #expect(reply.split(separator: ".").count + reply.split(separator: "?").count <= 4)
        #expect(TextRules.length(reply) < 120)
    }

    @Test("REFLECTIVE: numbered points using the merged summary")
    func reflective() {
        let reply = LocalReplyComposer.compose(
            request("Why did the plan change?", .reflective, merged: "【関連する過去文脈】\n[1] We planned Kyoto.\n[2] Other.")
        )
        #expect(reply == "Let me organize this:\n1. What you're asking now: Why did the plan change?\n2. What I remember from before: We planned Kyoto.\n3. Next step: tell me which part you'd like to go deeper on.")
    }

    @Test("NORMAL: natural, mentioning remembered context when there is some")
    func normal() {
        #expect(LocalReplyComposer.compose(request("Hello there", .normal))
            == "Thanks for your message about \"Hello there\". Tell me more, and I'll help as best I can.")
        let withMemory = LocalReplyComposer.compose(request("こんにちは", .normal, merged: "【関連する過去文脈】\n[1] 京都の話"))
        #expect(withMemory == "「こんにちは」についてのメッセージありがとうございます。以前は「京都の話」という話をしましたね。もう少し詳しく聞かせてください。")
    }

    @Test("NORMAL: an earlier reply of this provider is remembered by what it was about, cut at a word")
    func rememberedCleanly() {
        let closing = PersonaConstants.Local.English.normalClosing
        // Its own earlier template: the user's words it quoted, not the template cut mid-word.
        let echo = LocalReplyComposer.compose(request("Hello", .normal, merged:
            "【関連する過去文脈】\n[1] Thanks for your message about \"Second line of a long message th…\". \(closing)"))
        #expect(echo == "Thanks for your message about \"Hello\". I remember we talked about: Second line of a long message… \(closing)")
        // A fixed reply (here the crisis one, cut as an episode summary is) names no topic.
        let crisis = String(PersonaConstants.Local.English.crisis.prefix(90))
        #expect(LocalReplyComposer.compose(request("Hello", .normal, merged: "【関連する過去文脈】\n[1] \(crisis)"))
            == "Thanks for your message about \"Hello\". \(closing)")
        // Anything else: cut at the last whole word within the limit.
        let long = LocalReplyComposer.compose(request("Hello", .normal, merged:
            "【関連する過去文脈】\n[1] We compared trains and buses for the Kyoto trip, and trains won."))
        #expect(long == "Thanks for your message about \"Hello\". I remember we talked about: We compared trains and buses for the… \(closing)")
        // Japanese templates too.
        let japanese = LocalReplyComposer.compose(request("こんにちは", .normal, merged:
            "【関連する過去文脈】\n[1] 「京都の話」についてのメッセージありがとうございます。もう少し詳しく聞かせてください。"))
        #expect(japanese == "「こんにちは」についてのメッセージありがとうございます。以前は「京都の話」という話をしましたね。もう少し詳しく聞かせてください。")
    }

    @Test("SILENT: the minimum")
    func silent() {
        #expect(LocalReplyComposer.compose(request("hi", .silent)) == "Understood.")
        #expect(LocalReplyComposer.compose(request("はい", .silent)) == "承知しました。")
    }

    @Test("language follows the message: mostly Japanese → Japanese")
    func language() {
        #expect(ScriptClassifier.isMostlyJapanese("今日はSwiftの話をしよう"))
        #expect(!ScriptClassifier.isMostlyJapanese("Let's talk about 京都"))
        #expect(!ScriptClassifier.isMostlyJapanese(""))
    }

    @Test("LocalProvider is deterministic end to end")
    func provider() async throws {
        let provider = LocalProvider()
        #expect(provider.modelName == "sigmaris-local-v1")
        let first = try await provider.embed(["京都", "Kyoto"])
        let second = try await provider.embed(["京都", "Kyoto"])
        #expect(first == second)
        let reply1 = try await provider.reply(to: request("Hello", .normal))
        let reply2 = try await provider.reply(to: request("Hello", .normal))
        #expect(reply1 == reply2)
    }
}
