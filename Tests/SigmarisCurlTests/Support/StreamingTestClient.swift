import Logging
import SigmarisCurl
import SigmarisTestSupport
import Testing

/// Runs `body` with a client for streams (a longer default timeout), always shut down afterwards.
func withStreamingClient<T>(
    configuration: CurlHTTPClientConfiguration = .init(connectTimeout: .seconds(2), requestTimeout: .seconds(30)),
    _ body: (CurlHTTPClient) async throws -> T
) async throws -> T {
    try await withCurlClient(configuration: configuration, body)
}

/// What a whole stream delivered: the head, the body chunks in order, and the failure if any.
struct CollectedStream {
    var head: HTTPStreamHead?
    var chunks: [[UInt8]] = []
    var error: OutboundHTTPError?
    var partsBeforeHead = 0

    var body: [UInt8] { chunks.flatMap { $0 } }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Reads `stream` to its end.
func collect(_ stream: AsyncThrowingStream<HTTPStreamPart, any Error>) async -> CollectedStream {
    var collected = CollectedStream()
    do {
        for try await part in stream {
            switch part {
            case .head(let head):
                #expect(collected.head == nil, "the head comes once")
                collected.head = head
            case .body(let bytes):
                if collected.head == nil { collected.partsBeforeHead += 1 }
                collected.chunks.append(bytes)
            }
        }
    } catch let error as OutboundHTTPError {
        collected.error = error
    } catch {
        Issue.record("unexpected error type: \(error)")
    }
    return collected
}
