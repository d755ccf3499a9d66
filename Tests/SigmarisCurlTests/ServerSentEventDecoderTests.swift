import SigmarisCurl
import Testing

@Suite("Server-sent event decoder")
struct ServerSentEventDecoderTests {
    /// Decodes `bytes` whole, byte by byte, and split once at every position: every way must give
    /// the same events.
    static func decodeEveryWay(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [ServerSentEvent] {
        func decode(_ chunks: [ArraySlice<UInt8>]) -> [ServerSentEvent] {
            var decoder = ServerSentEventDecoder()
            var events = chunks.flatMap { decoder.feed($0) }
            events += decoder.finish()
            return events
        }
        let whole = decode([bytes[...]])
        #expect(decode(bytes.indices.map { bytes[$0...$0] }) == whole, "byte by byte", sourceLocation: sourceLocation)
        for split in bytes.indices.dropFirst() {
            #expect(decode([bytes[..<split], bytes[split...]]) == whole, "split at \(split)", sourceLocation: sourceLocation)
        }
        return whole
    }

    static func decodeEveryWay(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ServerSentEvent] {
        decodeEveryWay(Array(text.utf8), sourceLocation: sourceLocation)
    }

    @Test("LF, CR and CRLF line ends", arguments: ["\n", "\r", "\r\n"])
    func lineEnds(end: String) {
        let text = "event: delta" + end + "data: a" + end + end + "data: b" + end + end
        #expect(Self.decodeEveryWay(text) == [
            ServerSentEvent(event: "delta", data: "a"),
            ServerSentEvent(data: "b"),
        ])
    }

    @Test("A CR ending one chunk and the LF starting the next are one line end")
    func crlfAcrossChunks() {
        var decoder = ServerSentEventDecoder()
        #expect(decoder.feed(Array("data: a\r".utf8)).isEmpty)
        // If the LF counted as a second line end, this empty line would dispatch now.
        #expect(decoder.feed(Array("\ndata: b\r".utf8)).isEmpty)
        #expect(decoder.feed(Array("\n\r\n".utf8)) == [ServerSentEvent(data: "a\nb")])
    }

    @Test("Several events in one chunk, and one event over many")
    func severalEvents() {
        let text = "data: 1\n\ndata: 2\n\nevent: done\ndata: {\"reply\":\"x\"}\n\n"
        #expect(Self.decodeEveryWay(text) == [
            ServerSentEvent(data: "1"), ServerSentEvent(data: "2"), ServerSentEvent(event: "done", data: #"{"reply":"x"}"#),
        ])
    }

    @Test("Multi-line data joins with LF; an empty data line counts")
    func multiLineData() {
        #expect(Self.decodeEveryWay("data: first\ndata\ndata:  two spaces\n\n") == [
            ServerSentEvent(data: "first\n\n two spaces"),
        ])
        #expect(Self.decodeEveryWay("data\n\n") == [ServerSentEvent(data: "")])
    }

    @Test("Comments, unknown fields, retry and events without data dispatch nothing")
    func ignoredLines() {
        let text = ": keep-alive\n\n:\nretry: 1000\nfoo: bar\n\nevent: lonely\n\ndata: x\n\n"
        #expect(Self.decodeEveryWay(text) == [ServerSentEvent(data: "x")], "the event type is reset by the empty line")
    }

    @Test("A field without a colon has an empty value; only one space after the colon is dropped")
    func fieldForms() {
        #expect(Self.decodeEveryWay("event\ndata:no space\n\n") == [ServerSentEvent(data: "no space")])
        #expect(Self.decodeEveryWay("data:   three\n\n") == [ServerSentEvent(data: "  three")])
        #expect(Self.decodeEveryWay("data: a: b\n\n") == [ServerSentEvent(data: "a: b")])
        #expect(Self.decodeEveryWay("Data: case matters\n\n").isEmpty)
    }

    @Test("The id carries over to later events; an id with NUL is ignored")
    func ids() {
        #expect(Self.decodeEveryWay("id: 7\ndata: a\n\ndata: b\n\nid: 8\u{0}\ndata: c\n\nid\ndata: d\n\n") == [
            ServerSentEvent(data: "a", id: "7"), ServerSentEvent(data: "b", id: "7"),
            ServerSentEvent(data: "c", id: "7"), ServerSentEvent(data: "d", id: ""),
        ])
    }

    @Test("A leading UTF-8 BOM is skipped, a later one is data")
    func byteOrderMark() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(Self.decodeEveryWay(bom + Array("data: a\n\n".utf8)) == [ServerSentEvent(data: "a")])
        #expect(Self.decodeEveryWay(Array("data: ".utf8) + bom + Array("a\n\n".utf8)) == [ServerSentEvent(data: "\u{FEFF}a")])
        // Bytes that start like a BOM but are not one stay part of the first line.
        #expect(Self.decodeEveryWay([0xEF, 0xBB] + Array("\n\ndata: a\n\n".utf8)).count == 1)
    }

    @Test("UTF-8 split between chunks decodes whole")
    func utf8AcrossChunks() {
        #expect(Self.decodeEveryWay("data: 日本語 🙂 é\n\n") == [ServerSentEvent(data: "日本語 🙂 é")])
    }

    @Test("Invalid UTF-8 becomes U+FFFD, as a browser decodes it")
    func invalidUTF8() {
        #expect(Self.decodeEveryWay(Array("data: a".utf8) + [0xFF] + Array("b\n\n".utf8)) == [ServerSentEvent(data: "a\u{FFFD}b")])
    }

    @Test("An event not closed by an empty line is discarded at the end")
    func unterminatedEvent() {
        var decoder = ServerSentEventDecoder()
        #expect(decoder.feed(Array("data: done\n\ndata: cut".utf8)) == [ServerSentEvent(data: "done")])
        #expect(decoder.finish().isEmpty)
        #expect(Self.decodeEveryWay("data: complete line, no empty line\n").isEmpty)
        // finish() resets: the next stream starts clean.
        #expect(decoder.feed(Array("data: next\n\n".utf8)) == [ServerSentEvent(data: "next")])
    }
}
