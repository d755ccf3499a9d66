import Foundation
import Testing
import Yams

/// The Compose profile `scale` (deploy/compose.scale.yml): Docker does not run here, so it is checked
/// by parsing it, with the haproxy configuration it mounts (`make scale-test` runs that one).
@Suite("deploy/compose.scale.yml")
struct ScaleComposeTests {
    static let deploy = DockerComposeTests.root.appendingPathComponent("deploy")

    static func services() throws -> [String: Any] {
        let text = try String(contentsOf: deploy.appendingPathComponent("compose.scale.yml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        return try #require(document["services"] as? [String: Any])
    }

    @Test func twoOrMoreReplicasBehindHaproxyOnlyInTheProfile() throws {
        let services = try Self.services()
        #expect(Set(services.keys) == ["sigmaris-replica", "haproxy"])
        for (name, service) in services {
            #expect((service as? [String: Any])?["profiles"] as? [String] == ["scale"], "\(name) runs without the profile")
        }
        let replica = try #require(services["sigmaris-replica"] as? [String: Any])
        let replicas = try #require((replica["deploy"] as? [String: Any])?["replicas"] as? Int)
        #expect(replicas >= 2)
        // No replica port is published: only haproxy reaches them.
        #expect(replica["ports"] == nil)
        let environment = try #require(replica["environment"] as? [String: Any])
        #expect("\(environment["HOST"] ?? "")" == "0.0.0.0")
        for (name, value) in environment where ComposeEnvFileTests.isSecret(name) {
            let text = "\(value)"
            #expect(text == "${\(name):-}" || text == "${\(name)}", "\(name) must come from .env or the shell, got \(text)")
        }

        let haproxy = try #require(services["haproxy"] as? [String: Any])
        let volumes = try #require(haproxy["volumes"] as? [String])
        #expect(volumes.contains { $0.hasPrefix("./deploy/haproxy.cfg:") })
        for port in try #require(haproxy["ports"] as? [Any]) {
            #expect("\(port)".hasPrefix("127.0.0.1:"), "haproxy published beyond loopback: \(port)")
        }
    }

    @Test func haproxyRoutesOnReadinessAndFindsTheReplicas() throws {
        let config = try String(contentsOf: Self.deploy.appendingPathComponent("haproxy.cfg"), encoding: .utf8)
        #expect(config.contains("option httpchk GET /readyz"))
        #expect(config.contains("server-template sigmaris"))
        #expect(config.contains("sigmaris-replica:8000"))
        #expect(config.contains("retry-on conn-failure"))
    }
}
