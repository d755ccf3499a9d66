import Hummingbird

/// Guards the operator route group: a caller who is not an operator (`OperatorAccess`) is refused
/// with 403 `not_operator` before any handler runs, so a route added to the group cannot forget the
/// check. The operator's audit name goes into `context.operatorName` for the handlers.
///
/// It sits inside `AuthMiddleware`, which has already answered a missing or bad credential with 401.
struct OperatorMiddleware: RouterMiddleware {
    typealias Context = SigmarisRequestContext

    let access: OperatorAccess

    func handle(
        _ request: Request,
        context: SigmarisRequestContext,
        next: (Request, SigmarisRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.operatorName = try access.operatorName(of: context.caller)
        return try await next(request, context)
    }
}
