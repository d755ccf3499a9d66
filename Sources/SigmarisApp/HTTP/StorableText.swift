/// The one rule for client text that ends up in a Postgres `text` or `jsonb` column (message text,
/// session ids, user ids, anything copied into a turn's `meta`). The request parsers call it, so a
/// refused request is a 400 before anything runs or is written.
///
/// What is refused, and why:
/// - **U+0000 (NUL) everywhere.** Postgres cannot store it: `text` refuses the byte and `jsonb`
///   refuses the `\u0000` escape (SQLSTATE 22P05), which would otherwise surface as a 500 after the
///   engine (and maybe a paid model call) already ran. libpq would also cut a text parameter at it.
/// - **Other control characters (U+0001–U+001F, U+007F–U+009F) in identifiers only.** A session or
///   user id is echoed in URLs, headers and logs, where a control character is never meant; message
///   text keeps tabs, newlines and the rest, which Postgres stores and JSON escapes faithfully.
///
/// Nothing else needs refusing here: the JSON parser already refuses lone surrogates (`"\ud800"`),
/// bytes that are not UTF-8 and raw control bytes inside strings, and a Swift `String` can hold
/// neither a surrogate nor invalid UTF-8, so every other Unicode scalar is storable as is.
enum StorableText {
    /// Free text (a chat message): anything but NUL.
    static func checkText(_ text: String, field: String) throws(APIError) {
        if text.unicodeScalars.contains("\u{0}") {
            throw APIError.badRequest("\(field) must not contain the NUL character (U+0000)", reason: "invalid_characters")
        }
    }

    /// An identifier (session id, user id): no control characters at all.
    static func checkIdentifier(_ identifier: String, field: String) throws(APIError) {
        if identifier.unicodeScalars.contains(where: isControl) {
            throw APIError.badRequest("\(field) must not contain control characters", reason: "invalid_characters")
        }
    }

    /// Unicode's general category Cc: C0 controls, DEL and C1 controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
