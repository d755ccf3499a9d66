import Foundation
import Synchronization
import Testing
@testable import SigmarisAuth

/// A JWKS endpoint the tests script: what it returns, how slowly, and how often it was asked.
final class FakeJWKSEndpoint: Sendable {
    enum Response: Sendable {
        case document(Data)
        case failure
    }

    struct Unavailable: Error {}

    private struct State {
        var response: Response
        var delay: Duration
        var calls = 0
    }

    private let state: Mutex<State>

    init(_ response: Response, delay: Duration = .zero) {
        state = Mutex(State(response: response, delay: delay))
    }

    func respond(with response: Response) {
        state.withLock { $0.response = response }
    }

    var calls: Int { state.withLock { $0.calls } }

    var fetch: @Sendable () async throws -> Data {
        { [self] in
            let (response, delay) = state.withLock { state in
                state.calls += 1
                return (state.response, state.delay)
            }
            if delay > .zero { try await Task.sleep(for: delay) }
            switch response {
            case .document(let data): return data
            case .failure: throw Unavailable()
            }
        }
    }

    /// The fixture JWKS restricted to the given kids (optionally renamed).
    static func document(_ kids: [String], renaming: [String: String] = [:]) -> Response {
        let object = try? JSONSerialization.jsonObject(with: Fixture.jwksData) as? [String: Any]
        let keys = (object?["keys"] as? [[String: Any]] ?? []).compactMap { key -> [String: Any]? in
            guard let kid = key["kid"] as? String, kids.contains(kid) else { return nil }
            var copy = key
            copy["kid"] = renaming[kid] ?? kid
            return copy
        }
        return .document((try? JSONSerialization.data(withJSONObject: ["keys": keys])) ?? Data())
    }
}

@Suite("JWKS cache")
struct JWKSCacheTests {
    let clock = TestClock()

    private func setUp(_ endpoint: FakeJWKSEndpoint) -> (JWKSCache, JWTVerifier) {
        let cache = JWKSCache(now: clock.read, fetch: endpoint.fetch)
        let verifier = JWTVerifier(configuration: Fixture.configuration(secret: nil), jwks: cache, now: clock.read)
        return (cache, verifier)
    }

    private func token(_ signer: JWTSigner) throws -> String {
        try signer.sign(Fixture.userClaims())
    }

    @Test("the first lookups share one fetch")
    func coldStart() async throws {
        let endpoint = FakeJWKSEndpoint(FakeJWKSEndpoint.document(["test-rsa-1", "test-ec-1"]), delay: .milliseconds(50))
        let (cache, verifier) = setUp(endpoint)
        let token = try token(Fixture.rsaSigner())
        let results = await withTaskGroup(of: UUID?.self) { group in
            for _ in 0..<50 {
                group.addTask { try? await verifier.verify(token: token, allowService: false).userID }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 50)
        #expect(results.allSatisfy { $0 == Fixture.userID })
        #expect(await cache.fetchCount == 1)
        #expect(endpoint.calls == 1)
    }

    @Test("keys are refetched once the TTL has passed, not before")
    func ttl() async throws {
        let endpoint = FakeJWKSEndpoint(FakeJWKSEndpoint.document(["test-rsa-1", "test-ec-1"]))
        let (cache, verifier) = setUp(endpoint)
        let token = try token(Fixture.ecSigner())
        _ = try await verifier.verify(token: token, allowService: false)
        #expect(await cache.fetchCount == 1)
        clock.advance(by: 599)
        _ = try await verifier.verify(token: token, allowService: false)
        #expect(await cache.fetchCount == 1)
        clock.advance(by: 1)
        _ = try await verifier.verify(token: token, allowService: false)
        #expect(await cache.fetchCount == 2)
        _ = try await verifier.verify(token: token, allowService: false)
        #expect(await cache.fetchCount == 2)
    }

    @Test("an unknown kid refetches at most once per minimum interval")
    func unknownKidRateLimit() async throws {
        let endpoint = FakeJWKSEndpoint(FakeJWKSEndpoint.document(["test-rsa-1"]))
        let (cache, verifier) = setUp(endpoint)
        #expect(await cache.prefetch())
        #expect(await cache.fetchCount == 1)
        let unknown = try token(Fixture.rsaSigner(keyID: "made-up"))
        func attempt() async -> AuthFailure? {
            await AuthFailure.caught { try await verifier.verify(token: unknown, allowService: false) }
        }

        // Within 30 s of the initial load: no fetch at all.
        #expect(await attempt() == .unknownKey)
        clock.advance(by: 29)
        for _ in 0..<100 { #expect(await attempt() == .unknownKey) }
        #expect(await cache.fetchCount == 1)
        // 30 s after the last attempt: one fetch, then quiet again.
        clock.advance(by: 1)
        for _ in 0..<100 { #expect(await attempt() == .unknownKey) }
        #expect(await cache.fetchCount == 2)
        clock.advance(by: 29)
        #expect(await attempt() == .unknownKey)
        #expect(await cache.fetchCount == 2)
        clock.advance(by: 1)
        #expect(await attempt() == .unknownKey)
        #expect(await cache.fetchCount == 3)
        #expect(endpoint.calls == 3)
    }

    @Test("concurrent lookups of an unknown kid share one fetch, and all see its result")
    func concurrentUnknownKid() async throws {
        let endpoint = FakeJWKSEndpoint(FakeJWKSEndpoint.document(["test-rsa-1"]), delay: .milliseconds(100))
        let (cache, verifier) = setUp(endpoint)
        #expect(await cache.prefetch())
        clock.advance(by: 31)
        // The issuer adds the EC key; 50 requests carrying its kid arrive together.
        endpoint.respond(with: FakeJWKSEndpoint.document(["test-rsa-1", "test-ec-1"]))
        let token = try token(Fixture.ecSigner())
        let results = await withTaskGroup(of: UUID?.self) { group in
            for _ in 0..<50 {
                group.addTask { try? await verifier.verify(token: token, allowService: false).userID }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 50)
        #expect(results.allSatisfy { $0 == Fixture.userID })
        #expect(await cache.fetchCount == 2)
        #expect(endpoint.calls == 2)
    }

    @Test("50 concurrent lookups of a kid that stays unknown cost one fetch")
    func concurrentStillUnknown() async throws {
        let endpoint = FakeJWKSEndpoint(FakeJWKSEndpoint.document(["test-rsa-1"]), delay: .milliseconds(50))
        let (cache, verifier) = setUp(endpoint)
        #expect(await cache.prefetch())
        clock.advance(by: 31)
        let token = try token(Fixture.rsaSigner(keyID: "made-up"))
        let failures = await withTaskGroup(of: AuthFailure?.self) { group in
            for _ in 0..<50 {
                group.addTask { await AuthFailure.caught { try await verifier.verify(token: token, allowService: false) } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(failures == Array(repeating: .unknownKey, count: 50))
        #expect(await cache.fetchCount == 2)
    }

    @Test("a failed refetch keeps serving the cached keys", arguments: [
        FakeJWKSEndpoint.Response.failure,
        .document(Data("<html>502 Bad Gateway</html>".utf8)),
        .document(Data(#"{"keys":[]}"#.utf8)),
        .document(Data(#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.utf8)),
    ])
    func failureKeepsKeys(failure: FakeJWKSEndpoint.Response) async throws {
        let endpoint = FakeJWKSEndpoint(FakeJWKSEndpoint.document(["test-rsa-1", "test-ec-1"]))
        let (cache, verifier) = setUp(endpoint)
        #expect(await cache.prefetch())
        endpoint.respond(with: failure)
        clock.advance(by: 700)  // past the TTL
        let token = try token(Fixture.rsaSigner())
        #expect(try await verifier.verify(token: token, allowService: false).userID == Fixture.userID)
        #expect(await cache.fetchCount == 2)
        #expect(await cache.failedFetchCount == 1)
        #expect(await cache.keyIDs == ["test-rsa-1", "test-ec-1"])
        // Still stale, but attempts stay rate-limited while the issuer is down.
        for _ in 0..<10 { _ = try await verifier.verify(token: token, allowService: false) }
        #expect(await cache.fetchCount == 2)
        // Once the issuer is back, the next allowed attempt refreshes.
        endpoint.respond(with: FakeJWKSEndpoint.document(["test-ec-1"]))
        clock.advance(by: 30)
        let failure = await AuthFailure.caught { try await verifier.verify(token: token, allowService: false) }
        #expect(failure == .unknownKey)
        #expect(await cache.fetchCount == 3)
        #expect(await cache.keyIDs == ["test-ec-1"])
    }

    @Test("when the first fetch fails, tokens are unknown-key until a later fetch succeeds")
    func firstFetchFails() async throws {
        let endpoint = FakeJWKSEndpoint(.failure)
        let (cache, verifier) = setUp(endpoint)
        let token = try token(Fixture.rsaSigner())
        #expect(await AuthFailure.caught { try await verifier.verify(token: token, allowService: false) } == .unknownKey)
        #expect(await AuthFailure.caught { try await verifier.verify(token: token, allowService: false) } == .unknownKey)
        #expect(await cache.fetchCount == 1)
        #expect(await cache.failedFetchCount == 1)
        endpoint.respond(with: FakeJWKSEndpoint.document(["test-rsa-1"]))
        clock.advance(by: 30)
        #expect(try await verifier.verify(token: token, allowService: false).userID == Fixture.userID)
        #expect(await cache.fetchCount == 2)
    }

    @Test("rotation: a new kid is picked up, a retired one stops working")
    func rotation() async throws {
        let endpoint = FakeJWKSEndpoint(FakeJWKSEndpoint.document(["test-rsa-1"]))
        let (cache, verifier) = setUp(endpoint)
        let oldToken = try token(Fixture.rsaSigner())
        _ = try await verifier.verify(token: oldToken, allowService: false)

        // The issuer rotates to the EC key and retires the RSA one.
        endpoint.respond(with: FakeJWKSEndpoint.document(["test-ec-1"], renaming: ["test-ec-1": "ec-2025"]))
        clock.advance(by: 31)
        let newToken = try token(Fixture.ecSigner(keyID: "ec-2025"))
        #expect(try await verifier.verify(token: newToken, allowService: false).userID == Fixture.userID)
        #expect(await cache.fetchCount == 2)
        #expect(await cache.keyIDs == ["ec-2025"])
        #expect(await AuthFailure.caught { try await verifier.verify(token: oldToken, allowService: false) } == .unknownKey)
        #expect(await cache.fetchCount == 2)
    }

    @Test("custom TTL and interval are honoured")
    func customIntervals() async throws {
        let endpoint = FakeJWKSEndpoint(FakeJWKSEndpoint.document(["test-rsa-1"]))
        let cache = JWKSCache(ttl: 60, minimumRefetchInterval: 5, now: clock.read, fetch: endpoint.fetch)
        #expect(await cache.key(for: "test-rsa-1", algorithm: .rs256) != nil)
        #expect(await cache.key(for: "nope", algorithm: .rs256) == nil)
        #expect(await cache.fetchCount == 1)
        clock.advance(by: 5)
        #expect(await cache.key(for: "nope", algorithm: .rs256) == nil)
        #expect(await cache.fetchCount == 2)
        clock.advance(by: 60)
        #expect(await cache.key(for: "test-rsa-1", algorithm: .rs256) != nil)
        #expect(await cache.fetchCount == 3)
    }
}
