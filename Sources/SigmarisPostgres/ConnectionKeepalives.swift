/// TCP settings every connection asks libpq for, so a connection whose peer vanished (a partition, a
/// host that died without closing its sockets) is noticed and closed by the kernel instead of
/// blocking a pool thread until the system defaults (two hours of idle before the first keepalive)
/// give up.
///
/// - keepalives: an idle connection (in the pool, or waiting for a long statement) is probed after
///   `idle` seconds, then every `interval` seconds, and declared dead after `count` unanswered probes:
///   within 15 + 3 × 5 = 30 s.
/// - `tcp_user_timeout`: data sent (a statement, a COMMIT) that stays unacknowledged this long
///   closes the connection, where otherwise retransmissions go on for about fifteen minutes.
///
/// They are libpq connection parameters placed before the user's connection string, so
/// `DATABASE_URL` may set its own (`?keepalives_idle=60`). libpq ignores them on Unix sockets.
enum ConnectionKeepalives {
    static let idleSeconds = 15
    static let intervalSeconds = 5
    static let count = 3
    static let tcpUserTimeoutMilliseconds = 30_000

    static var libpqOptions: [(String, String)] {
        [
            ("keepalives", "1"),
            ("keepalives_idle", String(idleSeconds)),
            ("keepalives_interval", String(intervalSeconds)),
            ("keepalives_count", String(count)),
            ("tcp_user_timeout", String(tcpUserTimeoutMilliseconds)),
        ]
    }
}
