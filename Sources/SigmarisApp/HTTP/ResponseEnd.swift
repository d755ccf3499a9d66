import Hummingbird
import Synchronization

/// How a response's body ended, for the request log and the HTTP metrics, which record a response
/// when its body ends rather than when its handler returns: a streamed turn's handler returns at
/// once, and its real duration and outcome are known only when its last event is written.
enum ResponseEnd: String, Sendable {
    /// A streamed turn that ended with its `done` event.
    case done
    /// A streamed turn that ended with its `error` event (the status, 200, was sent long before).
    case error
    /// A streamed turn whose client went away before it ended.
    case cancelled
    /// Any other body, written to the end.
    case complete
    /// A body whose writing failed (the connection broke).
    case failed
    /// A body never written (the connection went before the response started).
    case abandoned
}

/// What a streamed response reports about itself, shared by every copy of the request context (a
/// reference), so that the middleware outside sees what the response body inside decided.
final class StreamOutcome: Sendable {
    private let outcome = Mutex<ResponseEnd?>(nil)

    /// The first outcome reported wins: a `done` written just before the client left stays `done`.
    func report(_ end: ResponseEnd) {
        outcome.withLock { if $0 == nil { $0 = end } }
    }

    var reported: ResponseEnd? { outcome.withLock { $0 } }
}

/// A request context whose responses can report their outcome.
protocol OutcomeReportingContext: RequestContext {
    var streamOutcome: StreamOutcome { get }
}

extension Response {
    /// This response, with `record` called once when its body has ended, however it ends (written,
    /// failed, or never written at all: the body is dropped). A body of known length is recorded at
    /// once: it is one buffer, written right after.
    consuming func onBodyEnd(
        outcome: StreamOutcome, _ record: @escaping @Sendable (ResponseEnd) -> Void
    ) -> Response {
        guard body.contentLength == nil else {
            record(.complete)
            return self
        }
        let recorder = BodyEndRecorder(outcome: outcome, record: record)
        let original = body
        body = ResponseBody { writer in
            do {
                try await original.write(writer)
                recorder.finish(.complete)
            } catch {
                recorder.finish(.failed)
                throw error
            }
        }
        return self
    }
}

/// Calls `record` once: when the body ends, or when it is dropped unwritten (deinit), as
/// `InFlightLease` gives its place back.
private final class BodyEndRecorder: Sendable {
    private let outcome: StreamOutcome
    private let record: @Sendable (ResponseEnd) -> Void
    private let recorded = Atomic<Bool>(false)

    init(outcome: StreamOutcome, record: @escaping @Sendable (ResponseEnd) -> Void) {
        self.outcome = outcome
        self.record = record
    }

    /// `bodyEnd` is what the writing saw; a streamed turn's own report says more, and wins.
    func finish(_ bodyEnd: ResponseEnd) {
        guard !recorded.exchange(true, ordering: .acquiringAndReleasing) else { return }
        record(outcome.reported ?? bodyEnd)
    }

    deinit { finish(.abandoned) }
}
