import Hummingbird
import NIOCore
import SigmarisAuth

/// Per-request state that handlers share: Hummingbird's core storage plus what middleware learns
/// (the verified caller, once auth has run).
public struct SigmarisRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    /// Set by the authentication middleware once the bearer token is verified.
    public var caller: Caller?

    /// Set by `OperatorMiddleware` on the operator routes: how the audit trail names the operator.
    var operatorName: String?

    /// The client's connection: a streamed response watches it to stop early (`InboundCloseWatcher`).
    let channel: any Channel

    /// How a streamed turn ended, for the request log and the metrics (`Response.onBodyEnd`).
    let streamOutcome = StreamOutcome()

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Bodies above this are refused with 413 before any handler reads them.
    public var maxUploadSize: Int { 64 * 1024 }

    /// Typed bodies keep their declared key order (see `OrderedJSONResponseEncoder`).
    public var responseEncoder: OrderedJSONResponseEncoder { OrderedJSONResponseEncoder() }
}

extension SigmarisRequestContext: OutcomeReportingContext {}

extension SigmarisRequestContext {
    /// The signed-in user of a user route. The auth middleware has already refused anything else;
    /// this is the type-level guarantee.
    func requireUser() throws(AuthFailure) -> UserIdentity {
        guard case .user(let identity) = caller else { throw AuthFailure.missingToken }
        return identity
    }

    /// The operator of an operator route. `OperatorMiddleware` has already refused anyone else;
    /// a handler outside its group is refused the same way rather than trusted.
    func requireOperator() throws(APIError) -> String {
        guard let operatorName else { throw OperatorAccess.refusal }
        return operatorName
    }
}
