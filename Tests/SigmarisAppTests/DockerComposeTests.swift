import Foundation
import Testing
import Yams

/// Docker does not run on CI machines, so the compose file is checked by parsing it.
@Suite("docker-compose.yml")
struct DockerComposeTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `environment:` of the `sigmaris` service.
    static func sigmarisEnvironment() throws -> [String: Any] {
        try #require(try sigmaris()["environment"] as? [String: Any])
    }

    static func sigmaris() throws -> [String: Any] {
        let text = try String(contentsOf: root.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let services = try #require(document["services"] as? [String: Any])
        return try #require(services["sigmaris"] as? [String: Any])
    }

    @Test func namesPostgresAndTheService() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let services = try #require(document["services"] as? [String: Any])
        #expect(Set(services.keys) == ["postgres", "sigmaris"])

        let postgres = try #require(services["postgres"] as? [String: Any])
        #expect((postgres["image"] as? String)?.hasPrefix("postgres:15") == true)

        let sigmaris = try #require(services["sigmaris"] as? [String: Any])
        #expect(sigmaris["build"] as? String == ".")
        let environment = try #require(sigmaris["environment"] as? [String: Any])
        #expect(environment["DATABASE_URL"] != nil)
        #expect(environment["SUPABASE_JWT_SECRET"] != nil)
    }

    /// A default in `${NAME:-default}` is in the repository for anyone to read; for a secret or a key it
    /// would be a credential everyone knows (and `:-` also replaces a value left empty on purpose).
    @Test func suppliesNoSecretOrKey() throws {
        let environment = try Self.sigmarisEnvironment()
        #expect(environment["SIGMARIS_METRICS_TOKEN"] != nil, "passed through from .env or the shell")
        for (name, value) in environment where ComposeEnvFileTests.isSecret(name) {
            let text = "\(value)"
            #expect(text == "${\(name):-}" || text == "${\(name)}", "\(name) must come from .env or the shell, got \(text)")
        }
    }

    /// The service listens on 0.0.0.0 in the container, where `/metrics` needs a token unless
    /// `SIGMARIS_METRICS_PUBLIC` says otherwise. The compose file says so by default only because every
    /// port it publishes is bound to the host's loopback: published further, /metrics would be open.
    @Test func metricsAreOpenByDefaultOnlyWhileThePortStaysOnLoopback() throws {
        let sigmaris = try Self.sigmaris()
        let environment = try Self.sigmarisEnvironment()
        #expect("\(environment["HOST"] ?? "")" == "0.0.0.0")
        #expect("\(environment["SIGMARIS_METRICS_PUBLIC"] ?? "")" == "${SIGMARIS_METRICS_PUBLIC-true}")
        let ports = try #require(sigmaris["ports"] as? [Any])
        #expect(!ports.isEmpty)
        for port in ports {
            #expect("\(port)".hasPrefix("127.0.0.1:"), "\(port) publishes /metrics beyond the host's loopback: drop the default")
        }
    }

    @Test func dockerfileBuildsTheBinary() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(text.contains("swift build -c release --product sigmaris"))
        #expect(text.contains("libpq5"))
    }
}
