// Every number, threshold, keyword list, anchor sentence and label string of the persona engine
// specification (docs/engine.md) lives here, once. The rest of the module only refers to
// these names, so a reviewer can compare this one file against the spec line by line.
//
// The two state-like enums `GlobalState` and `SafetyFlag` carry their spec labels as raw values;
// they are the definition of those labels and are not repeated here.

public enum PersonaConstants {

    // MARK: - docs/engine.md §1: one turn

    public enum Turn {
        /// `overload_score = clamp(length(message) / 800, 0, 1)`.
        public static let overloadLengthDivisor = 800.0
        /// Recall reads the user's 50 most recent episodes, newest first.
        public static let recentEpisodeLimit = 50
        /// `request_preview`: first 120 characters of the message.
        public static let requestPreviewLength = 120
        /// Value/trait snapshot meta carries a shorter preview, as the reference does.
        public static let snapshotPreviewLength = 80
        /// The safety assessment's own meta preview length (reference value).
        public static let safetyPreviewLength = 160
        /// `io.message_preview` / `io.reply_preview` length when text tracing is on.
        public static let ioPreviewLength = 200
        /// Separator between user id and the random suffix of a default session id.
        public static let defaultSessionSeparator = ":"
        /// The reply used when the provider fails and failures are not raised (docs/engine.md §8).
        public static let providerFallbackReply =
            "I'm sorry, I couldn't generate a reply just now. Please try again in a moment."
        /// Longest provider error text kept (after redaction) in errors and trace events.
        public static let redactedErrorMaxLength = 200
        /// Marker substituted for anything in a provider error that looks like a credential.
        public static let redactionMarker = "[redacted]"
        /// Token prefixes and fragments treated as credentials when redacting provider errors.
        public static let credentialPrefixes = ["sk-", "sb_", "eyj"]
        public static let credentialFragments = ["key=", "token=", "secret=", "password=", "apikey"]
        public static let bearerWord = "bearer"
    }

    // MARK: - docs/engine.md §2.2: selective recall

    public enum Recall {
        public static let recencyWeight = 0.03
        public static let minimumScore = 0.12
        public static let topK = 5
        public static let pointerSummaryLength = 200
        public static let pointerSource = "episodic"
        /// The source of a pointer to an archive candidate (docs/engine.md §2.7, issue #23).
        public static let archivePointerSource = "archive"
    }

    // MARK: - docs/engine.md §2.3: ambiguity resolution

    public enum Ambiguity {
        public static let tokens = [
            "それ", "前の", "続き", "あの件", "その話", "例のやつ", "あれ", "さっきの",
            "同じ話", "この前のやつ",
            "the last one", "previous one", "that thing",
        ]
        public static let minimumSimilarity = 0.15
        public static let maxResolved = 3
        public static let reasonNoAmbiguity = "no ambiguity detected"
        public static let reasonEmbeddingUnavailable =
            "ambiguity detected but embedding unavailable; fallback to original pointers"
        public static let reasonNoRelevantMemory = "ambiguity detected but no relevant memory"
        public static let reasonResolved = "ambiguity resolved by semantic reranking"
    }

    // MARK: - docs/engine.md §2.4: episode merge

    public enum Merge {
        public static let maxSegments = 5
        public static let maxCharactersPerSegment = 200
        public static let header = "【関連する過去文脈】"
        /// The `[k] ` that starts line k (from 1) of a merged summary.
        public static func segmentPrefix(_ number: Int) -> String { "[\(number)] " }
        public static let noPointersInfo = "no memory pointers provided"
        public static let noSegmentsInfo = "no summary/raw_context extracted"
        public static let segmentPreviewCount = 3
    }

    // MARK: - docs/engine.md §2.5: the turn's own episode

    public enum EpisodeStorage {
        public static let summaryLength = 120
        public static let emotionHint = ""
    }

    // MARK: - docs/engine.md §2.6: the memory meta record and the past-question search

    public enum MemoryRecord {
        public static let infoNoPointers = "no memory pointers selected by SelectiveRecall"
        public static let infoNoneLeft = "ambiguity resolved but no relevant memory left"
    }

    public enum MemorySearch {
        /// Phrases that mark a question about the past (substring match on lower(trim(message))).
        public static let triggers = [
            "覚えて", "思い出", "前の話", "その前", "前回", "以前",
            "この前", "さっき何の話", "何の話", "どんな話",
            "話してた", "掘り返", "記憶", "履歴", "ログ",
            "過去", "昔の", "前に言った", "前に話した",
            "前のやりとり", "前の会話", "会話の内容",
            "do you remember", "do you recall",
            "can you recall", "can you remember",
            "what did we talk about", "what were we talking about",
            "before that", "earlier", "previously",
            "last time", "in our previous conversation",
            "from earlier in the chat",
            "conversation history", "chat history",
            "what did i say", "what did you say",
        ]
        /// The search runs over the recent episodes handed to the turn.
        public static let engineName = "recent_episodes"
        /// An episode is a hit when its plain cosine similarity to the message reaches this (the
        /// recall threshold, without the recency bonus: the user asked about the past explicitly).
        public static let minimumSimilarity = 0.12
        /// Hits beyond this many are not counted.
        public static let maxHits = 10
        /// Topic label of the best hit: its first line cut like a topic head.
        public static let topicLabelLength = 24
        /// Preview of the best hit's summary.
        public static let previewLength = 240
    }

    // MARK: - docs/engine.md §3: identity context

    public enum Identity {
        public static let pastContextTopicLabel = "過去の会話の続き（自動推定）"
        public static let newTopicLabel = "新規トピック"
        public static let newTopicLabelPrefix = "新規トピック: "
        public static let topicHeadLength = 24
        public static let memoryPreviewLength = 240
        public static let ellipsis = "…"
    }

    // MARK: - docs/engine.md §4: value drift

    public enum ValueDrift {
        public static let learningRate = 0.03
        public static let decayRate = 0.001
        public static let limit = 1.0
        public static let pastContextStability = 0.5
        public static let continuationMarkers = ["続き", "前回", "再開", "previous", "continue", "last time"]
        public static let continuationStability = 0.5
        public static let manyPointersMinimum = 3
        public static let manyPointersStability = 0.4
        public static let manyPointersOpenness = 0.2
        public static let fewPointersStability = 0.2
        public static let noPointersOpenness = 0.3
        public static let safetyFlagSafetyBias = 0.7
        public static let positiveRewardAlignment = 0.6
        public static let positiveRewardOpenness = 0.4
        public static let negativeRewardStability = 0.4
        public static let negativeRewardSafetyBias = 0.6
    }

    // MARK: - docs/engine.md §5: trait drift

    public enum TraitDrift {
        public static let learningRate = 0.01
        public static let decayRate = 0.0005
        public static let limit = 1.0
        public static let pastContextCalm = 0.3
        public static let negativeTopicMarkers = ["衝突", "トラブル", "喧嘩", "conflict", "fight", "problem"]
        public static let negativeTopicCalm = 0.4
        public static let manyPointersMinimum = 3
        public static let manyPointersEmpathy = 0.4
        public static let fewPointersEmpathy = 0.2
        public static let opennessCuriosity = 0.5
        public static let safetyBiasCalm = 0.4
        public static let safetyBiasCuriosity = 0.3
        public static let tensionCalm = 0.5
        public static let warmthEmpathy = 0.6
        public static let curiositySignalCuriosity = 0.7
    }

    // MARK: - docs/engine.md §6: safety assessment

    public enum Safety {
        /// Categories in scan order; JSON `categories` keeps this order.
        public static let ruleKeywords: [(category: String, keywords: [String])] = [
            ("self_harm", ["死にたい", "消えたい", "自殺", "リスカ", "首を吊", "kill myself", "suicide", "end my life"]),
            ("violence", ["殺す", "ぶっ殺", "殴り", "暴力", "爆弾", "テロ", "kill you", "shoot", "bomb", "terrorist"]),
            ("sexual", ["児童ポルノ", "ロリ", "性行為", "強姦", "レイプ", "porn", "nsfw", "sex with child", "rape"]),
            ("crime", ["ドラッグの作り方", "麻薬", "違法", "犯罪のやり方", "how to make drug", "buy cocaine", "steal car"]),
            ("hate", ["差別", "ナチ", "障害者を馬鹿に", "〜人は皆", "hate speech", "nazi", "racial slur"]),
            ("harassment", ["晒す", "特定して", "住所を公開", "嫌がらせ", "doxx", "harass", "stalk"]),
        ]
        /// The category whose keywords make the local provider point to emergency help.
        public static let selfHarmCategory = "self_harm"
        /// A category with any keyword hit scores this.
        public static let categoryHitScore = 0.6
        /// These categories weigh `categoryHitScore + strongCategoryBonus` (0.8) in the rule score.
        public static let strongCategories: Set<String> = ["self_harm", "sexual", "crime"]
        public static let strongCategoryBonus = 0.2

        /// Semantic anchors, embedded once per process and provider.
        public static let semanticAnchors: [(category: String, sentence: String)] = [
            ("self_harm", "The user is talking about killing themself or self-harm."),
            ("violence", "The user is asking for or expressing violent harm against others."),
            ("sexual", "The user is requesting explicit sexual content or sexual content with minors."),
            ("crime", "The user is requesting instructions to commit crime or illegal activities."),
            ("hate", "The user is expressing hate speech or discrimination toward a group of people."),
            ("harassment", "The user is asking to stalk, harass or doxx a specific person."),
        ]
        public static let semanticMinimumSimilarity = 0.2
        public static let semanticScoreCap = 0.8

        public static let lowCalmThreshold = -0.4
        public static let lowCalmRisk = 0.08
        public static let highCalmThreshold = 0.4
        public static let highCalmRisk = -0.02
        public static let highSafetyBiasThreshold = 0.6
        public static let highSafetyBiasRisk = 0.06
        public static let lowStabilityThreshold = -0.3
        public static let lowStabilityRisk = 0.05
        public static let memoryWeightPerPointer = 0.05
        public static let memoryRiskCap = 0.05

        public static let blockedThreshold = 0.85
        public static let escalatedThreshold = 0.60
        public static let intervenedThreshold = 0.35

        // Reason texts (numbers arrive already formatted with two or three decimals).
        public static func ruleHitsReason(_ hitList: String) -> String { "rule_hits=\(hitList)" }
        public static func semanticRiskReason(_ score: String) -> String { "semantic_risk≈\(score) (embedding-based assessment)" }
        public static func lowCalmNote(_ calm: String, _ risk: String) -> String { "low calm (\(calm)) → +\(risk) risk" }
        public static func highCalmNote(_ calm: String, _ risk: String) -> String { "high calm (\(calm)) → \(risk) risk" }
        public static func highSafetyBiasNote(_ bias: String, _ risk: String) -> String { "high safety_bias (\(bias)) → +\(risk) risk" }
        public static func lowStabilityNote(_ stability: String, _ risk: String) -> String { "low stability (\(stability)) → +\(risk) risk" }
        public static let modulationNoteSeparator = " / "
        public static func memoryNote(_ count: Int, _ risk: String) -> String { "memory pointers=\(count) → +\(risk) risk (light overload hint)" }
        public static func blockedReason(_ risk: String, _ threshold: String) -> String { "risk_score=\(risk) >= hard_block_threshold=\(threshold)" }
        public static func escalatedReason(_ risk: String, _ threshold: String) -> String { "risk_score=\(risk) >= escalate_threshold=\(threshold)" }
        public static func intervenedReason(_ risk: String, _ threshold: String) -> String { "risk_score=\(risk) >= warn_threshold=\(threshold)" }
        public static func noFlagReason(_ risk: String) -> String { "risk_score=\(risk) below all thresholds → no safety_flag" }
    }

    // MARK: - docs/engine.md §7: global state machine

    public enum GlobalStateRules {
        public static let manyPointersMinimum = 5
        public static let manyPointersScore = 0.7
        public static let severalPointersMinimum = 3
        public static let severalPointersScore = 0.5
        public static let fewPointersScore = 0.2
        public static let reflectiveTopicMarkers = [
            "構造", "整理", "まとめ", "振り返り", "考察",
            "分析", "analysis", "structure", "reason", "理由", "why",
        ]
        public static let reflectiveTopicScore = 0.6
        public static let highCalmThreshold = 0.4
        public static let highCalmScore = 0.3
        public static let lowCalmThreshold = -0.4
        public static let lowCalmScore = -0.2
        public static let highCuriosityThreshold = 0.5
        public static let highCuriosityScore = 0.3
        public static let safetyBiasWeight = 0.4
        public static let stabilityWeight = 0.2
        public static let longMessageLength = 400
        public static let longMessageScore = 0.2
        public static let mediumMessageLength = 200
        public static let mediumMessageScore = 0.1

        public static let safetyBiasLockThreshold = 0.6
        public static let overloadThreshold = 0.75
        public static let reflectiveThreshold = 1.0
        public static let reflectiveReason = "reflective_score >= 1.0 → REFLECTIVE"
        public static let silentReason = "explicit command → SILENT"
        public static func safetyFlagReason(_ flag: String, _ state: String) -> String { "safety_flag=\(flag) → \(state)" }
        public static func safetyBiasReason(_ bias: String, _ threshold: String) -> String { "value_state.safety_bias=\(bias) >= \(threshold)" }
        public static func overloadReason(_ score: String, _ threshold: String) -> String { "overload_score=\(score) >= \(threshold)" }
    }

    // MARK: - docs/engine.md §8: reply generation (system prompt for remote providers)

    public enum Prompt {
        public static let role =
            "You are the Sigmaris Persona OS engine: a persona layer that keeps one consistent identity, "
            + "memory and set of values across conversations with the same user."
        public static let globalStateHeading = "# Global state"
        public static let internalAxesHeading =
            "# Internal axes (for your own calibration only; never disclose or quote them to the user)"
        public static let memoryHeading = "# Related past context"
        public static let noPastContext = "(no related past context)"
        public static let identityHeading = "# Identity context"
        public static let modeHeading = "# Mode"
        public static let modeSafetyLock =
            "SAFETY_LOCK: stay calm and safe. Firmly refuse dangerous, violent, illegal or medical requests; "
            + "offer safe alternatives, and point to local emergency help when someone may be at risk."
        public static let modeOverloaded = "OVERLOADED: answer short and concise, one or two sentences."
        public static let modeReflective =
            "REFLECTIVE: answer in a structured way (numbered points), consistent with the past context above."
        public static let modeSilent = "SILENT: answer with the bare minimum."
        public static let modeNormal = "NORMAL: answer naturally and helpfully."
        /// In SILENT the user content is prefixed by this instruction.
        public static let silentUserPrefix = "[Answer with the minimum necessary: one short sentence at most.]\n\n"
    }

    // MARK: - docs/engine.md §13: the local deterministic provider

    public enum Local {
        public static let modelName = "sigmaris-local-v1"
        public static let embeddingDimension = 256
        /// Feature-kind tags mixed into the hash so words and character n-grams never collide by design.
        public static let wordFeatureTag: UInt8 = 0x57
        public static let bigramFeatureTag: UInt8 = 0x42
        public static let trigramFeatureTag: UInt8 = 0x54
        public static let unigramFeatureTag: UInt8 = 0x55
        /// English function words the embedder leaves out. Without this, the words every sentence
        /// shares ("the", "is", "to" …) made ordinary small talk look about 0.35 similar to the
        /// safety anchors ("The user is …"), enough to intervene, and every episode similar to every
        /// message. Contractions split at the apostrophe, so their pieces are listed too.
        public static let englishStopwords: [String] = [
            "a", "an", "the", "and", "or", "but", "if", "then", "so", "than", "as", "of", "to", "in", "on", "at",
            "by", "for", "with", "from", "into", "about", "over", "up", "out",
            "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "have", "has", "had",
            "will", "would", "can", "could", "shall", "should", "may", "might", "must",
            "i", "me", "my", "we", "us", "our", "you", "your", "he", "him", "his", "she", "her", "they", "them",
            "their", "it", "its", "this", "that", "these", "those", "there", "here",
            "what", "which", "who", "whom", "how", "when", "where",
            "not", "no", "just", "very", "too", "also", "some", "any", "all",
            "m", "s", "t", "re", "ve", "ll", "d",
        ]
        public static let fnvOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
        public static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

        /// How many characters of the message head a local reply quotes.
        public static let quotedHeadLength = 40

        public enum English {
            public static let crisis =
                "I'm really sorry you're going through this, and I'm glad you told me. "
                + "If you are in immediate danger, please contact your local emergency number "
                + "or a crisis line such as 988 (US) or your country's suicide prevention hotline now. "
                + "You don't have to carry this alone; talking to someone you trust can help too."
            public static let safetyLock =
                "I want to keep this conversation safe, so I can't help with that request. "
                + "If something is weighing on you, I'm here to talk it through calmly."
            public static let overloaded =
                "That's a lot at once. Which single point should I focus on first?"
            public static let reflectiveIntro = "Let me organize this:"
            public static let reflectiveNow = "What you're asking now: "
            public static let reflectiveMemory = "What I remember from before: "
            public static let reflectiveNoMemory = "There is no earlier context I can draw on yet."
            public static let reflectiveNext = "Next step: tell me which part you'd like to go deeper on."
            public static let normalOpening = "Thanks for your message about \""
            public static let normalOpeningClose = "\". "
            public static let normalMemory = "I remember we talked about: "
            public static let normalMemoryClose = ". "
            public static let normalClosing = "Tell me more, and I'll help as best I can."
            public static let silent = "Understood."
        }

        public enum Japanese {
            public static let crisis =
                "つらい気持ちを話してくれてありがとうございます。"
                + "もし今すぐ危険な状況にあるなら、迷わず119番などの緊急窓口や、"
                + "いのちの電話（0570-783-556）などの相談窓口に今すぐ連絡してください。"
                + "一人で抱え込まなくて大丈夫です。"
            public static let safetyLock =
                "安全のため、そのご依頼にはお応えできません。"
                + "何か気がかりなことがあれば、落ち着いて一緒に考えましょう。"
            public static let overloaded = "情報が多いので、まず一番大事な点を一つ教えてください。"
            public static let reflectiveIntro = "整理してみます。"
            public static let reflectiveNow = "今回のご質問: "
            public static let reflectiveMemory = "以前の文脈: "
            public static let reflectiveNoMemory = "参照できる過去の文脈はまだありません。"
            public static let reflectiveNext = "次の一歩: 深掘りしたい点を教えてください。"
            public static let normalOpening = "「"
            public static let normalOpeningClose = "」についてのメッセージありがとうございます。"
            public static let normalMemory = "以前は「"
            public static let normalMemoryClose = "」という話をしましたね。"
            public static let normalClosing = "もう少し詳しく聞かせてください。"
            public static let silent = "承知しました。"
        }
    }

    // MARK: - docs/engine.md §12: trace events (one per pipeline step)

    public enum Trace {
        public static let start = "start"
        public static let safetyAssessed = "safety_assessed"
        public static let memorySelected = "memory_selected"
        public static let identityBuilt = "identity_built"
        public static let valueDrift = "value_drift"
        public static let traitDrift = "trait_drift"
        public static let globalState = "global_state"
        public static let llmGenerated = "llm_generated"
        public static let stored = "stored"
        public static let completed = "persona_chat.completed"
    }

    // MARK: - docs/engine.md §11: turn log rows

    public enum TurnRows {
        public static let userRole = "user"
        public static let assistantRole = "assistant"
        public static let inputDirection = "input"
        public static let outputDirection = "output"
        public static let importance = 0.0
    }
}
