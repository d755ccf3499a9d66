import Foundation
import Testing
@testable import SigmarisAuth

@Suite("Claims")
struct ClaimsTests {
    let issuer = "https://example.supabase.co/auth/v1"

    private func failure(
        _ claims: JWTClaimsBuilder,
        allowService: Bool = false,
        configuration: JWTVerifierConfiguration = Fixture.configuration()
    ) async throws -> AuthFailure? {
        let token = try Fixture.hmacSigner().sign(claims)
        let verifier = Fixture.verifier(configuration: configuration)
        return await AuthFailure.caught { try await verifier.verify(token: token, allowService: allowService) }
    }

    private func payloadFailure(_ json: String) async throws -> AuthFailure? {
        let token = try Fixture.hmacSigner().sign(payloadJSON: Data(json.utf8))
        return await AuthFailure.caught { try await Fixture.verifier().verify(token: token, allowService: false) }
    }

    @Test("expired tokens are refused")
    func expired() async throws {
        let claims = Fixture.userClaims(now: Fixture.now.addingTimeInterval(-7200))
        #expect(try await failure(claims) == .expired)
    }

    @Test("exp is honoured to the second, with the skew", arguments: [
        (-31.0, AuthFailure?.some(.expired)),
        (-30.0, .some(.expired)),   // now == exp + skew: over
        (-29.0, nil),
        (0.0, nil),
        (60.0, nil),
    ])
    func expirySkewEdges(offset: TimeInterval, expected: AuthFailure?) async throws {
        var claims = Fixture.userClaims()
        claims.expiresAt = Fixture.now.addingTimeInterval(offset)
        #expect(try await failure(claims) == expected)
    }

    @Test("nbf in the future is refused, within the skew accepted", arguments: [
        (31.0, AuthFailure?.some(.notYetValid)),
        (30.0, nil),               // now == nbf - skew: valid
        (0.0, nil),
        (-100.0, nil),
    ])
    func notBeforeSkewEdges(offset: TimeInterval, expected: AuthFailure?) async throws {
        var claims = Fixture.userClaims()
        claims.notBefore = Fixture.now.addingTimeInterval(offset)
        #expect(try await failure(claims) == expected)
    }

    @Test("a configured skew of zero is exact")
    func zeroSkew() async throws {
        var configuration = Fixture.configuration()
        configuration.clockSkew = 0
        var claims = Fixture.userClaims()
        claims.expiresAt = Fixture.now
        #expect(try await failure(claims, configuration: configuration) == .expired)
        claims.expiresAt = Fixture.now.addingTimeInterval(1)
        #expect(try await failure(claims, configuration: configuration) == nil)
        claims.notBefore = Fixture.now.addingTimeInterval(1)
        #expect(try await failure(claims, configuration: configuration) == .notYetValid)
    }

    @Test("a token without exp is malformed")
    func missingExpiry() async throws {
        var claims = Fixture.userClaims()
        claims.expiresAt = nil
        #expect(try await failure(claims) == .malformed)
    }

    @Test("aud must contain the configured audience", arguments: [
        (JWTClaimsBuilder.Audience.single("authenticated"), AuthFailure?.none),
        (.single("anon"), .some(.wrongAudience)),
        (.single("Authenticated"), .some(.wrongAudience)),
        (.multiple(["other", "authenticated"]), nil),
        (.multiple(["authenticated"]), nil),
        (.multiple(["other", "another"]), .some(.wrongAudience)),
        (.multiple([]), .some(.wrongAudience)),
    ])
    func audience(audience: JWTClaimsBuilder.Audience, expected: AuthFailure?) async throws {
        var claims = Fixture.userClaims()
        claims.audience = audience
        #expect(try await failure(claims) == expected)
    }

    @Test("a user token without aud is the wrong audience")
    func missingAudience() async throws {
        var claims = Fixture.userClaims()
        claims.audience = nil
        #expect(try await failure(claims) == .wrongAudience)
    }

    @Test("a configured audience other than the default is used")
    func customAudience() async throws {
        var configuration = Fixture.configuration()
        configuration.audience = "sigmaris"
        var claims = Fixture.userClaims()
        #expect(try await failure(claims, configuration: configuration) == .wrongAudience)
        claims.audience = .multiple(["authenticated", "sigmaris"])
        #expect(try await failure(claims, configuration: configuration) == nil)
    }

    @Test("iss must match when configured")
    func issuer() async throws {
        var claims = Fixture.userClaims()
        claims.issuer = "https://evil.supabase.co/auth/v1"
        #expect(try await failure(claims) == .wrongIssuer)
        claims.issuer = issuer + "/"
        #expect(try await failure(claims) == .wrongIssuer)
        claims.issuer = nil
        #expect(try await failure(claims) == .wrongIssuer)
        // Not configured: any issuer goes.
        claims.issuer = "https://evil.supabase.co/auth/v1"
        #expect(try await failure(claims, configuration: Fixture.configuration(issuer: nil)) == nil)
    }

    @Test("sub must be a UUID", arguments: ["not-a-uuid", "", "12345", "8d6f8a4e52c14c8b9a1e0c3f6a2b9d11", "{8d6f8a4e-52c1-4c8b-9a1e-0c3f6a2b9d11}"])
    func nonUUIDSubject(subject: String) async throws {
        var claims = Fixture.userClaims()
        claims.subject = subject
        #expect(try await failure(claims) == .invalidSubject)
    }

    @Test("an uppercase UUID sub is the same user")
    func uppercaseSubject() async throws {
        var claims = Fixture.userClaims()
        claims.subject = Fixture.userID.uuidString.uppercased()
        let token = try Fixture.hmacSigner().sign(claims)
        let caller = try await Fixture.verifier().verify(token: token, allowService: false)
        #expect(caller.userID == Fixture.userID)
    }

    @Test("a user token without sub is refused")
    func missingSubject() async throws {
        var claims = Fixture.userClaims()
        claims.subject = nil
        #expect(try await failure(claims) == .invalidSubject)
    }

    @Test("the anon role is refused, on any route", arguments: [false, true])
    func anonRole(allowService: Bool) async throws {
        var claims = Fixture.userClaims()
        claims.role = "anon"
        #expect(try await failure(claims, allowService: allowService) == .forbiddenRole)
        // Supabase's anon key itself: no sub, no aud, iss "supabase".
        let anonKey = JWTClaimsBuilder(role: "anon", issuer: "supabase", issuedAt: Fixture.now,
                                       expiresAt: Fixture.now.addingTimeInterval(3600))
        #expect(try await failure(anonKey, allowService: allowService) == .forbiddenRole)
    }

    @Test("other or missing roles are refused", arguments: ["supabase_admin", "postgres", "AUTHENTICATED", ""])
    func otherRoles(role: String) async throws {
        var claims = Fixture.userClaims()
        claims.role = role
        #expect(try await failure(claims) == .forbiddenRole)
        claims.role = nil
        #expect(try await failure(claims) == .forbiddenRole)
    }

    @Test("a service_role key is accepted only where service callers are allowed")
    func serviceRole() async throws {
        let token = try Fixture.hmacSigner().sign(JWTClaimsBuilder.service(now: Fixture.now))
        let verifier = Fixture.verifier()
        let refused = await AuthFailure.caught { try await verifier.verify(token: token, allowService: false) }
        #expect(refused == .forbiddenRole)
        let caller = try await verifier.verify(token: token, allowService: true)
        guard case .service(let service) = caller else {
            Issue.record("expected service, got \(caller)")
            return
        }
        #expect(service.role == "service_role")
        #expect(service.issuer == "supabase")
        #expect(caller.userID == nil)
    }

    @Test("a service_role key is still checked for signature and exp")
    func serviceRoleChecks() async throws {
        let expired = try Fixture.hmacSigner().sign(JWTClaimsBuilder.service(now: Fixture.now.addingTimeInterval(-7200)))
        let verifier = Fixture.verifier()
        #expect(await AuthFailure.caught { try await verifier.verify(token: expired, allowService: true) } == .expired)
        let forged = try JWTSigner(hmacSecret: "guessed-secret").sign(JWTClaimsBuilder.service(now: Fixture.now))
        #expect(await AuthFailure.caught { try await verifier.verify(token: forged, allowService: true) } == .badSignature)
    }

    @Test("claims of the wrong type are malformed", arguments: [
        #"{"sub":"8d6f8a4e-52c1-4c8b-9a1e-0c3f6a2b9d11","role":"authenticated","aud":"authenticated","exp":"1750003600"}"#,
        #"{"sub":"8d6f8a4e-52c1-4c8b-9a1e-0c3f6a2b9d11","role":"authenticated","aud":"authenticated","exp":true}"#,
        #"{"sub":42,"role":"authenticated","aud":"authenticated","exp":1750003600}"#,
        #"{"sub":"8d6f8a4e-52c1-4c8b-9a1e-0c3f6a2b9d11","role":"authenticated","aud":[1],"exp":1750003600}"#,
        #"{"sub":"8d6f8a4e-52c1-4c8b-9a1e-0c3f6a2b9d11","role":"authenticated","aud":"authenticated","exp":1750003600,"nbf":"0"}"#,
        #"["not","an","object"]"#,
        #"not json"#,
    ])
    func wrongTypes(json: String) async throws {
        #expect(try await payloadFailure(json) == .malformed)
    }

    @Test("fractional NumericDates are honoured")
    func fractionalDates() async throws {
        let json = #"{"sub":"8d6f8a4e-52c1-4c8b-9a1e-0c3f6a2b9d11","role":"authenticated","aud":"authenticated","iss":"https://example.supabase.co/auth/v1","exp":1750000000.5}"#
        #expect(try await payloadFailure(json) == nil)
    }
}
