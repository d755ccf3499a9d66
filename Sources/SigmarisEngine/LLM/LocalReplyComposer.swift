/// The local provider's deterministic replies: one template per global state, in the message's language.
public enum LocalReplyComposer {

    public static func compose(_ request: ReplyRequest) -> String {
        let phrases = ScriptClassifier.isMostlyJapanese(request.message) ? LocalReplyPhrases.japanese : .english
        let head = quotedHead(of: request.message)
        let remembered = remembered(from: request.mergedSummary)

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
                // "…about: Kyoto." but not "…about: one…." when the memory ends a sentence itself.
                let close = phrases.normalMemoryClose
                let ends = remembered.last.map { Self.sentenceEnds.contains($0) } ?? false
                sentences.append(phrases.normalMemory + remembered + (ends && close.hasPrefix(".") ? String(close.dropFirst()) : close))
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

    /// Characters that end a sentence (or mark one as cut).
    static let sentenceEnds: Set<Character> = [".", "!", "?", "…", "。", "！", "？"]

    /// The first `[1] ...` segment of a merged summary, as it is.
    static func firstSegment(of mergedSummary: String?) -> String? {
        guard let mergedSummary else { return nil }
        let lines = mergedSummary.split(separator: "\n", omittingEmptySubsequences: true)
        let prefix = PersonaConstants.Merge.segmentPrefix(1)
        guard let line = lines.first(where: { $0.hasPrefix(prefix) }) else { return nil }
        let segment = TextRules.strip(String(line.dropFirst(prefix.count)))
        return segment.isEmpty ? nil : segment
    }

    /// What the first remembered segment was about, fit for quoting back; nil when it says nothing
    /// worth repeating.
    ///
    /// An episode's summary is the start of the persona's own reply, so with this provider the memory
    /// is mostly its own templates. Quoting those back (cut mid-word, boilerplate and all) read as
    /// an echo: `…about: "Second li…. Tell me more`. A "Thanks for your message about "X"" reply was
    /// about X, the user's words it quoted; the fixed replies (crisis, refusal, overload, silence, the
    /// reflective outline) carry no topic at all. Anything else (a model's reply) is quoted as is,
    /// cut at a word boundary.
    static func remembered(from mergedSummary: String?) -> String? {
        guard let segment = firstSegment(of: mergedSummary) else { return nil }
        for phrases in [LocalReplyPhrases.english, .japanese] {
            if segment.hasPrefix(phrases.normalOpening),
               let close = segment.range(of: phrases.normalOpeningClose, range: segment.index(segment.startIndex, offsetBy: phrases.normalOpening.count)..<segment.endIndex) {
                let quoted = String(segment[segment.index(segment.startIndex, offsetBy: phrases.normalOpening.count)..<close.lowerBound])
                return clean(quoted)
            }
            let fixed = [phrases.crisis, phrases.safetyLock, phrases.overloaded, phrases.silent, phrases.reflectiveIntro]
            if fixed.contains(where: { segment.hasPrefix($0) || $0.hasPrefix(segment) }) { return nil }
        }
        return clean(segment)
    }

    /// The text's first line, at most `quotedHeadLength` characters: a longer one, or one an earlier
    /// cut left ending in a piece of a word, ends at the last whole word with an ellipsis. Text
    /// without spaces (Japanese) is cut by characters.
    static func clean(_ text: String) -> String? {
        let limit = PersonaConstants.Local.quotedHeadLength
        let ellipsis = PersonaConstants.Identity.ellipsis
        var line = TextRules.strip(TextRules.firstLine(TextRules.strip(text)))
        var cut = false
        if line.hasSuffix(ellipsis) {
            line = TextRules.rstrip(String(line.dropLast(ellipsis.count)))
            cut = true
        }
        if TextRules.length(line) > limit {
            line = TextRules.prefix(line, limit)
            cut = true
        }
        if cut, let space = line.lastIndex(where: \.isWhitespace), line.distance(from: line.startIndex, to: space) >= limit / 3 {
            line = String(line[..<space])
        }
        if cut {
            while let last = line.last, ",;:、-".contains(last) || last.isWhitespace { line.removeLast() }
            line += ellipsis
        }
        return line.isEmpty || line == ellipsis ? nil : line
    }
}
