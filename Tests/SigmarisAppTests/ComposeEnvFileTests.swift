import Foundation
import SigmarisApp
import Testing

/// `.env.example` as Docker Compose reads it (`ComposeDotEnv`): copied to `.env`, it is the env file
/// of `docker-compose.yml` and the source of its `${…}` values. Compose once read the style
/// `SUPABASE_JWT_SECRET=           # legacy HS256 JWT secret …` as an 86-character public secret.
@Suite(".env.example under Docker Compose's rules")
struct ComposeEnvFileTests {
    static let text: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)) ?? ""
    }()

    /// Credentials: nothing in a public file may give them a value.
    static func isSecret(_ name: String) -> Bool {
        name.contains("SECRET") || name.hasSuffix("_KEY") || name.hasSuffix("_TOKEN") || name.contains("PASSWORD")
    }

    /// The documented examples (and the case that went wrong), so the model is checked before it is used.
    @Test func theModelReadsTheDocumentedExamples() throws {
        let parsed = try ComposeDotEnv.parse(#"""
            # a comment
              # an indented comment
            VAR=VAL
            DQ="VAL # not a comment"
            SQ='VAL'
            INLINE=VAL # comment
            NOT_INLINE=VAL# not a comment
            QUOTED_THEN_COMMENT="VAL" # comment
            ESCAPED_SQ='Let\'s go!'
            ESCAPED_DQ="{\"hello\": \"json\"}"
            TABS="some\tvalue"
            RAW_TABS='some\tvalue'
            export EXPORTED=yes
            YAML: style
            SPACES=   spaced value
            EMPTY=
            NOTE=           # legacy HS256 JWT secret
            INHERITED
            """#)
        #expect(parsed == [
            "VAR": "VAL", "DQ": "VAL # not a comment", "SQ": "VAL", "INLINE": "VAL", "NOT_INLINE": "VAL# not a comment",
            "QUOTED_THEN_COMMENT": "VAL", "ESCAPED_SQ": "Let's go!", "ESCAPED_DQ": #"{"hello": "json"}"#,
            "TABS": "some\tvalue", "RAW_TABS": #"some\tvalue"#, "EXPORTED": "yes", "YAML": "style",
            "SPACES": "spaced value", "EMPTY": "", "NOTE": "# legacy HS256 JWT secret",
        ])
        #expect(try ComposeDotEnv.parse("TRAILING=value \t ") == ["TRAILING": "value"])
        // The service's own parser reads the last style as empty: the two disagree on exactly that.
        #expect(DotEnv.parse("NOTE=           # legacy HS256 JWT secret")["NOTE"] == "")
        #expect(throws: ComposeDotEnv.Unsupported.self) { try ComposeDotEnv.parse("A=$HOME") }
        #expect(throws: ComposeDotEnv.Unsupported.self) { try ComposeDotEnv.parse("A=\"open") }
    }

    @Test func composeAndTheServiceReadTheSameValues() throws {
        let compose = try ComposeDotEnv.parse(Self.text)
        let service = DotEnv.parse(Self.text)
        #expect(compose.count > 5)
        #expect(compose == service)
    }

    @Test func noValueIsACommentAndNoneIsEmpty() throws {
        for (name, value) in try ComposeDotEnv.parse(Self.text) {
            #expect(!value.hasPrefix("#"), "\(name) would be set to a comment")
            #expect(!value.isEmpty, "\(name) has no value: comment it out (# \(name)=)")
        }
    }

    @Test func noSecretOrKeyIsSet() throws {
        let set = try ComposeDotEnv.parse(Self.text).keys.filter(Self.isSecret)
        #expect(set.isEmpty, "\(set.sorted())")
        // …and they are still documented, commented out.
        for name in ["SUPABASE_JWT_SECRET", "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_ANON_KEY", "OPENAI_API_KEY", "SIGMARIS_METRICS_TOKEN"] {
            #expect(Self.text.contains("\n# \(name)="), "\(name) is not documented")
        }
    }

    /// Comments stand on lines of their own: an assignment line is `KEY=` and exactly its value, so
    /// no rule of either parser about blanks or inline comments comes into play.
    @Test func everyAssignmentIsExactlyKeyEqualsValue() throws {
        let values = try ComposeDotEnv.parse(Self.text)
        for line in Self.text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            #expect(parts.count == 2, "not an assignment: \(line)")
            guard parts.count == 2 else { continue }
            #expect(values[String(parts[0])] == String(parts[1]), "\(line): trailing blanks or a comment after the value")
        }
    }

    /// What `docker compose up` starts with, given `.env` copied from the example plus a secret:
    /// `docker-compose.yml`'s `environment:` (its `${…}` resolved against that `.env`) over the env
    /// file, held to the service's rules for serving.
    @Test func composeStartsWithTheExampleAndASecret() throws {
        let secret = String(repeating: "k", count: 64)
        var envFile = try ComposeDotEnv.parse(Self.text)
        envFile["SUPABASE_JWT_SECRET"] = secret
        var container = envFile
        for (name, value) in try DockerComposeTests.sigmarisEnvironment() {
            container[name] = try Self.interpolate("\(value)", from: envFile)
        }
        #expect(container["HOST"] == "0.0.0.0")
        #expect(container["SUPABASE_JWT_SECRET"] == secret)
        let configuration = try SigmarisConfiguration(environment: container)
        try configuration.validateForServing()
        #expect(configuration.metricsPublic, "open on purpose while the port is published on loopback only")
    }

    struct UnsupportedInterpolation: Error {}

    /// `${NAME}`, `${NAME-default}` (unset only) and `${NAME:-default}` (unset or empty), the forms
    /// the compose file uses; anything else with a `$` fails the test rather than being guessed.
    static func interpolate(_ value: String, from variables: [String: String]) throws -> String {
        guard value.contains("$") else { return value }
        guard let match = value.wholeMatch(of: /\$\{([A-Z0-9_]+)(?:(:?-)(.*))?\}/) else { throw UnsupportedInterpolation() }
        let name = String(match.1)
        switch (variables[name], match.2) {
        case (let set?, ":-"?) where set.isEmpty: return String(match.3 ?? "")
        case (let set?, _): return set
        case (nil, _?): return String(match.3 ?? "")
        case (nil, nil): return ""
        }
    }
}
