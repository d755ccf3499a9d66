import Testing
@testable import SigmarisEngine

@Suite("Provider error redaction")
struct ProviderErrorRedactionTests {

    @Test("bearer tokens, API keys, JWTs and key= parameters are masked")
    func masks() {
        let text = "401 from https://api.example.com/v1?key=abc123 Authorization: Bearer tok_123 with sk-live-999 and eyJhbGciOi.x.y"
        let redacted = ProviderErrorRedaction.redact(text)
        #expect(!redacted.contains("abc123"))
        #expect(!redacted.contains("tok_123"))
        #expect(!redacted.contains("sk-live-999"))
        #expect(!redacted.contains("eyJhbGciOi"))
        #expect(redacted.contains("401 from"))
    }

    @Test("long descriptions are cut")
    func cut() {
        let redacted = ProviderErrorRedaction.redact(String(repeating: "x", count: 500))
        #expect(TextRules.length(redacted) == 201)
    }
}
