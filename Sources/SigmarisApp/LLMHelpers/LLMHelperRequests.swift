import SigmarisJSON

/// The bodies of `POST /api/summary` (`{text}`) and `POST /api/translate` (`{text, targetLang}`).
/// A field that is absent, null or empty is `missing_parameters`, as the reference answers when
/// `!text || !targetLang`; a field that is not a string is `invalid_field`.
enum LLMHelperRequest {
    /// A language is a name or a tag ("English", "ja", "pt-BR"), never a paragraph.
    static let maxTargetLanguageCharacters = 64

    static let missingParameters = APIError.badRequest("Missing parameters", reason: "missing_parameters")

    static func summaryText(_ body: JSONObject) throws(APIError) -> String {
        let text = try JSONRequest.optionalString(body, "text") ?? ""
        guard !text.isEmpty else { throw missingParameters }
        try StorableText.checkText(text, field: "text")
        return text
    }

    static func translation(_ body: JSONObject) throws(APIError) -> (text: String, targetLanguage: String) {
        let text = try JSONRequest.optionalString(body, "text") ?? ""
        let targetLanguage = try JSONRequest.optionalString(body, "targetLang") ?? ""
        guard !text.isEmpty, !targetLanguage.isEmpty else { throw missingParameters }
        try StorableText.checkText(text, field: "text")
        guard targetLanguage.unicodeScalars.count <= maxTargetLanguageCharacters else {
            throw APIError.badRequest(
                "targetLang is longer than \(maxTargetLanguageCharacters) characters", reason: "invalid_field")
        }
        try StorableText.checkIdentifier(targetLanguage, field: "targetLang")
        return (text, targetLanguage)
    }
}
