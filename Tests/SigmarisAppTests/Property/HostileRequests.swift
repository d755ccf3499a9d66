import Foundation
import HTTPTypes
import SigmarisJSON
import SigmarisTestSupport
import SigmarisEngine

/// One generated request, and a short label to print when it fails.
struct GeneratedRequest: Sendable {
    var method: HTTPRequest.Method
    var uri: String
    var headers: HTTPFields
    var body: [UInt8]?

    var label: String {
        let shown = body.map { String(decoding: $0.prefix(160), as: UTF8.self).debugDescription } ?? "nil"
        return "\(method) \(uri.prefix(160)) headers=\(headers.map { "\($0.name)" }) body(\(body?.count ?? 0) bytes)=\(shown)"
    }
}

/// Generates requests for every route: plausible ones (so turns do run and rows change) mixed with
/// hostile bodies, headers and queries — NUL and other control characters, lone surrogates, bytes
/// that are not UTF-8, deep or huge JSON, numbers out of range, wrong types, odd `x-session-id` and
/// `limit` values, broken tokens.
struct HostileRequests {
    var random: SplitMix64
    /// Token users (their rows are what turns write).
    let users: [UUID]
    /// `user_id`s a service caller names on `/persona/chat`.
    let serviceUserIDs: [String]
    let userToken: (UUID) -> String
    let serviceToken: String

    static let sessionHeader = HTTPField.Name("x-session-id")!

    mutating func next() -> GeneratedRequest {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<36: return streamedSometimes(aeiTurn())
        case 36..<56: return streamedSometimes(personaChat())
        case 56..<66: return aeiHistory()
        case 66..<78: return stateRead()
        case 78..<88: return operatorRoute()
        default: return otherRoute()
        }
    }

    /// A turn route asked for Server-Sent Events now and then (with odd Accept values too).
    private mutating func streamedSometimes(_ request: GeneratedRequest) -> GeneratedRequest {
        guard random.chance(25) else { return request }
        var request = request
        request.headers[.accept] = random.pick([
            "text/event-stream", "text/event-stream, application/json", "TEXT/EVENT-STREAM;q=0.5", "text/event-stream\u{0}",
            "text/*", "*/*",
        ])
        return request
    }

    // MARK: Routes

    private mutating func aeiTurn() -> GeneratedRequest {
        var headers = userHeaders()
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<4: break
        case 4..<7: headers[Self.sessionHeader] = "s-\(Int.random(in: 0..<4, using: &random))"
        case 7..<9: headers[Self.sessionHeader] = hostileString(maxLength: 300)
        default: headers.append(HTTPField(name: Self.sessionHeader, value: randomBytes(count: Int.random(in: 0..<40, using: &random))))
        }
        let body = objectBody(fields: [("text", { $0.plausibleText() }), ("lang", { $0.random.pick(["en", "ja", ""]).jsonString })])
        return GeneratedRequest(method: methodMostly(.post), uri: "/api/aei", headers: headers, body: body)
    }

    private mutating func personaChat() -> GeneratedRequest {
        var headers: HTTPFields = [.contentType: contentType()]
        let asService = random.chance(55)
        if let authorization = authorization(valid: asService ? serviceToken : userToken(random.pick(users))) {
            headers[.authorization] = authorization
        }
        var fields: [(String, (inout HostileRequests) -> String)] = [
            ("message", { $0.plausibleText() }),
            ("session_id", { "s-\(Int.random(in: 0..<4, using: &$0.random))".jsonString }),
            ("reward_signal", { $0.random.pick(["0", "0.5", "-1", "1"]) }),
            ("affect_signal", { #"{"tension":\#($0.random.pick(["0.2", "-0.4", "1"])),"warmth":0.3}"# }),
        ]
        if asService {
            fields.append(("user_id", { (generator: inout HostileRequests) -> String in
                let ids = generator.serviceUserIDs
                return generator.random.pick(ids).jsonString
            }))
        } else if random.chance(20) {
            fields.append(("user_id", { (generator: inout HostileRequests) -> String in generator.random.uuid().uuidString.lowercased().jsonString }))
        }
        let body = objectBody(fields: fields)
        return GeneratedRequest(method: methodMostly(.post), uri: "/persona/chat", headers: headers, body: body)
    }

    private mutating func aeiHistory() -> GeneratedRequest {
        let query = random.chance(10) ? "" : "?session=" + queryValue(plausible: "s-\(Int.random(in: 0..<4, using: &random))")
        return GeneratedRequest(method: methodMostly(.get), uri: "/api/aei" + query, headers: userHeaders(), body: nil)
    }

    private mutating func stateRead() -> GeneratedRequest {
        if random.chance(30) {
            return GeneratedRequest(method: methodMostly(.get), uri: "/api/state/latest", headers: userHeaders(), body: nil)
        }
        let limits = ["", "abc", "-1", "0", "1", "20", "200", "201", "99999999999999999999999", "1e3", "%205", "%00", "%FF", "0x10", "NaN", "5&limit=6", "%2B7"]
        let query = random.chance(10) ? "" : "?limit=" + (random.chance(70) ? random.pick(limits) : queryValue(plausible: "50"))
        return GeneratedRequest(method: methodMostly(.get), uri: "/api/state/timeseries" + query, headers: userHeaders(), body: nil)
    }

    /// The operator routes, called by the service (an operator), by users (refused) or badly.
    private mutating func operatorRoute() -> GeneratedRequest {
        var headers: HTTPFields = [.contentType: contentType()]
        if let authorization = authorization(valid: random.chance(60) ? serviceToken : userToken(random.pick(users))) {
            headers[.authorization] = authorization
        }
        let userID = { (generator: inout HostileRequests) -> String in
            generator.random.chance(80)
                ? generator.random.pick(generator.serviceUserIDs + generator.users.map { $0.uuidString.lowercased() }).jsonString
                : generator.hostileString(maxLength: 250).jsonString
        }
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<4:
            let body = objectBody(fields: [
                ("user_id", userID),
                ("action", { $0.random.pick(["silence", "resume", "reset", "SILENCE", "explode", ""]).jsonString }),
                ("reason", { $0.random.chance(80) ? "property test".jsonString : $0.hostileString(maxLength: 1200).jsonString }),
            ])
            return GeneratedRequest(method: methodMostly(.post), uri: "/persona/state", headers: headers, body: body)
        case 4..<8:
            let query = random.chance(10) ? "" : "?user_id=" + queryValue(plausible: random.pick(serviceUserIDs.map {
                $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            }))
            return GeneratedRequest(method: methodMostly(.get), uri: "/persona/state" + query, headers: headers, body: nil)
        default:
            return GeneratedRequest(method: methodMostly(.get), uri: "/persona/overview", headers: headers, body: nil)
        }
    }

    private mutating func otherRoute() -> GeneratedRequest {
        let routes: [(HTTPRequest.Method, String)] = [
            (.get, "/healthz"), (.get, "/readyz"), (.get, "/"), (.get, "/status"), (.post, "/api/dev/token"),
            (.get, "/api/nope"), (.post, "/api/state/latest"), (.delete, "/api/aei"), (.get, "/persona/chat"),
            (.get, "/assets/%00"), (.get, "/vendor/chart.js/..%2F..%2Fetc%2Fpasswd"), (.get, "/api/aei/%FF"),
            (.put, "/api/aei"), (.get, "/" + String(repeating: "a/", count: 500)),
        ]
        let (method, uri) = random.pick(routes)
        var headers = userHeaders()
        if random.chance(30) { headers[.contentType] = contentType() }
        let body: [UInt8]? = method == .post || random.chance(20)
            ? objectBody(fields: [("user_id", { (generator: inout HostileRequests) -> String in
                let id = generator.random.uuid().uuidString
                return generator.random.pick([id, "not-a-uuid", ""]).jsonString
            })])
            : nil
        return GeneratedRequest(method: method, uri: uri, headers: headers, body: body)
    }

    // MARK: Headers

    private mutating func userHeaders() -> HTTPFields {
        var headers: HTTPFields = [.contentType: contentType()]
        if let authorization = authorization(valid: userToken(random.pick(users))) {
            headers[.authorization] = authorization
        }
        return headers
    }

    /// Mostly the valid token; otherwise missing, malformed, tampered or another scheme.
    private mutating func authorization(valid token: String) -> String? {
        guard !random.chance(85) else { return "Bearer " + token }
        switch Int.random(in: 0..<8, using: &random) {
        case 0: return nil
        case 1: return "Bearer"
        case 2: return "Bearer " + String(token.dropLast(3)) + "abc"
        case 3: return "Basic dXNlcjpwYXNz"
        case 4: return "Bearer " + serviceToken
        case 5: return "Bearer " + String(repeating: "a", count: Int.random(in: 1...10_000, using: &random))
        case 6: return "Bearer " + hostileString(maxLength: 60).replacingOccurrences(of: "\u{0}", with: "")
        default: return "bearer " + token + " extra"
        }
    }

    private mutating func contentType() -> String {
        random.chance(90) ? "application/json" : random.pick(["text/plain", "application/json; charset=latin1", "", "multipart/form-data"])
    }

    private mutating func methodMostly(_ method: HTTPRequest.Method) -> HTTPRequest.Method {
        random.chance(95) ? method : random.pick([.get, .post, .put, .delete, .patch, .head, .options])
    }

    // MARK: Query values

    /// Percent-encoded: plausible, hostile text, or raw escapes that decode to NUL or to bytes that
    /// are not UTF-8.
    private mutating func queryValue(plausible: String) -> String {
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<5: return plausible
        case 5..<8:
            let allowed = CharacterSet.alphanumerics
            return hostileString(maxLength: 250).addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        default:
            return random.pick(["%00", "a%00b", "%FF%FE", "%ED%A0%80", "%C0%80", "%", "%G1", "%E2%82", "+", "%20%20", String(repeating: "x", count: 300)])
        }
    }

    // MARK: Bodies

    /// A JSON object with the route's fields (each plausible or hostile), or a hostile body.
    private mutating func objectBody(fields: [(String, (inout HostileRequests) -> String)]) -> [UInt8] {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<70:
            var members: [[UInt8]] = []
            for (name, plausible) in fields where random.chance(88) {
                let value = random.chance(65) ? Array(plausible(&self).utf8) : hostileValue(depth: 0)
                members.append(Array((name.jsonString + ":").utf8) + value)
            }
            if random.chance(10) { members.append(Array((hostileString(maxLength: 20).jsonString + ":").utf8) + hostileValue(depth: 0)) }
            if random.chance(5), let first = members.first { members.append(first) }
            members.shuffle(using: &random)
            return Array("{".utf8) + Array(members.joined(separator: Array((random.chance(90) ? "," : " , ").utf8))) + Array("}".utf8)
        case 70..<78:
            return hostileValue(depth: 0)
        case 78..<85:
            return randomBytes(count: Int.random(in: 0..<300, using: &random))
        case 85..<88:
            return []
        case 88..<92:
            let whole = Array(("{" + fields.map { $0.0.jsonString + ":\"hello\"" }.joined(separator: ",") + "}").utf8)
            return Array(whole.prefix(Int.random(in: 0..<whole.count, using: &random)))
        case 92..<96:
            // Near and over the 64 KiB body limit, and over the 16,000-character message limit.
            let count = random.pick([15_999, 16_000, 16_001, 40_000, 65_000, 70_000])
            let filler = random.pick(["a", "é", "😀", "\u{0}"])
            let text = String(repeating: filler, count: count / filler.utf8.count)
            return Array(("{" + (fields.first?.0 ?? "text").jsonString + ":" + text.jsonString + "}").utf8)
        default:
            return deepNesting()
        }
    }

    /// Any JSON text, sometimes not valid JSON at all (and then maybe not even UTF-8).
    private mutating func hostileValue(depth: Int) -> [UInt8] {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<35: return Array(hostileString(maxLength: 200).jsonString.utf8)
        case 35..<48: return badStringLiteral()
        case 48..<65:
            return Array(random.pick([
                "0", "-0", "1", "-1", "0.5", "1e308", "-1e308", "1e400", "-1e400", "1e-400", "4.9e-324",
                "123456789012345678901234567890", "9007199254740993", "1.7976931348623157e308", "01", "1.", "-",
                "+1", ".5", "NaN", "Infinity", "-Infinity", "1e", "0x10", "1_000",
            ]).utf8)
        case 65..<75: return Array(random.pick(["true", "false", "null", "tru", "nul", "True", "undefined"]).utf8)
        case 75..<90 where depth < 4:
            let count = Int.random(in: 0..<4, using: &random)
            if random.chance(50) {
                let elements = (0..<count).map { _ in hostileValue(depth: depth + 1) }
                return Array("[".utf8) + Array(elements.joined(separator: Array(",".utf8))) + Array("]".utf8)
            }
            let members = (0..<count).map { _ in Array((hostileString(maxLength: 10).jsonString + ":").utf8) + hostileValue(depth: depth + 1) }
            return Array("{".utf8) + Array(members.joined(separator: Array(",".utf8))) + Array("}".utf8)
        case 90..<95: return deepNesting()
        default: return randomBytes(count: Int.random(in: 1..<20, using: &random))
        }
    }

    /// A JSON string token that no conforming parser should accept as text Postgres can store:
    /// lone or reversed surrogates, escaped NUL, raw control bytes, invalid UTF-8.
    private mutating func badStringLiteral() -> [UInt8] {
        let literal = random.pick([
            #""\ud800""#, #""\udc00x""#, #""\ud800\u0041""#, #""\udbff\udbff""#, #""a\u0000b""#, #""\u0000""#,
            #""\uZZZZ""#, #""\x41""#, #""\u12""#, "\"tab\there\"", "\"nl\nhere\"", "\"\u{1}\"", #""\"#, #""unterminated"#,
            #""\ud83d\ude00""#, #""\/\b\f\n\r\t""#,
        ])
        guard random.chance(40) else { return Array(literal.utf8) }
        // Bytes that are not UTF-8 inside the string: a stray continuation, an overlong NUL, an
        // encoded surrogate, a truncated sequence, bytes that never occur.
        let invalid = random.pick([[0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xFF, 0xFE], [0xF5, 0x80, 0x80, 0x80]] as [[UInt8]])
        return Array("\"ok".utf8) + invalid + Array("\"".utf8)
    }

    private mutating func deepNesting() -> [UInt8] {
        let depth = random.pick([64, 511, 512, 513, 5_000, 30_000])
        let (open, close) = random.chance(50) ? ("[", "]") : (#"{"a":"#, "}")
        let closed = random.chance(70)
        return Array((String(repeating: open, count: depth) + "1" + (closed ? String(repeating: close, count: depth) : "")).utf8)
    }

    // MARK: Text

    /// Text that a person might send, so turns run and rows change between the refused requests.
    private mutating func plausibleText() -> String {
        random.pick([
            "Hello, who are you?", "I feel a bit tired today.", "Tell me about yesterday.", "今日はいい天気ですね",
            "Can you help me plan my week?", "Thanks!", "Why do you say that?",
        ]).jsonString
    }

    /// Pieces that have broken servers before, joined.
    private mutating func hostileString(maxLength: Int) -> String {
        let pieces = [
            "hello", "", " ", "\u{0}", "a \u{0} b", "\u{1}\u{7}\u{1B}[31m", "\t\n\r", "\u{7F}", "\u{85}", "\u{9F}",
            "\u{2028}\u{2029}", "\u{FEFF}", "\u{FFFE}\u{FFFF}", "\u{10FFFF}", "😀", "👩‍👩‍👧", "e\u{301}",
            String(repeating: "\u{301}", count: 300), "שלום", "日本語", "'; DROP TABLE messages; --", "<script>x</script>",
            "%00", "\\u0000", "${jndi:x}", "null", "../../etc/passwd", "\\", "\"", "{}", "   padded   ",
        ]
        var text = ""
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            if random.chance(15) {
                text.unicodeScalars.append(randomScalar())
            } else {
                text += random.pick(pieces)
            }
        }
        if random.chance(5) { text += String(repeating: random.pick(["a", "\u{0}", "ü"]), count: Int.random(in: 100...17_000, using: &random)) }
        return String(text.unicodeScalars.prefix(maxLength + (random.chance(10) ? 20 : 0)))
    }

    private mutating func randomScalar() -> Unicode.Scalar {
        while true {
            let value = random.chance(50) ? UInt32.random(in: 0..<0x100, using: &random) : UInt32.random(in: 0...0x10FFFF, using: &random)
            if let scalar = Unicode.Scalar(value) { return scalar }
        }
    }

    private mutating func randomBytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
}

extension String {
    /// This string as a JSON string token (the engine's serializer escapes what JSON requires).
    var jsonString: String { JSONValue.string(self).serialized() }
}
