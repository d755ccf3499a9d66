import Foundation
import Testing
@testable import SigmarisAuth

@Suite("Token shape and Authorization header")
struct TokenShapeTests {
    private func failure(_ token: String) async -> AuthFailure? {
        await AuthFailure.caught { try await Fixture.verifier().verify(token: token, allowService: false) }
    }

    @Test("an empty token is missing")
    func emptyToken() async {
        #expect(await failure("") == .missingToken)
    }

    @Test("garbled tokens are malformed", arguments: [
        "abc", "a.b", "a.b.c.d", "a.b.c.d.e", "..", ".e30.", "e30..", "e30.e30.!!!",
        "eyJhbGciOiJIUzI1NiJ9=.e30.AAAA",    // padding
        "e30.e30.AAAA",                       // header without alg
        "bm90IGpzb24.e30.AAAA",               // header not JSON
        "eyJhbGciOiJIUzI1NiJ9.e30.AAA A",     // space inside
        "eyJhbGciOiJIUzI1NiJ9.e30.A",         // impossible base64 length
        "eyJhbGciOiJIUzI1NiJ9.e30.AB",        // non-zero trailing bits
        "eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiYjY0Il19.e30.AAAA",  // crit we do not understand
    ])
    func garbled(token: String) async {
        #expect(await failure(token) == .malformed)
    }

    @Test("an over-long token is refused before parsing")
    func tooLarge() async throws {
        var claims = Fixture.userClaims()
        claims.additionalClaims["padding"] = String(repeating: "x", count: 9000)
        let token = try Fixture.hmacSigner().sign(claims)
        #expect(await failure(token) == .tokenTooLarge)
        // Not even three segments are needed to be refused for size.
        #expect(await failure(String(repeating: "A", count: 8193)) == .tokenTooLarge)
        #expect(await failure(String(repeating: "A", count: 8192)) == .malformed)
        let header = await AuthFailure.caught {
            try await Fixture.verifier().verify(authorizationHeader: "Bearer " + String(repeating: "A", count: 100_000), allowService: false)
        }
        #expect(header == .tokenTooLarge)
    }

    @Test("the size limit is configurable")
    func configurableLimit() async throws {
        var configuration = Fixture.configuration()
        configuration.maxTokenBytes = 100
        let token = try Fixture.hmacSigner().sign(Fixture.userClaims())
        let verifier = Fixture.verifier(configuration: configuration)
        #expect(await AuthFailure.caught { try await verifier.verify(token: token, allowService: false) } == .tokenTooLarge)
    }

    @Test("Bearer header values", arguments: [
        ("Bearer abc.def.ghi", Result<String, AuthFailure>.success("abc.def.ghi")),
        ("bearer abc.def.ghi", .success("abc.def.ghi")),
        ("BEARER abc.def.ghi", .success("abc.def.ghi")),
        ("  Bearer   abc.def.ghi  ", .success("abc.def.ghi")),
        ("Bearer\tabc.def.ghi", .success("abc.def.ghi")),
        ("", .failure(.missingToken)),
        ("   ", .failure(.missingToken)),
        ("Bearer", .failure(.malformed)),
        ("Bearer ", .failure(.malformed)),
        ("Basic dXNlcjpwYXNz", .failure(.malformed)),
        ("Token abc.def.ghi", .failure(.malformed)),
        ("abc.def.ghi", .failure(.malformed)),
        ("Bearer abc def", .failure(.malformed)),
        ("Bearer abc,def", .failure(.malformed)),
        ("Bearer abc.déf.ghi", .failure(.malformed)),
        ("Bearerabc.def.ghi", .failure(.malformed)),
    ])
    func bearer(value: String, expected: Result<String, AuthFailure>) {
        let result = Result { () throws(AuthFailure) -> String in try BearerHeader.token(from: value) }
        #expect(result == expected)
    }

    @Test("an absent header is a missing token")
    func absentHeader() {
        #expect(throws: AuthFailure.missingToken) { try BearerHeader.token(from: nil) }
    }
}

@Suite("AuthFailure")
struct AuthFailureTests {
    @Test("raw values are the documented machine codes")
    func codes() {
        #expect(AuthFailure.allCases.map(\.code) == [
            "missing_token", "malformed", "bad_signature", "expired", "not_yet_valid", "wrong_audience",
            "wrong_issuer", "unknown_key", "forbidden_role", "invalid_subject", "unsupported_algorithm",
            "token_too_large",
        ])
    }

    @Test("descriptions never carry the token or the secret")
    func descriptionIsSafe() async throws {
        let token = try Fixture.hmacSigner().sign(Fixture.userClaims(now: Fixture.now.addingTimeInterval(-7200)))
        do {
            _ = try await Fixture.verifier().verify(token: token, allowService: false)
            Issue.record("expected a failure")
        } catch {
            let texts = [error.description, String(describing: error), String(reflecting: error), "\(error)"]
            for text in texts {
                #expect(!text.contains(token))
                #expect(!text.contains(token.split(separator: ".")[1]))
                #expect(!text.contains(Fixture.secret))
            }
            #expect(error.description == "AuthFailure(expired)")
        }
        let configuration = Fixture.configuration()
        #expect(!String(describing: configuration).contains(Fixture.secret))
        #expect(!String(reflecting: configuration).contains(Fixture.secret))
    }
}
