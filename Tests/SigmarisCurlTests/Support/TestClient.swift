import SigmarisTestSupport
import Logging
import SigmarisCurl
import Testing

/// Runs `body` with a client of its own (its own thread and connection cache), shut down
/// afterwards, so tests never share connections.
func withCurlClient<T>(
    configuration: CurlHTTPClientConfiguration = .init(connectTimeout: .seconds(2), requestTimeout: .seconds(10)),
    _ body: (CurlHTTPClient) async throws -> T
) async throws -> T {
    try await scoped(CurlHTTPClient(configuration: configuration), close: { await $0.shutdown() }, body)
}

/// Captures logs for one test; tests that do not inspect logs still route
/// through it so nothing is printed.
func testLogger() -> Logger {
    LogCapture().logger
}

/// Runs `operation`, expecting it to throw an ``OutboundHTTPError``.
/// (Closures are not inferred as typed-throwing, hence the cast.)
func expectOutboundError(
    _ operation: () async throws -> HTTPResponse,
    sourceLocation: SourceLocation = #_sourceLocation
) async -> OutboundHTTPError? {
    do {
        let response = try await operation()
        Issue.record("expected an OutboundHTTPError, got status \(response.status)", sourceLocation: sourceLocation)
        return nil
    } catch let error as OutboundHTTPError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Deterministic, non-repeating-ish test payload.
    static func pattern(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
    }
}
