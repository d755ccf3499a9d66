/// A `timestamptz` column rendered in SQL as ISO 8601 in UTC with microseconds, the form the
/// reference's Supabase REST API writes and JavaScript's `Date` parses. Exact to the microsecond, so
/// the text can be sent back to match the row (`DELETE /api/message` with `createdAt`).
enum ISOTimestampSQL {
    /// `column` is a constant of the calling statement, never input.
    static func of(_ column: String) -> String {
        #"to_char(\#(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#
    }
}
