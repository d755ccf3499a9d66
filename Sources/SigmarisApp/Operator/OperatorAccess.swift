import Foundation
import SigmarisAuth

/// Who may call the operator routes: the service credential (scripts), a user listed in
/// `SIGMARIS_OPERATORS`, or a user whose `app_metadata.role` is `sigmaris_operator`. Everyone else
/// who signed in gets 403 (no credential is a 401 from `AuthMiddleware` before this runs).
/// `OperatorMiddleware` applies it to the whole operator route group.
struct OperatorAccess: Sendable {
    static let appRole = "sigmaris_operator"
    /// How the audit trail names the service credential.
    static let serviceName = "service"

    let operatorIDs: Set<UUID>

    /// The operator's name for the audit trail (`service`, or their lowercased user id).
    func operatorName(of caller: Caller?) throws(APIError) -> String {
        switch caller {
        case .service:
            return Self.serviceName
        case .user(let identity) where operatorIDs.contains(identity.id) || identity.appRole == Self.appRole:
            return identity.id.uuidString.lowercased()
        case .user, nil:
            throw Self.refusal
        }
    }

    static let refusal = APIError(.forbidden, "Operators only", reason: "not_operator")
}
