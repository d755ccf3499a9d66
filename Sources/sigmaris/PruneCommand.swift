import ArgumentParser
import SigmarisApp
import SigmarisStore

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete audit rows (turn records, trace events, value/trait snapshots, safety assessments) older than --older-than days.",
        discussion: """
            Rows go in short transactions of about --batch-rows rows each, with --pause-ms between \
            them, so turns running meanwhile are not held up. Conversations (messages, state \
            snapshots) and episodes (the persona's memory) stay unless --include-conversations is given.
            """
    )

    @OptionGroup var options: EnvironmentOptions

    @Option(name: .customLong("older-than"), help: "Delete rows written more than this many days ago.")
    var olderThanDays: Int
    @Flag(name: .customLong("include-conversations"), help: "Also delete messages, sigmaris_state_snapshots and sigmaris_episodes.")
    var includeConversations = false
    @Flag(name: .customLong("dry-run"), help: "Print how many rows would go, delete nothing.")
    var dryRun = false
    @Option(name: .customLong("batch-rows"), help: "About how many rows one transaction deletes.")
    var batchRows = 5000
    @Option(name: .customLong("pause-ms"), help: "Milliseconds to wait after each batch.")
    var pauseMilliseconds = 50
    @Option(name: .customLong("statement-timeout"),
            help: "Seconds one statement of the run may take (its own limit, not DATABASE_STATEMENT_TIMEOUT).")
    var statementTimeoutSeconds = 300

    func validate() throws {
        guard olderThanDays >= 0 else { throw ValidationError("--older-than must be 0 or more days") }
        guard batchRows > 0 else { throw ValidationError("--batch-rows must be positive") }
        guard pauseMilliseconds >= 0 else { throw ValidationError("--pause-ms must not be negative") }
        guard (1...86_400).contains(statementTimeoutSeconds) else {
            throw ValidationError("--statement-timeout must be from 1 to 86400 seconds")
        }
    }

    func run() async throws {
        let configuration = try options.loadConfiguration()
        _ = try EnvironmentOptions.exitingOnConfigurationError { try configuration.requireDatabaseURL() }
        let logger = options.logger(configuration)
        var request = PruneRequest(olderThanDays: olderThanDays)
        request.includeConversations = includeConversations
        request.dryRun = dryRun
        request.batchRows = batchRows
        request.pause = .milliseconds(pauseMilliseconds)
        let verb = dryRun ? "would delete" : "deleted"
        let report = try await pruneAuditRows(
            configuration: configuration, logger: logger, request: request, statementTimeoutSeconds: statementTimeoutSeconds
        ) { table in
            let batches = dryRun ? "" : " in \(table.batches) batch\(table.batches == 1 ? "" : "es")"
            print("\(table.table): \(verb) \(table.rows) row\(table.rows == 1 ? "" : "s")\(batches)")
        }
        print("total: \(verb) \(report.reduce(0) { $0 + $1.rows }) rows older than \(olderThanDays) days"
              + (includeConversations ? "" : " (conversations and episodes kept; --include-conversations to delete them)"))
    }
}
