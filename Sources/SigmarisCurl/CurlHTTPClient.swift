import Logging
import NIOPosix

/// Outbound HTTP over libcurl, with an async API.
///
/// `curl_easy_perform` blocks its thread for the whole transfer, so it runs
/// on a `NIOThreadPool` and never on an event loop or the cooperative pool.
/// The number of concurrent transfers is therefore bounded by the thread
/// pool size; further requests queue in the pool.
///
/// All stored state is immutable or itself `Sendable`, so the client can be
/// shared freely between tasks.
public struct CurlHTTPClient: Sendable {
    private let threads: CurlThreads
    private let configuration: CurlHTTPClientConfiguration
    private let handles: CurlHandlePool

    /// - Parameter threads: where transfers run; their owner shuts them down.
    public init(threads: CurlThreads, configuration: CurlHTTPClientConfiguration = .init()) {
        self.threads = threads
        self.configuration = configuration
        self.handles = CurlHandlePool(capacity: configuration.maxIdleHandles)
    }

    /// - Parameter threadPool: must be started; the client does not own it.
    public init(threadPool: NIOThreadPool, configuration: CurlHTTPClientConfiguration = .init()) {
        self.init(threads: CurlThreads(running: threadPool), configuration: configuration)
    }

    /// Sends `request` once (no retries) and buffers the whole response.
    ///
    /// Any status code, including 4xx/5xx, is a successful `HTTPResponse`;
    /// errors mean no complete response was received.
    public func send(_ request: HTTPRequest, logger: Logger) async throws(OutboundHTTPError) -> HTTPResponse {
        try await send(request, attempt: 1, logger: logger)
    }

    /// How many idle handles (and so kept-alive connection caches) are pooled.
    public var idleHandleCount: Int { handles.idleCount }

    func send(_ request: HTTPRequest, attempt: Int, logger: Logger) async throws(OutboundHTTPError) -> HTTPResponse {
        guard let url = ParsedURL(request.url) else {
            let error = OutboundHTTPError(code: .invalidURL)
            OutboundHTTPLog.record(request.method, url: nil, attempt: attempt, outcome: .failure(error), duration: .zero, logger: logger)
            throw error
        }
        let start = ContinuousClock.now
        let result: Result<HTTPResponse, OutboundHTTPError>
        if let invalid = Self.validate(request, url: url) {
            result = .failure(invalid)
        } else {
            result = await perform(request, url: url)
        }
        OutboundHTTPLog.record(
            request.method, url: url, attempt: attempt, outcome: result.map(\.status), duration: .now - start, logger: logger)
        return try result.get()
    }

    /// Rejects requests libcurl would send in a dangerous or broken form (the streaming client too).
    static func validate(_ request: HTTPRequest, url: ParsedURL) -> OutboundHTTPError? {
        for header in request.headers {
            guard HTTPSyntax.isToken(header.name), HTTPSyntax.isFieldValue(header.value) else {
                return OutboundHTTPError(code: .invalidRequest, redactedURL: url.redacted)
            }
        }
        if request.method == .head, request.body != nil {
            return OutboundHTTPError(code: .invalidRequest, redactedURL: url.redacted)
        }
        return nil
    }

    /// Hops to the thread pool for the blocking transfer.
    private func perform(_ request: HTTPRequest, url: ParsedURL) async -> Result<HTTPResponse, OutboundHTTPError> {
        let cancellation = CancellationFlag()
        let handles = self.handles
        let configuration = self.configuration
        do {
            return try await withTaskCancellationHandler {
                try await threads.run {
                    // Runs on one pool thread from checkOut to checkIn; see
                    // CurlHandlePool for why this is the only user of `handle`.
                    let handle: CurlEasyHandle
                    do throws(OutboundHTTPError) {
                        handle = try handles.checkOut()
                    } catch {
                        return .failure(error)
                    }
                    let result = handle.perform(request, url: url, configuration: configuration, cancellation: cancellation)
                    handles.checkIn(handle)
                    return result
                }
            } onCancel: {
                cancellation.raise()
            }
        } catch {
            // NIOThreadPool reports a pool that is (or went) inactive as a
            // CancellationError too, so only a cancelled task means "cancelled".
            let code: OutboundHTTPError.Code = Task.isCancelled ? .cancelled : .shutdown
            return .failure(OutboundHTTPError(code: code, redactedURL: url.redacted))
        }
    }
}
