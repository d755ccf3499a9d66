import Foundation
import Hummingbird
import HummingbirdTesting
import SigmarisAuth
import SigmarisTestSupport
import Testing
@testable import SigmarisApp

@Suite("JWKS source")
struct JWKSSourceTests {
    typealias App = AuthTestApp

    @Test func nothingConfiguredMeansNoJWKS() {
        #expect(JWKSSource(configuration: SigmarisConfiguration()) == nil)
    }

    @Test func projectURLGivesSupabasesWellKnownPath() throws {
        var configuration = SigmarisConfiguration()
        configuration.supabaseURL = URL(string: "https://abc.supabase.co/")
        configuration.supabaseAnonKey = "anon-key"
        let source = try #require(JWKSSource(configuration: configuration))
        #expect(source.location == .remote(URL(string: "https://abc.supabase.co/auth/v1/.well-known/jwks.json")!))
        #expect(source.apiKey == "anon-key")
    }

    @Test func explicitURLWinsAndNeverGetsTheProjectKeyElsewhere() throws {
        var configuration = SigmarisConfiguration()
        configuration.supabaseURL = URL(string: "https://abc.supabase.co")
        configuration.supabaseAnonKey = "anon-key"
        configuration.supabaseJWKSURL = URL(string: "https://keys.example.com/jwks.json")
        let source = try #require(JWKSSource(configuration: configuration))
        #expect(source.location == .remote(URL(string: "https://keys.example.com/jwks.json")!))
        #expect(source.apiKey == nil)
    }

    @Test func fileURLIsReadFromDisk() throws {
        var configuration = SigmarisConfiguration()
        configuration.supabaseJWKSURL = URL(string: "file:///etc/sigmaris/jwks.json")
        let source = try #require(JWKSSource(configuration: configuration))
        #expect(source.location == .file(URL(fileURLWithPath: "/etc/sigmaris/jwks.json")))
    }

    @Test func redactedDescriptionDropsQueryAndUserinfo() {
        let source = JWKSSource(location: .remote(URL(string: "https://user:pw@keys.example.com:8443/jwks.json?token=abc")!))
        #expect(source.redactedDescription == "https://keys.example.com:8443/jwks.json")
    }

    /// Derived from SUPABASE_URL, the request goes to the well-known path with the anon key.
    @Test func fetchesTheProjectEndpointWithTheAnonKey() async throws {
        let keys = try KeyGenerations()
        let document = try KeyGenerations.jwks(keys.first)
        try await StubHTTPServer.with({ _, _ in .json(document) }) { server in
            try await withHTTPClient { http in
                var configuration = SigmarisConfiguration()
                configuration.supabaseURL = URL(string: server.baseURL)
                configuration.supabaseAnonKey = "public-anon-key"
                let (_, jwks) = makeJWTVerifier(configuration: configuration, http: http, logger: App.quietLogger)
                #expect(await jwks?.prefetch() == true)
                let request = try #require(server.requests.first)
                #expect(request.method == "GET")
                #expect(request.uri == "/auth/v1/.well-known/jwks.json")
                #expect(request.header("apikey") == "public-anon-key")
            }
        }
    }

    /// SUPABASE_JWKS_URL=file://…: the keys `sigmaris token --print-jwks` writes, read from disk, and
    /// replacing the file rotates them.
    @Test func fileSourceVerifiesAndRotates() async throws {
        let keys = try KeyGenerations()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sigmaris-jwks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("jwks.json")
        try KeyGenerations.jwks(keys.first).write(to: file, atomically: true, encoding: .utf8)

        try await withHTTPClient { http in
            let (verifier, jwks) = makeJWTVerifier(
                configuration: jwksConfiguration(url: URL(string: file.absoluteString)!),
                http: http, logger: App.quietLogger, minimumRefetchInterval: 0.1)
            let cache = try #require(jwks)
            let app = App.make(verifier: verifier)
            try await app.test(.router) { client in
                for signer in keys.first {
                    let response = try await client.execute(uri: "/user", method: .get, headers: App.bearer(KeyGenerations.token(signer)))
                    #expect(response.status == .ok)
                }
                try KeyGenerations.jwks(keys.second).write(to: file, atomically: true, encoding: .utf8)
                try await Task.sleep(for: .milliseconds(150))
                for signer in keys.second {
                    let response = try await client.execute(uri: "/user", method: .get, headers: App.bearer(KeyGenerations.token(signer)))
                    #expect(response.status == .ok)
                }
            }
            #expect(Set(await cache.keyIDs) == ["rsa-gen2", "ec-gen2"])
        }
    }

    @Test func missingFileIsAFailedFetchNotACrash() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("sigmaris-no-such-\(UUID().uuidString).json")
        try await withHTTPClient { http in
            let (verifier, jwks) = makeJWTVerifier(
                configuration: jwksConfiguration(url: URL(string: missing.absoluteString)!),
                http: http, logger: App.quietLogger)
            let cache = try #require(jwks)
            #expect(await cache.prefetch() == false)
            #expect(await cache.failedFetchCount == 1)
            let keys = try KeyGenerations()
            let app = App.make(verifier: verifier)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/user", method: .get, headers: App.bearer(KeyGenerations.token(keys.first[0])))
                #expect(UnauthorizedBody(response)?.reason == AuthFailure.unknownKey.rawValue)
            }
        }
    }

    @Test func oversizedDocumentIsRefused() async throws {
        let huge = #"{"keys": [], "padding": ""# + String(repeating: "x", count: JWKSSource.maximumDocumentBytes) + #""}"#
        try await StubHTTPServer.with({ _, _ in .json(huge) }) { server in
            try await withHTTPClient { http in
                let source = JWKSSource(location: .remote(URL(string: server.baseURL + "/jwks.json")!))
                await #expect(throws: JWKSFetchError.self) {
                    _ = try await source.fetcher(http: http, logger: App.quietLogger)()
                }
            }
        }
    }
}
