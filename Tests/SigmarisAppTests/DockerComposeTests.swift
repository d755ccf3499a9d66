import Foundation
import Testing
import Yams

/// Docker does not run on CI machines, so the compose file is checked by parsing it.
@Suite("docker-compose.yml")
struct DockerComposeTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

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
        let text = try String(contentsOf: Self.root.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let services = try #require(document["services"] as? [String: Any])
        let sigmaris = try #require(services["sigmaris"] as? [String: Any])
        let environment = try #require(sigmaris["environment"] as? [String: Any])
        for (name, value) in environment where name.contains("SECRET") || name.hasSuffix("_KEY") {
            let text = "\(value)"
            #expect(text == "${\(name):-}" || text == "${\(name)}", "\(name) must come from .env or the shell, got \(text)")
        }
    }

    @Test func dockerfileBuildsTheBinary() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(text.contains("swift build -c release --product sigmaris"))
        #expect(text.contains("libpq5"))
    }
}
