import Synchronization

/// Whether a remote core serves the later reference's `POST /persona/chat/stream`, as this process
/// learned it from the core's own answers, so a streamed turn goes straight to the route that works.
///
/// Learned from the first streamed turn: a 2xx there says the route exists; a 404 or 405 says it
/// does not (the reference at the seed, whose `/persona/chat` answers JSON), and that turn and the
/// next ones go to `/persona/chat` instead. Nothing else is learned from (a 5xx or a transport
/// failure says nothing about the route). "No route" is kept for `relearnInterval` only, so a
/// core upgraded while this process runs is found again; a core that loses the route answers the
/// next turn's try with a 404, and that turn falls back at once.
final class CoreStreamSupport: Sendable {
    enum Knowledge: Equatable, Sendable {
        case unknown
        case hasStreamRoute
        case noStreamRoute
    }

    static let defaultRelearnInterval = Duration.seconds(600)

    let relearnInterval: Duration
    private let learned = Mutex<(hasStreamRoute: Bool, at: ContinuousClock.Instant)?>(nil)

    init(relearnInterval: Duration = defaultRelearnInterval) {
        self.relearnInterval = relearnInterval
    }

    /// What is known at `now`; a "no route" older than `relearnInterval` is unknown again.
    func knowledge(now: ContinuousClock.Instant = .now) -> Knowledge {
        learned.withLock { learned in
            switch learned {
            case nil: .unknown
            case (true, _)?: .hasStreamRoute
            case (false, let at)?: now - at < relearnInterval ? .noStreamRoute : .unknown
            }
        }
    }

    /// Whether a turn should try `/persona/chat/stream` first.
    func triesStreamRoute(now: ContinuousClock.Instant = .now) -> Bool {
        knowledge(now: now) != .noStreamRoute
    }

    func learn(hasStreamRoute: Bool, now: ContinuousClock.Instant = .now) {
        learned.withLock { $0 = (hasStreamRoute, now) }
    }
}
