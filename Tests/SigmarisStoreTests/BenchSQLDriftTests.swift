import Foundation
import Testing
@testable import SigmarisStore

/// `scripts/bench/turn.pgbench` measures Postgres running the SQL of one turn; it is only a fair
/// baseline while it sends the store's statements. It must hold each of them as the store has it,
/// with a pgbench expression in place of every `$n`, in the order a turn sends them, and nothing else.
@Suite("The benchmark's pgbench script sends the store's SQL")
struct BenchSQLDriftTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/bench/turn.pgbench")

    /// What the bench sends for each parameter of `PersonaStateStore.commitTurnSQL` (the p_* values
    /// are those of a real turn; nullable ones arrive as '' and become null).
    static let commitParameterValues: [TurnCommitRow.Parameter: String] = [
        .traceID: ":tid", .userID: ":uid", .sessionID: ":sid",
        .valueState: ":p_value_state", .traitState: ":p_trait_state", .globalState: ":p_global_state",
        .turnCount: ":ntc", .previousTurnCount: ":tc", .controlVersion: ":cv",
        .episodeID: ":eid", .episodeTimestamp: "now()", .episodeSummary: ":p_ep_summary",
        .episodeEmotionHint: ":p_ep_emotion_hint", .episodeTraitsHint: ":p_ep_traits_hint",
        .episodeRawContext: ":p_ep_raw_context", .episodeEmbedding: ":p_ep_embedding", .episodeMeta: ":p_ep_meta",
        .turnRows: ":p_turn_rows", .turnGlobalState: ":p_turn_global_state",
        .auditMetaKey: ":p_audit_meta_key", .auditMeta: ":p_audit_meta", .safetyMeta: ":p_safety_meta", .events: ":p_events",
        .valueSnapshotState: "nullif(:p_vs_state, '')::jsonb", .valueSnapshotDelta: "nullif(:p_vs_delta, '')::jsonb",
        .traitSnapshotState: "nullif(:p_ts_state, '')::jsonb", .traitSnapshotDelta: "nullif(:p_ts_delta, '')::jsonb",
        .safetyFlag: "nullif(:p_safety_flag, '')", .riskScore: ":p_risk_score",
        .safetyCategories: "nullif(:p_categories, '')::jsonb", .safetyReasons: "nullif(:p_reasons, '')::jsonb",
        .webhooksEnabled: "false",
    ]

    /// `commitParameterValues` in binding order.
    static var commitParameters: [String] {
        TurnCommitRow.Parameter.allCases.map { commitParameterValues[$0] ?? "<no bench value for \($0)>" }
    }

    /// The same for `ChatStore.insertExchangeSQL`.
    static let exchangeParameters = [
        ":uid", ":sid", ":p_user_text", ":p_reply", ":tid", "nullif(:p_snap_global_state, '')",
        "nullif(:p_snap_overload, '')::double precision", "nullif(:p_snap_reflective, '')::double precision",
        "nullif(:p_snap_pointers, '')::integer", "nullif(:p_snap_safety_flag, '')",
        "nullif(:p_snap_risk, '')::double precision", ":p_snap_value_state", ":p_snap_trait_state", ":p_snap_meta",
    ]

    @Test func theScriptSendsTheStoresStatementsInATurnsOrder() throws {
        let commands = Self.sqlCommands(try String(contentsOf: Self.script, encoding: .utf8))
        let expected = [
            "SELECT * FROM public.bench_turn_template",  // each client's one-time load of the values
            nil,  // the state read, wrapped: checked below
            Self.bench(PersonaStateStore.loadEpisodesSQL, [":uid", "50"]),
            "BEGIN",
            Self.bench(PersonaStateStore.commitTurnSQL, Self.commitParameters),
            Self.bench(UserScope.enterSQL, [":claims"]),
            Self.bench(ChatStore.insertExchangeSQL, Self.exchangeParameters),
            "COMMIT",
        ]
        try #require(commands.count == expected.count, "the script's SQL commands: \(commands)")
        for (index, (command, statement)) in zip(commands, expected).enumerated() {
            guard let statement else { continue }
            #expect(command == statement, "SQL command \(index + 1) of the script differs from the store's")
        }
        // The state read joins the store's statement to the ids the service makes itself.
        let stateRead = Self.bench(PersonaStateStore.loadStateSQL, ["ids.uid"])
        #expect(commands[1].contains("( " + stateRead + " )"), "the script's state read no longer holds the store's")
    }

    @Test func everyParameterOfTheStoresStatementsHasABenchValue() {
        #expect(Self.parameterCount(PersonaStateStore.commitTurnSQL) == TurnCommitRow.Parameter.allCases.count)
        #expect(Self.commitParameterValues.count == TurnCommitRow.Parameter.allCases.count)
        #expect(Self.parameterCount(ChatStore.insertExchangeSQL) == Self.exchangeParameters.count)
        #expect(Self.parameterCount(PersonaStateStore.loadStateSQL) == 1)
        #expect(Self.parameterCount(PersonaStateStore.loadEpisodesSQL) == 2)
        #expect(Self.parameterCount(UserScope.enterSQL) == 1)
    }

    /// `sql` with `$n` replaced by `values[n - 1]`, normalised like the script's commands.
    static func bench(_ sql: String, _ values: [String]) -> String {
        let pattern = try! Regex(#"\$([0-9]+)"#)
        let substituted = sql.replacing(pattern) { match in
            let number = Int(match.output[1].substring!)!
            return number <= values.count ? values[number - 1] : "<no bench value for $\(number)>"
        }
        return normalized(substituted)
    }

    static func parameterCount(_ sql: String) -> Int {
        let numbers = sql.matches(of: try! Regex(#"\$([0-9]+)"#)).map { Int($0.output[1].substring!)! }
        return numbers.max() ?? 0
    }

    /// The script's SQL commands, normalised: a command ends at a line ending in `;` or at a
    /// `\gset`; other meta-command lines (`\set`, `\if` ...) and comments are not SQL.
    static func sqlCommands(_ script: String) -> [String] {
        var commands: [String] = []
        var current: [String] = []
        func finish() {
            let command = normalized(current.joined(separator: "\n"))
            if !command.isEmpty { commands.append(command) }
            current = []
        }
        for rawLine in script.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(rawLine).trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("\\") { continue }
            if line.hasSuffix("\\gset") {
                current.append(String(line.dropLast("\\gset".count)))
                finish()
                continue
            }
            line = withoutComment(line)
            current.append(line)
            if line.trimmingCharacters(in: .whitespaces).hasSuffix(";") { finish() }
        }
        finish()
        return commands
    }

    /// Comments dropped, whitespace runs collapsed to one space, no trailing `;`.
    static func normalized(_ sql: String) -> String {
        let words = sql.split(separator: "\n").map { withoutComment(String($0)) }.joined(separator: " ")
            .split(whereSeparator: \.isWhitespace)
        var text = words.joined(separator: " ")
        while text.hasSuffix(";") { text.removeLast() }
        return text
    }

    /// The line without a trailing `-- comment` (none of these statements has `--` in a string).
    static func withoutComment(_ line: String) -> String {
        guard let range = line.range(of: "--") else { return line }
        return String(line[..<range.lowerBound])
    }
}
