/// The local provider's deterministic replies: one template per global state, in the message's language.
public enum LocalReplyComposer {

    public static func compose(_ request: ReplyRequest) -> String {
        let phrases = ScriptClassifier.isMostlyJapanese(request.message) ? LocalReplyPhrases.japanese : .english
        let head = quotedHead(of: request.message)
        let remembered = firstSegment(of: request.mergedSummary)

        switch request.globalState {
        case .safetyLock:
            // A self-harm message gets emergency pointers first; anything else a calm refusal.
            return mentionsSelfHarm(request.message) ? phrases.crisis : phrases.safetyLock
        case .overloaded:
            return phrases.overloaded
        case .silent:
            return phrases.silent
        case .reflective:
            let memoryLine = remembered.map { phrases.reflectiveMemory + $0 } ?? phrases.reflectiveNoMemory
            return [
                phrases.reflectiveIntro,
                "1. " + phrases.reflectiveNow + (head.isEmpty ? "-" : head),
                "2. " + memoryLine,
                "3. " + phrases.reflectiveNext,
            ].joined(separator: "\n")
        case .normal:
            var sentences: [String] = []
            if !head.isEmpty {
                sentences.append(phrases.normalOpening + head + phrases.normalOpeningClose)
            }
            if let remembered {
                sentences.append(phrases.normalMemory + remembered + phrases.normalMemoryClose)
            }
            sentences.append(phrases.normalClosing)
            // Opening and memory phrases already end with their own separator.
            return sentences.joined()
        }
    }

    /// The reply cut after each run of whitespace (and after Japanese sentence and clause marks,
    /// which have no spaces around them): the pieces concatenate to the reply exactly.
    static func words(of reply: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var previousWasBreak = false
        for character in reply {
            let isBreak = character.isWhitespace || character == "。" || character == "、"
            if previousWasBreak, !isBreak, !current.isEmpty {
                pieces.append(current)
                current = ""
            }
            current.append(character)
            previousWasBreak = isBreak
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// True when the message hits a self-harm keyword of the safety rules.
    static func mentionsSelfHarm(_ message: String) -> Bool {
        let lowered = TextRules.lower(message)
        let keywords = PersonaConstants.Safety.ruleKeywords
            .first { $0.category == PersonaConstants.Safety.selfHarmCategory }?.keywords ?? []
        return keywords.contains { TextRules.contains(lowered, TextRules.lower($0)) }
    }

    /// The message's first line, trimmed and cut, for quoting back.
    static func quotedHead(of message: String) -> String {
        let head = TextRules.strip(TextRules.firstLine(TextRules.strip(message)))
        return TextRules.cutLabel(head, limit: PersonaConstants.Local.quotedHeadLength)
    }

    /// The first `[1] ...` segment of a merged summary, cut for quoting back.
    static func firstSegment(of mergedSummary: String?) -> String? {
        guard let mergedSummary else { return nil }
        let lines = mergedSummary.split(separator: "\n", omittingEmptySubsequences: true)
        let prefix = PersonaConstants.Merge.segmentPrefix(1)
        guard let line = lines.first(where: { $0.hasPrefix(prefix) }) else { return nil }
        let segment = TextRules.strip(String(line.dropFirst(prefix.count)))
        return segment.isEmpty ? nil : TextRules.cutLabel(segment, limit: PersonaConstants.Local.quotedHeadLength)
    }
}
