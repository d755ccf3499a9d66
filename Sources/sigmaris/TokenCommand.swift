import ArgumentParser
import Foundation
import SigmarisAuth

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a signed access token for local development (HS256 with SUPABASE_JWT_SECRET, or RS256/ES256 with --key).",
        discussion: """
            The token looks like one Supabase Auth issues: sub, role=authenticated, aud, iss, exp.

            With --key, the key type picks the algorithm (RSA: RS256, EC P-256: ES256). Give the \
            server the output of --print-jwks (for example SUPABASE_JWKS_URL=file:///path/jwks.json) \
            and sign with the same --kid.
            """
    )

    private static let anonRole = "anon"

    @OptionGroup var options: EnvironmentOptions

    @Option(help: "The user id (a UUID); a random one when omitted.") var user: String?
    @Option(help: "Lifetime in seconds.") var lifetime: Int = 3600
    @Option(help: "The email claim.") var email: String?
    @Flag(help: "Mint a service_role token instead of a user token (same as --role service_role).") var service = false
    @Option(help: "The role claim: authenticated (a user), service_role (the service key) or anon (the anon key, to see it refused).")
    var role: String = JWTVerifier.userRole
    @Option(help: "An unencrypted PEM private key (RSA or EC P-256) to sign with instead of SUPABASE_JWT_SECRET.")
    var key: String?
    @Option(help: "The kid header, so a JWKS with several keys knows which one verifies the token.")
    var kid: String?
    @Flag(name: .customLong("print-jwks"), help: "Print the public JWKS of --key instead of a token.")
    var printJWKS = false

    /// `--service` is kept for existing scripts; `--role` says the same thing more generally.
    private var effectiveRole: String { service ? JWTVerifier.serviceRole : role }

    func validate() throws {
        if let user, UUID(uuidString: user) == nil { throw ValidationError("--user must be a UUID, got \(user)") }
        guard lifetime > 0 else { throw ValidationError("--lifetime must be positive") }
        guard !role.isEmpty else { throw ValidationError("--role must not be empty") }
        if service, role != JWTVerifier.userRole, role != JWTVerifier.serviceRole {
            throw ValidationError("--service conflicts with --role \(role)")
        }
        if kid?.isEmpty == true { throw ValidationError("--kid must not be empty") }
        if printJWKS, key == nil { throw ValidationError("--print-jwks needs --key: the JWKS holds that key's public half") }
        // Supabase's service and anon keys carry no user; silently dropping these would surprise.
        if effectiveRole == JWTVerifier.serviceRole || effectiveRole == Self.anonRole, user != nil || email != nil {
            throw ValidationError("--user and --email only apply to user tokens, not to role \(effectiveRole)")
        }
    }

    func run() async throws {
        if printJWKS, let key {
            // No configuration needed: the document depends on the key alone.
            let jwks = try JWTSigner.publicJWKS(of: [try Self.signer(keyPath: key, keyID: kid)])
            print(String(decoding: jwks, as: UTF8.self))
            return
        }
        let configuration = try options.loadConfiguration()
        let signer: JWTSigner
        if let key {
            signer = try Self.signer(keyPath: key, keyID: kid)
        } else {
            guard let secret = configuration.supabaseJWTSecret else {
                throw Self.fail("SUPABASE_JWT_SECRET is not set; the token is signed with it (or pass --key)", code: 78)  // EX_CONFIG
            }
            signer = try JWTSigner(hmacSecret: secret, keyID: kid)
        }
        print(try signer.sign(claims(issuer: configuration.jwtIssuer, audience: configuration.jwtAudience)))
    }

    private func claims(issuer: String?, audience: String) -> JWTClaimsBuilder {
        let now = Date()
        switch effectiveRole {
        case JWTVerifier.serviceRole:
            return .service(now: now, lifetime: TimeInterval(lifetime))
        case Self.anonRole:
            // Shaped like a project's anon key: no user, no audience.
            return JWTClaimsBuilder(role: Self.anonRole, issuer: "supabase", issuedAt: now, expiresAt: now.addingTimeInterval(TimeInterval(lifetime)))
        default:
            var claims = JWTClaimsBuilder.user(
                id: user.flatMap(UUID.init(uuidString:)) ?? UUID(),
                email: email,
                issuer: issuer,
                audience: audience,
                now: now,
                lifetime: TimeInterval(lifetime))
            claims.role = effectiveRole
            return claims
        }
    }

    /// Reads the key file, exiting with a message that names the file (never its contents).
    private static func signer(keyPath path: String, keyID: String?) throws -> JWTSigner {
        guard FileManager.default.fileExists(atPath: path) else {
            throw fail("--key \(path): no such file", code: 66)  // EX_NOINPUT
        }
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw fail("--key \(path): cannot be read as text (check permissions, or is it a DER file?)", code: 66)
        }
        do {
            return try JWTSigner(privateKeyPEM: pem, keyID: keyID)
        } catch {
            throw fail("--key \(path): not an unencrypted RSA (2048 to 8192 bits) or EC P-256 private key in PEM", code: 65)  // EX_DATAERR
        }
    }

    private static func fail(_ message: String, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(code)
    }
}
