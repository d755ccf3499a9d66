import Foundation

/// A signed-in user as the data-access layer needs them: the id that owns their rows, and the verified
/// claims that row-level security reads (`auth.uid()`), passed on as the token carried them.
public struct StoreUser: Sendable {
    public let id: UUID
    public let claimsJSON: String

    public init(id: UUID, claimsJSON: String) {
        self.id = id
        self.claimsJSON = claimsJSON
    }

    /// The persona core keys users by text (`/persona/chat` may name any id); a signed-in user's is
    /// their UUID in lowercase, as Supabase writes it.
    public var personaUserID: String { id.uuidString.lowercased() }
}
