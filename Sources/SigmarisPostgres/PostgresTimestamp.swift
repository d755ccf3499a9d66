import Foundation

/// Conversion between `Date` and Postgres's ISO text form of `timestamptz`.
///
/// The parser accepts any UTC offset the server may print (`+00`, `+05:30`, `-08`), so it does not depend
/// on the session's `TimeZone`, which a transaction-mode pooler may not let us set.
public enum PostgresTimestamp {
    /// The date a `timestamptz` column holding `date` (sent as a `.timestamp` parameter) reads back as
    /// in a binary result: Postgres keeps whole microseconds. A copy of a written row kept in memory
    /// uses it so that it equals the row read again.
    public static func stored(_ date: Date) -> Date {
        let unixMicros = Int64(unixMicroseconds(date))
        return PostgresBinary.date(microsecondsSincePostgresEpoch: unixMicros - postgresEpochUnixSeconds * 1_000_000)
    }

    /// 2000-01-01 00:00 UTC, Postgres's epoch, in seconds since 1970.
    static let postgresEpochUnixSeconds: Int64 = 946_684_800

    /// The whole microseconds `format` writes (and the server therefore stores) for `date`.
    private static func unixMicroseconds(_ date: Date) -> Double {
        (date.timeIntervalSince1970 * 1_000_000).rounded()
    }

    static func format(_ date: Date) -> String {
        // Microsecond precision, always UTC, e.g. 2026-11-25 05:05:10.123456+00.
        let micros = unixMicroseconds(date)
        let seconds = (micros / 1_000_000).rounded(.down)
        let fraction = Int(micros - seconds * 1_000_000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        func pad(_ v: Int?, _ width: Int) -> String {
            let s = String(v ?? 0)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2)) \(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(fraction, 6))+00"
    }

    static func parse(_ text: String) -> Date? {
        // yyyy-mm-dd hh:mm:ss[.ffffff](+|-)hh[:mm[:ss]]
        let scalars = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int? {
            guard index + count <= scalars.count else { return nil }
            var value = 0
            for i in index..<(index + count) {
                let c = scalars[i]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            index += count
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard index < scalars.count, scalars[index] == c else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              expect(32) || expect(84), let hour = number(2), expect(58), let minute = number(2), expect(58),
              let second = number(2)
        else { return nil }
        var fraction = 0.0
        if expect(46) {
            var scale = 0.1
            while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
                fraction += Double(scalars[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds = 0
        if index < scalars.count {
            let sign: Int
            if expect(43) { sign = 1 } else if expect(45) { sign = -1 } else if expect(90) { sign = 0 } else { return nil }
            if sign != 0 {
                guard let oh = number(2) else { return nil }
                var om = 0, os = 0
                if expect(58) { guard let m = number(2) else { return nil }; om = m }
                if expect(58) { guard let s = number(2) else { return nil }; os = s }
                offsetSeconds = sign * (oh * 3600 + om * 60 + os)
            }
        }
        guard index == scalars.count else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let base = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        else { return nil }
        return base.addingTimeInterval(fraction - Double(offsetSeconds))
    }
}
