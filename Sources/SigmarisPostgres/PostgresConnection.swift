import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection. Every method blocks, so it is only ever used on a pool thread, by one thread
/// at a time (the pool hands it out to exactly one lease holder). The `PGconn` is freed in `deinit` only.
public final class PostgresConnection {
    let handle: OpaquePointer
    /// Statements handed to libpq for sending since the pool handed this connection out. While it is
    /// 0 nothing of the lease's work can have run, so a broken connection may be replaced and the work
    /// run again (`PostgresClient.Replay`). A statement counts from the moment it is handed over: once
    /// its bytes may have left, whether it ran is unknown.
    var statementsSent = 0
    /// This lease's bound on each statement (the pool sets it from the configuration; migrations lift it).
    var statementTimeout: Duration?
    /// Set when this lease's task is cancelled (`PostgresClient.withConnection`).
    var cancelSignal: CancelSignal?
    /// COMMIT and the cleanup ROLLBACK run to their end even for a cancelled task.
    var honoursCancellation = true
    /// A cancel request went out during this lease: the connection is closed afterwards, since a
    /// request still on its way could cancel the next lease's statement.
    var sentCancelRequest = false
    /// Closed by the client (a statement it gave up on, a server that ended the session while idle),
    /// even if libpq has not noticed yet.
    var isAbandoned = false
    let cancelSender: CancelSender?
    /// Nil when this connection runs every statement unnamed (`PreparedStatementMode`, or a pooler found
    /// in front of it).
    private(set) var prepared: PreparedStatements?

    /// Opens a connection (blocking, bounded by `connect_timeout`).
    init(configuration: PostgresConfiguration, cancelSender: CancelSender? = nil) throws(PostgresError) {
        // Keepalives first: the user's string (expanded from `dbname`) comes after them and may set
        // its own. Then connect_timeout and the client encoding, which are ours whatever it says.
        let options = ConnectionKeepalives.libpqOptions + [
            ("dbname", configuration.connectionString),
            ("connect_timeout", String(configuration.connectTimeoutSeconds)),
            ("application_name", configuration.applicationName),
            ("client_encoding", "UTF8"),
        ]
        let conn: OpaquePointer? = withCStringArray(options.map(\.0)) { k in
            withCStringArray(options.map(\.1)) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let conn else { throw PostgresError(.connectionFailed, detail: "libpq could not allocate a connection") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.firstLine(PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(.connectionFailed, serverMessage: message)
        }
        // libpq prints server notices ("relation … already exists, skipping") to stderr by default;
        // they are expected during idempotent migrations and carry nothing the service acts on.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        self.handle = conn
        self.cancelSender = cancelSender
        self.statementTimeout = configuration.statementTimeout
        let port = PQport(conn).map { String(cString: $0) }
        self.prepared = configuration.preparedStatements.prepares(onPort: port) ? PreparedStatements() : nil
    }

    deinit {
        PQfinish(handle)
    }

    /// Called by the pool on the lease's thread before the work runs.
    func beginLease(statementTimeout: Duration?, cancelSignal: CancelSignal) {
        statementsSent = 0
        self.statementTimeout = statementTimeout
        self.cancelSignal = cancelSignal
        honoursCancellation = true
        sentCancelRequest = false
    }

    /// False once the socket is known to be dead, or the client closed it.
    public var isHealthy: Bool { !isAbandoned && PQstatus(handle) == CONNECTION_OK }

    /// Fit for the next lease: alive, outside any transaction, and with no cancel request of ours
    /// that could still arrive.
    var isClean: Bool { isHealthy && PQtransactionStatus(handle) == PQTRANS_IDLE && !sentCancelRequest }

    /// The value libpq uses for a connection parameter (`keepalives_idle`, …), nil when unset.
    func option(_ keyword: String) -> String? {
        guard let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var index = 0
        while let name = options[index].keyword {
            if String(cString: name) == keyword { return options[index].val.map { String(cString: $0) } }
            index += 1
        }
        return nil
    }

    /// True while a transaction block is open (including a failed one).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// True inside a transaction block that an error has aborted (only ROLLBACK is accepted).
    public var isInFailedTransaction: Bool { PQtransactionStatus(handle) == PQTRANS_INERROR }

    /// Runs one parameterized statement (`$1`, `$2`, … in `sql`), its result cells in `resultFormat`.
    ///
    /// The statement is prepared on this connection the first time it runs here (unless prepared
    /// statements are off), and executed by name from then on.
    @discardableResult
    public func query(
        _ sql: String, _ parameters: [PostgresValue] = [], resultFormat: PostgresFormat = .text
    ) throws(PostgresError) -> PostgresRows {
        let types = parameters.map(\.typeOID)
        let formats = parameters.map { Int32($0.isBinary ? 1 : 0) }
        let payloads = parameters.map(\.wireBytes)
        let lengths = payloads.map { Int32($0?.count ?? 0) }
        let key = PreparedStatements.Key(sql: sql, parameterTypes: types)
        if let name = try preparedName(for: key) {
            do {
                return try run { handle in
                    withParameterPointers(payloads) { valuePointers in
                        PQsendQueryPrepared(handle, name, Int32(parameters.count), valuePointers, lengths, formats, resultFormat.rawValue)
                    }
                }
            } catch where error.sqlState == "26000" {
                // The statement is gone although this connection prepared it: a transaction pooler
                // moved us to another server connection. Run unnamed from now on; outside a
                // transaction nothing ran, so the statement may go again right away.
                prepared = nil
                guard !isInTransaction else { throw error }
            } catch where error.sqlState == "0A000" {
                // "cached plan must not change result type": a migration changed a table under it.
                prepared?.forget(key)
                throw error
            }
        }
        return try run { handle in
            withParameterPointers(payloads) { valuePointers in
                PQsendQueryParams(handle, sql, Int32(parameters.count), types, valuePointers, lengths, formats, resultFormat.rawValue)
            }
        }
    }

    /// The name `key` runs under on this connection, preparing it first if needed; nil to run unnamed.
    private func preparedName(for key: PreparedStatements.Key) throws(PostgresError) -> String? {
        guard var statements = prepared else { return nil }
        if let name = statements.name(for: key) { return name }
        guard let name = statements.newName() else { return nil }
        // Preparing runs nothing, so it does not count as a statement sent (`statementsSent`).
        _ = try run(executes: false) { handle in
            PQsendPrepare(handle, name, key.sql, Int32(key.parameterTypes.count), key.parameterTypes)
        }
        statements.record(name, for: key)
        prepared = statements
        return name
    }

    /// Runs a script of several statements with the simple query protocol. Only for trusted SQL
    /// (migration files shipped with the service); it takes no parameters.
    public func execute(script sql: String) throws(PostgresError) {
        _ = try run { handle in PQsendQuery(handle, sql) }
    }

    /// `BEGIN`, with this lease's statement timeout set for the transaction (`TransactionStart`).
    func begin(lockTimeout: TransactionStart.Limit = .serverDefault, settings: [TransactionSetting] = []) throws(PostgresError) {
        try execute(script: TransactionStart.sql(
            statementTimeout: statementTimeout.map(TransactionStart.Limit.after) ?? .serverDefault, lockTimeout: lockTimeout,
            settings: settings))
    }

    /// Runs `body` with task cancellation ignored: for COMMIT, whose outcome must be read to the end,
    /// and for the ROLLBACK that cleans up after a cancelled task. The statement timeout still holds.
    func ignoringCancellation<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        let previous = honoursCancellation
        honoursCancellation = false
        defer { honoursCancellation = previous }
        return try body()
    }

    func consume(_ result: OpaquePointer?) throws(PostgresError) -> PostgresRows {
        guard let result else { throw connectionError() }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(columns: [], columnTypes: [], columnFormats: [], cells: [], affectedRows: Self.affected(result))
        case PGRES_TUPLES_OK:
            return Self.copyRows(result)
        default:
            guard let sqlState = Self.field(result, sigmaris_pg_diag_sqlstate) else {
                // No SQLSTATE: libpq itself failed, which means the connection went away.
                throw connectionError()
            }
            throw PostgresError(
                .queryFailed, sqlState: sqlState,
                serverMessage: Self.field(result, sigmaris_pg_diag_message_primary),
                constraint: Self.field(result, sigmaris_pg_diag_constraint_name),
                table: Self.field(result, sigmaris_pg_diag_table_name),
                column: Self.field(result, sigmaris_pg_diag_column_name)
            )
        }
    }

    func connectionError() -> PostgresError {
        PostgresError(isHealthy ? .queryFailed : .connectionLost, serverMessage: Self.firstLine(PQerrorMessage(handle)))
    }

    private static func copyRows(_ result: OpaquePointer) -> PostgresRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns = [String]()
        var types = [UInt32]()
        var formats = [PostgresFormat]()
        columns.reserveCapacity(columnCount)
        for c in 0..<Int32(columnCount) {
            columns.append(String(cString: PQfname(result, c)))
            types.append(PQftype(result, c))
            formats.append(PQfformat(result, c) == 1 ? .binary : .text)
        }
        var cells = [[UInt8]?]()
        cells.reserveCapacity(rowCount * columnCount)
        for r in 0..<Int32(rowCount) {
            for c in 0..<Int32(columnCount) {
                if PQgetisnull(result, r, c) == 1 {
                    cells.append(nil)
                } else {
                    let length = Int(PQgetlength(result, r, c))
                    let pointer = UnsafeRawPointer(PQgetvalue(result, r, c)!)
                    cells.append(Array(UnsafeRawBufferPointer(start: pointer, count: length)))
                }
            }
        }
        return PostgresRows(columns: columns, columnTypes: types, columnFormats: formats, cells: cells, affectedRows: affected(result))
    }

    private static func affected(_ result: OpaquePointer) -> Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    private static func field(_ result: OpaquePointer, _ code: Int) -> String? {
        PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
    }

    static func firstLine(_ message: UnsafePointer<CChar>?) -> String? {
        guard let message else { return nil }
        return String(cString: message).split(whereSeparator: \.isNewline).first.map(String.init)
    }
}

/// Gives libpq a `const char * const *` view of Swift strings for the duration of `body`.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    var pointers = duplicates.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Pins each parameter's bytes (or NULL) while libpq reads them.
private func withParameterPointers<R>(
    _ payloads: [[UInt8]?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R
) -> R {
    guard !payloads.isEmpty else { return body(nil) }
    var buffers = [UnsafeMutablePointer<CChar>?]()
    buffers.reserveCapacity(payloads.count)
    defer { buffers.forEach { $0?.deallocate() } }
    for payload in payloads {
        guard let payload else {
            buffers.append(nil)
            continue
        }
        // libpq reads text-format values as NUL-terminated strings (it ignores their lengths), so every
        // buffer gets a terminator; binary values are read by length and ignore it.
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: payload.count + 1)
        payload.withUnsafeBytes { source in
            if let base = source.baseAddress { UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: source.count) }
        }
        buffer[payload.count] = 0
        buffers.append(buffer)
    }
    let pointers = buffers.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
