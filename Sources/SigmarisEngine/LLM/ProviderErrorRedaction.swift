/// Turns a provider error into a short description safe to log, return and store.
///
/// Provider errors may echo request headers or URLs; anything that looks like a credential
/// (API keys, bearer tokens, JWTs, `key=` query parameters) is replaced before the text leaves.
public enum ProviderErrorRedaction {

    public static func describe(_ error: any Error) -> String {
        redact(String(describing: error))
    }

    public static func redact(_ text: String) -> String {
        let rules = PersonaConstants.Turn.self
        var words: [Substring] = []
        var redactNext = false
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let lowered = word.lowercased()
            if redactNext {
                words.append(Substring(rules.redactionMarker))
                redactNext = false
            } else if looksLikeCredential(lowered) {
                words.append(Substring(rules.redactionMarker))
            } else {
                words.append(word)
            }
            if lowered.hasSuffix(rules.bearerWord) { redactNext = true }
        }
        let joined = words.joined(separator: " ")
        return TextRules.length(joined) > rules.redactedErrorMaxLength
            ? TextRules.prefix(joined, rules.redactedErrorMaxLength) + PersonaConstants.Identity.ellipsis
            : joined
    }

    private static func looksLikeCredential(_ lowered: String) -> Bool {
        let rules = PersonaConstants.Turn.self
        let trimmed = lowered.drop { $0 == "\"" || $0 == "'" || $0 == "(" || $0 == "[" }
        return rules.credentialPrefixes.contains { trimmed.hasPrefix($0) }
            || rules.credentialFragments.contains { lowered.contains($0) }
    }
}
