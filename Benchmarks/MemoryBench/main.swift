import Foundation
import Logging
import SigmarisEngine
import SigmarisPostgres
import SigmarisStore

// `make bench-memory`'s driver (scripts/bench-memory.sh runs it once per Postgres and embedder):
// issue #23's long-term memory figures on one database. For each history size it seeds one user in
// SQL (generate_series over a table of chatter texts), plants facts older than the recent window,
// then asks one question per fact as a real turn (store read, engine, commit) in archive and in
// window mode, and prints recall@5 of the planted episode, turn p50/p99, the archive search's own
// time and the state + window read (uncached), beside issue #23's targets. Figures, not assertions.
//
// Environment: BENCH_DATABASE_URL (required), BENCH_MIGRATIONS_DIR (sql/), BENCH_DIMENSION (256: the
// local embedder; 1536: stub embeddings, the same feature hashing into 1,536 numbers),
// BENCH_SIZES (50,1000,10000,100000), BENCH_FACTS (100), BENCH_ROUNDS (4: timed turns per question and
// mode, after one untimed round), BENCH_LABEL.

let environment = ProcessInfo.processInfo.environment
func setting(_ name: String, _ fallback: String) -> String { environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback }
guard let databaseURL = environment["BENCH_DATABASE_URL"] else {
    FileHandle.standardError.write(Data("BENCH_DATABASE_URL is not set\n".utf8))
    exit(2)
}
let dimension = Int(setting("BENCH_DIMENSION", "256")) ?? 256
let sizes = setting("BENCH_SIZES", "50,1000,10000,100000").split(separator: ",").compactMap { Int($0) }
let factCount = Int(setting("BENCH_FACTS", "100")) ?? 100
let label = setting("BENCH_LABEL", "")
/// Each question is asked this many times per mode, timed, after one untimed warm-up round: a p99 of
/// one round (25 to 100 turns) is its slowest turn or nearly, and the first turns of a size also meet
/// cold caches.
let rounds = max(1, Int(setting("BENCH_ROUNDS", "4")) ?? 4)
let window = PersonaConstants.Turn.recentEpisodeLimit
var logger = Logger(label: "sigmaris.bench-memory")
logger.logLevel = .warning

let provider = LocalProvider(dimension: dimension)
let engine = PersonaEngine(provider: provider, anchors: SafetyAnchorCache())
let client = PostgresClient(
    // No statement timeout: the 100,000-episode seed is one statement of a minute or two.
    configuration: PostgresConfiguration(
        connectionString: databaseURL, poolSize: 4, leaseTimeout: .seconds(120), statementTimeout: nil), logger: logger)
_ = try await MigrationRunner(client: client, logger: logger)
    .migrate(try Migration.load(from: URL(fileURLWithPath: setting("BENCH_MIGRATIONS_DIR", "sql"))))
let store = SigmarisStore(database: client, recallWindows: RecallWindowCache(budgetBytes: 200_000_000), logger: logger)
let uncached = SigmarisStore(database: client, logger: logger)
let path = try await store.archiveSearchPath()

// MARK: The texts

let relations = ["sister", "brother", "cousin", "neighbour", "colleague", "uncle", "aunt", "friend", "teacher", "grandmother"]
let names = ["Hanako", "Rexford", "Ottilie", "Bartholomew", "Sakura", "Leopold", "Marisol", "Thaddeus", "Ingrid", "Kenjiro",
             "Philippa", "Anselm", "Giedre", "Oluwaseun", "Wilhelmina", "Casimir", "Yevgenia", "Fitzgerald", "Rosalind", "Tobiah"]
let cities = ["Sapporo", "Valparaiso", "Tromso", "Marrakesh", "Ljubljana", "Cartagena", "Hobart", "Winnipeg", "Tbilisi", "Kanazawa",
              "Salzburg", "Arequipa", "Bergen", "Da Nang", "Galway", "Asheville", "Mendoza", "Aarhus", "Kyoto", "Zanzibar"]
let hobbies = ["beekeeping", "bouldering", "origami", "birdwatching", "pottery", "fencing", "calligraphy", "sailing", "chess",
               "woodcarving", "astronomy", "falconry", "glassblowing", "kayaking", "bonsai", "archery", "knitting", "rowing",
               "taxidermy", "orienteering"]
/// Fact i and its question: they share the relation, the name and "live", not the answer.
func fact(_ i: Int) -> (fact: String, question: String) {
    let relation = relations[i % relations.count]
    let name = names[(i / relations.count + i) % names.count]
    let city = cities[(i * 7) % cities.count]
    let hobby = hobbies[(i * 3 + i / 20) % hobbies.count]
    return ("My \(relation) \(name) lives in \(city) and spends every weekend on \(hobby).",
            "Where does my \(relation) \(name) live, and what does \(name) do at weekends?")
}
let weathers = ["grey", "sunny", "windy", "rainy", "foggy", "humid", "cold", "bright"]
let errands = ["the post office", "the bakery", "the pharmacy", "the hardware shop", "the library", "the bank", "the market"]
func chatter(_ k: Int) -> String {
    "Today the weather was \(weathers[k % weathers.count]) and errand \(k) at \(errands[(k / 8) % errands.count]) took a while."
}

// MARK: Seeding

/// 400 chatter texts with their embeddings, which generate_series repeats (fast: the 100,000 seed
/// is one INSERT ... SELECT).
let chatterTexts = 400
try await client.query("DROP TABLE IF EXISTS bench_chatter")
try await client.query("CREATE UNLOGGED TABLE bench_chatter (k int PRIMARY KEY, summary text NOT NULL, embedding bytea NOT NULL)")
for k in 0..<chatterTexts {
    let text = chatter(k)
    try await client.query(
        "INSERT INTO bench_chatter (k, summary, embedding) VALUES ($1, $2, $3)",
        [.int(k), .text(text), .bytea(EmbeddingBytes.encode(LocalEmbedder.embed(text, dimension: dimension)))])
}

func userID(_ size: Int) -> String { "bench-memory-\(dimension)-\(size)" }

/// Position 0 is the newest episode, one minute apart; facts at `factPositions`.
func seed(size: Int, facts: Int) async throws -> [Int: String] {
    let user = userID(size)
    try await client.query("DELETE FROM public.sigmaris_episodes WHERE user_id = $1", [.text(user)])
    try await client.query("DELETE FROM public.sigmaris_persona_state WHERE user_id = $1", [.text(user)])
    // Each row's text is its chatter text with its number; its embedding is the chatter text's with one component (g mod the dimension) set to a
    // small value of its own (|v| <= 0.05, float32 little-endian): no two rows share a vector, as in
    // a real history (an HNSW graph over hundreds of copies of one vector is degenerate).
    try await client.query(
        """
        INSERT INTO public.sigmaris_episodes (episode_id, user_id, "timestamp", summary, raw_context, embedding, created_at)
        SELECT $1 || '-' || g, $1, now() - g * interval '1 minute', c.summary || ' (' || g || ')', c.summary || ' (' || g || ')',
               overlay(c.embedding PLACING
                   set_byte(set_byte(set_byte(set_byte('\\x00000000'::bytea,
                       0, get_byte(p.b, 3)), 1, get_byte(p.b, 2)), 2, get_byte(p.b, 1)), 3, get_byte(p.b, 0))
                   FROM (g % $3)::int * 4 + 1 FOR 4),
               now() - g * interval '1 minute'
        FROM generate_series(0, $2 - 1) AS g
        JOIN bench_chatter c ON c.k = g % \(chatterTexts)
        CROSS JOIN LATERAL (SELECT float4send(((((g * 7919) % 2001) - 1000) / 20000.0)::real) AS b) AS p
        """, [.text(user), .int(size), .int(dimension)])
    // Facts older than the window (all of it at 50, where there is no older episode), spread evenly.
    var planted: [Int: String] = [:]
    let older = size > window ? size - window : size
    for i in 0..<facts {
        let position = (size > window ? window : 0) + i * older / facts
        let id = "\(user)-\(position)"
        let text = fact(i).fact
        try await client.query(
            "UPDATE public.sigmaris_episodes SET summary = $2, raw_context = $2, embedding = $3 WHERE episode_id = $1",
            [.text(id), .text(text), .bytea(EmbeddingBytes.encode(LocalEmbedder.embed(text, dimension: dimension)))])
        planted[i] = id
    }
    try await client.query(
        "INSERT INTO public.sigmaris_persona_state (user_id, turn_count) VALUES ($1, 1) ON CONFLICT (user_id) DO NOTHING", [.text(user)])
    // VACUUM as well as ANALYZE: otherwise autovacuum comes for the seed while the turns are timed.
    try await client.withConnection { try $0.execute(script: "VACUUM (ANALYZE) public.sigmaris_episodes") }
    return planted
}

// MARK: Measuring

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
}
func pointerIDs(_ result: TurnResult) -> [String] {
    (result.turnRows.last?.meta["memory_pointers"]?.arrayValue ?? []).compactMap {
        if case .string(let id)? = $0["episode_id"] { return id }
        return nil
    }
}

struct Row {
    var size = 0, facts = 0
    var recallArchive = 0.0, recallWindow = 0.0
    var turnP50 = 0.0, turnP99 = 0.0, windowTurnP50 = 0.0, windowTurnP99 = 0.0
    var searchP50 = 0.0, searchP99 = 0.0, readP50 = 0.0, readP99 = 0.0
}

let clock = ContinuousClock()
var rows: [Row] = []
for size in sizes {
    let facts = min(factCount, max(1, size / 2))
    let started = clock.now
    let planted = try await seed(size: size, facts: facts)
    let user = userID(size)
    FileHandle.standardError.write(Data("bench-memory: seeded \(size) episodes (\(facts) facts) in \(String(format: "%.1f", milliseconds(clock.now - started) / 1000)) s\n".utf8))
    var row = Row(size: size, facts: facts)

    // The archive search alone and the uncached state + window read, each once per question after a
    // warm-up. The search is timed over the whole history (nothing left out), so that it does the
    // same job at every size (its best 20): at 50 episodes a turn's search leaves out all of them
    // (they are the recall window) and returns nothing, which would time an empty answer.
    var searches: [Double] = [], reads: [Double] = []
    for pass in 0..<2 {
        for i in 0..<facts {
            let question = fact(i).question
            let vector = LocalEmbedder.embed(question, dimension: dimension)
            let t0 = clock.now
            _ = try await store.searchMemories(userID: user, text: question, embedding: vector, limit: 20)
            let t1 = clock.now
            _ = try await uncached.loadMemory(userID: user)
            let t2 = clock.now
            if pass == 1 { searches.append(milliseconds(t1 - t0)); reads.append(milliseconds(t2 - t1)) }
        }
    }
    row.searchP50 = percentile(searches, 0.5); row.searchP99 = percentile(searches, 0.99)
    row.readP50 = percentile(reads, 0.5); row.readP99 = percentile(reads, 0.99)

    // Real turns: window mode first, then archive mode (each question `rounds` times per mode, after
    // an untimed round).
    for archive in [false, true] {
        var hits = 0
        var times: [Double] = []
        for round in 0...rounds {
            for i in 0..<facts {
                let t0 = clock.now
                let memory = try await store.loadMemory(userID: user)
                let source = archive ? ArchiveRecall(source: ArchiveSearchSource(store: store, userID: user, logger: logger), limit: 20) : nil
                let result = try await engine.runTurn(
                    TurnRequest(userID: user, sessionID: "bench", message: fact(i).question), state: memory.state,
                    recentEpisodes: memory.recentEpisodes, context: .random(), archive: source)
                try await store.commitTurn(result, from: memory, userID: user, tracing: false, chat: nil)
                if round > 0 {
                    times.append(milliseconds(clock.now - t0))
                    if let id = planted[i], pointerIDs(result).contains(id) { hits += 1 }
                }
                // The question's own episode goes again, so every question meets the seeded history
                // (at 50 episodes a kept question would push a fact out of the window). The next turn
                // then reads its window from the database (the cache's stamp no longer matches).
                try await client.query("DELETE FROM public.sigmaris_episodes WHERE episode_id = $1", [.text(result.episode.episodeID)])
            }
        }
        let recall = Double(hits) / Double(facts * rounds)
        if archive {
            row.recallArchive = recall; row.turnP50 = percentile(times, 0.5); row.turnP99 = percentile(times, 0.99)
        } else {
            row.recallWindow = recall; row.windowTurnP50 = percentile(times, 0.5); row.windowTurnP99 = percentile(times, 0.99)
        }
    }
    rows.append(row)
    let f = { (x: Double) in String(format: "%.2f", x) }
    print("size \(size): recall@5 archive \(f(row.recallArchive)) window \(f(row.recallWindow)) (\(facts) facts); turn p50/p99 archive \(f(row.turnP50))/\(f(row.turnP99)) ms, window \(f(row.windowTurnP50))/\(f(row.windowTurnP99)) ms; search p50/p99 \(f(row.searchP50))/\(f(row.searchP99)) ms; state+window read p50/p99 \(f(row.readP50))/\(f(row.readP99)) ms")
}

// MARK: The table and the targets

print("\n== Sigmaris bench-memory\(label.isEmpty ? "" : ": " + label) (archive search \(path.name), \(dimension)-number embeddings) ==")
print("episodes   facts  recall@5 archive  window   turn p50   turn p99   window p99   search p50  search p99   read p50   read p99  (ms)")
for row in rows {
    print(String(
        format: "%8d  %6d  %16.2f  %6.2f  %9.2f  %9.2f  %11.2f  %11.2f  %10.2f  %9.2f  %9.2f",
        row.size, row.facts, row.recallArchive, row.recallWindow, row.turnP50, row.turnP99, row.windowTurnP99,
        row.searchP50, row.searchP99, row.readP50, row.readP99))
}
let first = rows.first, last = rows.last
if let at10k = rows.first(where: { $0.size == 10_000 }) {
    print(String(format: "target: recall@5 >= 0.90 at 10,000 episodes: %.2f (window mode %.2f)", at10k.recallArchive, at10k.recallWindow))
}
if let first, let last, first.size != last.size {
    print(String(format: "target: turn p99 at %d <= 1.2x at %d: %.2f vs %.2f ms (%.2fx)", last.size, first.size, last.turnP99, first.turnP99, last.turnP99 / first.turnP99))
    print(String(format: "flat within 20%%: state+window read p50 %.2f vs %.2f ms (%+.0f%%); search p50 %.2f vs %.2f ms (%+.0f%%)",
                 last.readP50, first.readP50, (last.readP50 / first.readP50 - 1) * 100,
                 last.searchP50, first.searchP50, (last.searchP50 / first.searchP50 - 1) * 100))
    // At 50 episodes only 25 facts fit, so a question matches fewer episodes than at the larger sizes
    // (all 100 facts): from the first size with all of them, the search does the same work at every
    // size and any growth is the history's.
    if let full = rows.first(where: { $0.facts == factCount }), full.size != last.size, full.size != first.size {
        print(String(format: "flat within 20%% from %d (all %d facts) to %d: read p50 %.2f vs %.2f ms (%+.0f%%); search p50 %.2f vs %.2f ms (%+.0f%%)",
                     full.size, factCount, last.size, last.readP50, full.readP50, (last.readP50 / full.readP50 - 1) * 100,
                     last.searchP50, full.searchP50, (last.searchP50 / full.searchP50 - 1) * 100))
    }
    if path.name == "hybrid" {
        print(String(format: "target: archive search p99 <= 5 ms at %d with pgvector: %.2f ms", last.size, last.searchP99))
    }
}
try await client.query("DROP TABLE IF EXISTS bench_chatter")
await client.shutdown()
