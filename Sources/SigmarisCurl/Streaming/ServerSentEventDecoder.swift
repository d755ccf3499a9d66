/// Turns the bytes of a `text/event-stream` into events as they arrive, following the WHATWG
/// parsing rules ("Server-sent events", 9.2.6): lines end at LF, CR or CRLF (also when the CR
/// ends one chunk and the LF starts the next), lines and UTF-8 sequences may be split anywhere
/// between chunks, a leading UTF-8 BOM is skipped, lines starting with `:` are comments, a line
/// without a colon is a field with an empty value, one space after the colon is dropped, `data`
/// lines join with "\n", an empty line dispatches the event (none when it has no `data`), and
/// unknown fields (and `retry`) are ignored.
///
/// A pure value: no I/O, no clock.
public struct ServerSentEventDecoder: Sendable {
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The bytes of the line being read (UTF-8 is decoded per complete line, so a character split
    /// between chunks is whole by then: CR and LF never occur inside a UTF-8 sequence).
    private var line: [UInt8] = []
    /// The previous byte was a CR, so an LF right after it ends no further line.
    private var afterCR = false
    /// How many bytes of a leading BOM matched so far; nil once the start of the stream is past.
    private var bomMatched: Int? = 0

    private var data = ""
    private var hasData = false
    private var eventType = ""
    private var lastEventID: String?

    public init() {}

    /// The events completed by `bytes`, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if let matched = bomMatched {
                if byte == Self.bom[matched] {
                    bomMatched = matched + 1 == Self.bom.count ? nil : matched + 1
                    continue
                }
                bomMatched = nil
                // Not a BOM after all: those bytes were the start of the first line.
                for earlier in Self.bom.prefix(matched) {
                    take(earlier, into: &events)
                }
            }
            take(byte, into: &events)
        }
        return events
    }

    /// The end of the stream. Per WHATWG an event not yet dispatched by an empty line (and a
    /// line without its line end) is discarded, so this returns no events; it resets the decoder
    /// for a new stream and is an array so callers treat the end like any other input.
    public mutating func finish() -> [ServerSentEvent] {
        self = ServerSentEventDecoder()
        return []
    }

    private mutating func take(_ byte: UInt8, into events: inout [ServerSentEvent]) {
        switch byte {
        case UInt8(ascii: "\n"):
            if afterCR {
                afterCR = false
                return
            }
            endLine(into: &events)
        case UInt8(ascii: "\r"):
            afterCR = true
            endLine(into: &events)
        default:
            afterCR = false
            line.append(byte)
        }
    }

    /// Works on bytes so the colon and the one space after it are found exactly (as characters,
    /// a combining mark would fuse with them); both are ASCII, so splitting there never cuts a
    /// UTF-8 sequence.
    private mutating func endLine(into events: inout [ServerSentEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        guard let first = line.first else {
            dispatch(into: &events)
            return
        }
        if first == UInt8(ascii: ":") { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        var valueStart = colon.map { $0 + 1 } ?? line.endIndex
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = String(decoding: line[valueStart...], as: UTF8.self)
        switch String(decoding: line[..<(colon ?? line.endIndex)], as: UTF8.self) {
        case "event":
            eventType = value
        case "data":
            if hasData { data += "\n" }
            data += value
            hasData = true
        case "id":
            // The spec ignores an id containing NUL.
            if !value.unicodeScalars.contains("\u{0}") { lastEventID = value }
        default:
            break  // `retry` (we do not reconnect) and unknown fields
        }
    }

    private mutating func dispatch(into events: inout [ServerSentEvent]) {
        defer {
            data = ""
            hasData = false
            eventType = ""
        }
        guard hasData else { return }
        events.append(ServerSentEvent(event: eventType.isEmpty ? nil : eventType, data: data, id: lastEventID))
    }
}
