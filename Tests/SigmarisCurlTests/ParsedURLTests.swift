import SigmarisTestSupport
import Testing

@testable import SigmarisCurl

/// URL validation and redaction use libcurl's own parser.
@Suite("URL parsing and redaction")
struct ParsedURLTests {
    @Test("Redaction keeps scheme, host, port and path only")
    func redaction() throws {
        let url = try #require(ParsedURL("https://user:hunter2@api.example.com:8443/v1/users/42?token=abc#frag"))
        #expect(url.redacted == "https://api.example.com:8443/v1/users/42")
    }

    @Test("Default ports and empty paths")
    func defaults() throws {
        #expect(try #require(ParsedURL("http://example.com")).redacted == "http://example.com/")
        #expect(try #require(ParsedURL("HTTPS://example.com/a?b")).redacted == "https://example.com/a")
    }

    @Test("Very long paths are truncated in the redacted form")
    func longPath() throws {
        let url = try #require(ParsedURL("http://h/" + String(repeating: "a", count: 500)))
        #expect(url.redacted.count < 240)
    }

    @Test("Only absolute http(s) URLs with a host are accepted", arguments: [
        "", "/relative", "example.com", "ftp://h/x", "gopher://h/", "http://", "mailto:a@b.c",
    ])
    func rejects(url: String) {
        #expect(ParsedURL(url) == nil)
    }
}
