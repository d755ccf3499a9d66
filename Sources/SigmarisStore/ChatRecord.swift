/// The frontend's rows of one `/api/aei` exchange: the user's message and the reply in `messages`,
/// and the state snapshot taken from the turn's meta. Written under the user's RLS scope.
public struct ChatRecord: Sendable {
    public var user: StoreUser
    public var sessionID: String
    public var message: String

    public init(user: StoreUser, sessionID: String, message: String) {
        self.user = user
        self.sessionID = sessionID
        self.message = message
    }
}
