import Foundation
import Hummingbird
import HummingbirdTesting
import SigmarisAuth
import SigmarisTestSupport
import Testing
@testable import SigmarisApp

/// The JWKS path end to end: a real HTTP endpoint (the stub), the curl client, the cache, the
/// middleware.
@Suite("JWKS rotation over HTTP")
struct JWKSRotationTests {
    typealias App = AuthTestApp

    /// While requests keep arriving, the issuer publishes a new generation (keeping the old keys, as
    /// Supabase does until they are revoked) and starts signing with it. No request fails, the new
    /// `kid` costs exactly one refetch, and made-up `kid`s cannot make the cache fetch more than
    /// once per minimum interval.
    @Test func rotationUnderConcurrentLoad() async throws {
        let keys = try KeyGenerations()
        let firstDocument = try KeyGenerations.jwks(keys.first)
        let rotatedDocument = try KeyGenerations.jwks(keys.first + keys.second)
        let rotated = SharedValue(false)
        let minimumInterval: TimeInterval = 1

        try await StubHTTPServer.with({ request, _ in
            guard request.uri == "/jwks.json" else { return StubResponse(status: 404) }
            return .json(rotated.value ? rotatedDocument : firstDocument)
        }) { server in
            try await withHTTPClient { http in
                let (verifier, jwks) = makeJWTVerifier(
                    configuration: jwksConfiguration(url: URL(string: server.baseURL + "/jwks.json")!),
                    http: http, logger: App.quietLogger, ttl: 600, minimumRefetchInterval: minimumInterval)
                let cache = try #require(jwks)
                #expect(await cache.prefetch())
                let loadedAt = ContinuousClock.now
                #expect(server.requests.count == 1)

                let oldTokens = try keys.first.map(KeyGenerations.token)
                let newTokens = try keys.second.map(KeyGenerations.token)
                let app = App.make(verifier: verifier)
                try await app.test(.router) { client in
                    let failures = SharedValue(0)
                    let served = SharedValue(0)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        // The issuer rotates once the minimum interval since the first load has passed.
                        group.addTask {
                            try await Task.sleep(for: .seconds(minimumInterval) + .milliseconds(100))
                            rotated.value = true
                        }
                        for worker in 0..<8 {
                            group.addTask {
                                let end = loadedAt + .seconds(minimumInterval) + .milliseconds(900)
                                var round = worker
                                // Until the window ends, and at least 15 requests each however slow the machine.
                                while ContinuousClock.now < end || round - worker < 15 {
                                    // New tokens exist only once the new keys are published.
                                    let pool = rotated.value ? newTokens + oldTokens : oldTokens
                                    let token = pool[round % pool.count]
                                    round += 1
                                    let response = try await client.execute(uri: "/user", method: .get, headers: App.bearer(token))
                                    served.update { $0 += 1 }
                                    if response.status != .ok { failures.update { $0 += 1 } }
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    #expect(failures.value == 0)
                    #expect(served.value > 100)
                    // The first load and one refetch for the new kids, however many requests asked.
                    #expect(server.requests.count == 2)
                    #expect(Set(await cache.keyIDs) == ["rsa-gen1", "ec-gen1", "rsa-gen2", "ec-gen2"])

                    // A flood of unknown kids: one refetch, then nothing until the interval passes
                    // again. The rotation's refetch happened before the workers stopped, so waiting one
                    // interval now makes sure the flood may refetch (without it, whether it may depends
                    // on how fast the workers ran).
                    try await Task.sleep(for: .seconds(minimumInterval) + .milliseconds(50))
                    let ghost = try keys.first[0].sign(payloadJSON: App.userClaims().jsonData(), headerJSON: Data(#"{"alg":"RS256","kid":"ghost"}"#.utf8))
                    let floodStart = ContinuousClock.now
                    let reasons = try await withThrowingTaskGroup(of: String?.self) { group in
                        for _ in 0..<50 {
                            group.addTask {
                                let response = try await client.execute(uri: "/user", method: .get, headers: App.bearer(ghost))
                                return UnauthorizedBody(response)?.reason
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(reasons.allSatisfy { $0 == AuthFailure.unknownKey.rawValue })
                    let floodDuration = ContinuousClock.now - floodStart
                    // Only meaningful when the flood fit in one interval, which on any machine it does.
                    if floodDuration < .seconds(minimumInterval) {
                        #expect(server.requests.count == 3)
                    }
                    let elapsed = (ContinuousClock.now - loadedAt) / .seconds(1)
                    #expect(Double(server.requests.count) <= 1 + (elapsed / minimumInterval).rounded(.down))
                }
            }
        }
    }

    /// The issuer's outage must not log anybody out: stale keys keep verifying.
    @Test(arguments: [
        StubResponse(status: 503),
        StubResponse.json("this is not a JWKS"),
        StubResponse.json(#"{"keys": []}"#),
    ])
    func failedRefreshKeepsServingCachedKeys(_ failure: StubResponse) async throws {
        let keys = try KeyGenerations()
        let document = try KeyGenerations.jwks(keys.first)
        try await StubHTTPServer.with({ _, index in
            index == 0 ? .json(document) : failure
        }) { server in
            try await withHTTPClient { http in
                let (verifier, jwks) = makeJWTVerifier(
                    configuration: jwksConfiguration(url: URL(string: server.baseURL + "/jwks.json")!),
                    http: http, logger: App.quietLogger, ttl: 0.2, minimumRefetchInterval: 0.05)
                let cache = try #require(jwks)
                #expect(await cache.prefetch())
                try await Task.sleep(for: .milliseconds(300))  // the keys are now stale

                let app = App.make(verifier: verifier)
                try await app.test(.router) { client in
                    for signer in keys.first {
                        let response = try await client.execute(uri: "/user", method: .get, headers: App.bearer(KeyGenerations.token(signer)))
                        #expect(response.status == .ok)
                    }
                }
                #expect(server.requests.count >= 2)
                #expect(await cache.failedFetchCount >= 1)
                #expect(Set(await cache.keyIDs) == ["rsa-gen1", "ec-gen1"])
            }
        }
    }

    /// With the JWKS down from the start, HS256 (the secret configured alongside) keeps working
    /// and tokens for the JWKS are refused with a clear reason rather than an error.
    @Test func unreachableJWKSRefusesOnlyItsOwnTokens() async throws {
        let keys = try KeyGenerations()
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 500) }) { server in
            try await withHTTPClient { http in
                let (verifier, jwks) = makeJWTVerifier(
                    configuration: jwksConfiguration(url: URL(string: server.baseURL + "/jwks.json")!),
                    http: http, logger: App.quietLogger)
                #expect(await jwks?.prefetch() == false)
                let app = App.make(verifier: verifier)
                try await app.test(.router) { client in
                    let hs256 = try await client.execute(uri: "/user", method: .get, headers: App.bearer(App.hs256(App.userClaims())))
                    #expect(hs256.status == .ok)
                    let rs256 = try await client.execute(uri: "/user", method: .get, headers: App.bearer(KeyGenerations.token(keys.first[0])))
                    #expect(UnauthorizedBody(rs256)?.reason == AuthFailure.unknownKey.rawValue)
                }
            }
        }
    }
}
