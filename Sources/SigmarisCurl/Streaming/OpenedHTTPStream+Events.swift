extension OpenedHTTPStream {
    /// The one read loop over a `text/event-stream` body, shared by every caller that reads one (the
    /// provider's streamed reply, a remote core's streamed turn): decodes the body as it arrives and
    /// hands each event to `handle` in order, until `handle` returns the stream's answer (the rest
    /// of the body is then left unread, and dropping the stream aborts the transfer) or the body
    /// ends first (nil: the stream ended before its answer, which each caller reports its own way).
    ///
    /// - Parameters:
    ///   - transportFailure: what a failure of the transfer becomes (``nextChunk()``'s
    ///     ``OutboundHTTPError``: `cancelled` when the calling task was cancelled).
    ///   - handle: one event; throws to end the read (rethrown unchanged).
    public mutating func readEvents<Answer>(
        transportFailure: (OutboundHTTPError) -> any Error,
        until handle: (ServerSentEvent) async throws -> Answer?
    ) async throws -> Answer? {
        var decoder = ServerSentEventDecoder()
        while true {
            let bytes: [UInt8]?
            do {
                bytes = try await nextChunk()
            } catch {
                throw transportFailure(error)
            }
            guard let bytes else { break }
            for event in decoder.feed(bytes) {
                if let answer = try await handle(event) { return answer }
            }
        }
        // An event the body left without its closing empty line is no event (WHATWG).
        for event in decoder.finish() {
            if let answer = try await handle(event) { return answer }
        }
        return nil
    }
}
