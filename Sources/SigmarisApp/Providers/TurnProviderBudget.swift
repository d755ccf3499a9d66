import SigmarisCurl

/// A turn's budget for its provider calls: all of them end by `SIGMARIS_PROVIDER_TIMEOUT` plus
/// `grace` after the turn started to run the engine.
///
/// Each call also has its own deadline (the timeout from when it is made, retries included), but a
/// turn makes several in a row: the message's embeddings, the reply, the episode's embedding. Against
/// a provider that accepts connections and never answers, each call made before the circuit breaker
/// opens would cost a whole timeout, so a turn would take a multiple of it before its fallback reply.
/// With the budget a turn's provider work takes at most one timeout and the grace, whatever the
/// provider does. The grace leaves a working but slow provider what it had (each call its own
/// timeout) as long as the calls after the first are quick; the turn budget only cuts off the
/// second and later calls of a turn whose first one used up the whole timeout.
///
/// A task-local, because the engine is pure and knows nothing of time: `TurnRunner` sets it around
/// the engine's run, and the provider applies it where it builds a request. A call the engine starts
/// for all turns at once (the safety anchors' embedding) runs in a task that inherits it from the
/// turn that started it.
enum TurnProviderBudget {
    @TaskLocal static var deadline: ContinuousClock.Instant?

    /// What a turn may spend on provider calls beyond one call's timeout.
    static let grace = Duration.seconds(10)

    /// The budget of a turn whose provider calls each have `timeout`.
    static func forTurn(callTimeout timeout: Duration) -> Duration { timeout + grace }

    /// `request`, with its deadline no later than the running turn's (unchanged outside a turn).
    static func bounding(_ request: HTTPRequest) -> HTTPRequest {
        guard let deadline else { return request }
        if let own = request.deadline, own <= deadline { return request }
        var request = request
        request.deadline = deadline
        return request
    }

    /// Runs `body` with every provider call inside it ending by `budget` from now (no bound when nil).
    static func run<T: Sendable>(within budget: Duration?, _ body: () async throws -> T) async rethrows -> T {
        guard let budget else { return try await body() }
        return try await $deadline.withValue(.now + budget) { try await body() }
    }
}
