import SigmarisAuth
import SigmarisStore

extension UserIdentity {
    /// The verified user as the data-access layer scopes their rows.
    var storeUser: StoreUser { StoreUser(id: id, claimsJSON: claimsJSON) }
}
