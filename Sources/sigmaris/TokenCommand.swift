import ArgumentParser
import Foundation
import SigmarisAuth

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a signed user access token for local development (HS256 with SUPABASE_JWT_SECRET).",
        discussion: "The token looks like one Supabase Auth issues: sub, role=authenticated, aud, exp."
    )

    @OptionGroup var options: EnvironmentOptions

    @Option(help: "The user id (a UUID); a random one when omitted.") var user: String?
    @Option(help: "Lifetime in seconds.") var lifetime: Int = 3600
    @Option(help: "The email claim.") var email: String?
    @Flag(help: "Mint a service_role token instead of a user token.") var service = false

    func validate() throws {
        if let user, UUID(uuidString: user) == nil { throw ValidationError("--user must be a UUID, got \(user)") }
        guard lifetime > 0 else { throw ValidationError("--lifetime must be positive") }
    }

    func run() async throws {
        let configuration = try options.loadConfiguration()
        guard let secret = configuration.supabaseJWTSecret else {
            throw ValidationError("SUPABASE_JWT_SECRET is not set; the token is signed with it")
        }
        let claims: JWTClaimsBuilder = service
            ? .service(lifetime: TimeInterval(lifetime))
            : .user(
                id: user.flatMap(UUID.init(uuidString:)) ?? UUID(),
                email: email,
                issuer: configuration.jwtIssuer,
                audience: configuration.jwtAudience,
                lifetime: TimeInterval(lifetime))
        print(try JWTSigner(hmacSecret: secret).sign(claims))
    }
}
