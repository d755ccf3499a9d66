import Foundation
import SigmarisJSON
import SigmarisPostgres
import Synchronization

/// The one search over all of a user's episodes (issue #23): Postgres full text search everywhere
/// (`sql/0017_memory_full_text_search.sql`), and where pgvector is there and the message's
/// embedding has an indexed dimension, pgvector's HNSW search too, the two rankings fused. Both
/// read only `userID`'s rows and can leave out the user's newest episodes (the recall window, which
/// recall already has). Recall's archive candidates and `GET /api/memories?q=` both come from here.
///
/// Why both on pgvector: an embedding search finds what a real model's dense embeddings put near
/// the message, which shares no word with it; full text finds what shares a rare word (a name, a
/// place), which sparse embeddings such as the local embedder's do not find in a large HNSW graph
/// (`make bench-memory`: recall@5 0.52 at 10,000 episodes with HNSW alone, docs/benchmarks.md).
struct ArchiveSearch: Sendable {
    /// The dimensions `sql/0015_memory_archive.sql` has an HNSW index for: the local embedder's
    /// (`LocalEmbedder`, 256) and OpenAI-style providers' (1536).
    static let indexedDimensions: Set<Int> = [256, 1536]
    /// Only the first characters of a long message are searched for: each adds words to match.
    static let textQueryLength = 500
    /// `hnsw.ef_search`: the candidate list of the HNSW search (pgvector's default is 40).
    static let vectorSearchList = 100
    /// Reciprocal rank fusion's k: an episode scores the sum of 1 / (k + its rank) over the searches
    /// that found it (Cormack, Clarke and Büttcher, SIGIR 2009, where 60 is the constant; Supabase's
    /// hybrid search uses it too). Ranks, not scores, are fused: a cosine and a `ts_rank` are not on
    /// one scale.
    static let fusionConstant = 60

    let path: ArchiveSearchPath

    enum Query: Equatable {
        /// Full text and the embedding (pgvector's schema, the embedding's dimension).
        case hybrid(schema: String, dimensions: Int)
        case fullText
    }

    /// Which query serves this request: the hybrid one for an embedding of an indexed dimension on a
    /// database with pgvector, else full text for a non-empty text; nil when neither can run.
    func query(text: String, embedding: [Float]?) -> Query? {
        if let schema = path.vectorSchema, let embedding, Self.indexedDimensions.contains(embedding.count) {
            return .hybrid(schema: schema, dimensions: embedding.count)
        }
        if path != .none, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .fullText
        }
        return nil
    }

    /// The hybrid query's transaction settings (sent in its BEGIN, `TransactionSetting`): the HNSW
    /// index scan goes on until `limit` rows of this user passed the filter, rather than stopping after
    /// `hnsw.ef_search` rows of anyone (pgvector 0.8's iterative index scans); relaxed order, since
    /// the query ranks the few rows found again; and a wider search list than the default 40.
    static let vectorScanSettings = [
        TransactionSetting("hnsw.iterative_scan", "relaxed_order"),
        TransactionSetting("hnsw.ef_search", String(vectorSearchList)),
    ]

    /// Best first (ties by episode id); at most `limit`, none of those in `excluding`.
    /// The hybrid query must run in a transaction begun with `vectorScanSettings`; the full text
    /// query is one statement.
    func search(
        userID: String, text: String, embedding: [Float]?, limit: Int, excluding: [String], on connection: PostgresConnection
    ) throws(PostgresError) -> [ScoredMemory] {
        guard limit > 0, let query = query(text: text, embedding: embedding) else { return [] }
        var parameters: [PostgresValue] = [
            .text(userID), .text(String(text.prefix(Self.textQueryLength))), .int(limit),
            .jsonb(JSONValue.strings(excluding).serialized()),
        ]
        if case .hybrid = query {
            parameters.append(.text(Self.vectorLiteral(embedding ?? [])))
        }
        let rows = try connection.query(Self.sql(query), parameters, resultFormat: .binary)
        var found: [ScoredMemory] = []
        found.reserveCapacity(rows.count)
        for row in rows {
            found.append(ScoredMemory(
                episodeID: try row.decode(String.self, "episode_id"),
                summary: try row.decode(String.self, "summary"),
                rawContext: try row.decode(String.self, "raw_context"),
                timestamp: try row.decode(Date.self, "timestamp"),
                createdAt: try row.decode(Date.self, "created_at"),
                score: try row.decode(Double.self, "score"),
                emotionHint: try row.decode(String.self, "emotion_hint"),
                embedding: try row.decode(PostgresBytes?.self, "embedding").flatMap { EmbeddingBytes.decode($0.bytes) } ?? []))
        }
        return found
    }

    /// pgvector's text form, `[0.1,-0.2,...]` (Swift prints the shortest text that reads back as
    /// the same float).
    static func vectorLiteral(_ vector: [Float]) -> String {
        "[" + vector.map { "\($0)" }.joined(separator: ",") + "]"
    }

    /// `$1` the user id, `$2` the text, `$3` the limit, `$4` the ids to leave out (a JSON array of
    /// strings, as the store passes every list of ids: the recall window's, given by the caller rather than read again here, which cost a heap read per
    /// window episode), and for the hybrid query `$5` the embedding (pgvector's text form). Each
    /// search ranks its best `$3`; the fused list keeps the best `$3` of those.
    static func sql(_ query: Query) -> String {
        var searches = [fullTextHitsSQL]
        if case .hybrid(let schema, let dimensions) = query {
            searches.append(vectorHitsSQL(schema: identifier(schema), dimensions: dimensions))
        }
        return """
        WITH message AS MATERIALIZED (
            SELECT public.sigmaris_search_query(terms) AS plain,
                   public.sigmaris_search_query(public.sigmaris_user_search_terms($1, terms)) AS keyed
            FROM (SELECT public.sigmaris_search_terms($2::text) AS terms) AS m
        ), hits AS (
        \(searches.joined(separator: "\nUNION ALL\n"))
        ), fused AS (
            SELECT episode_id, sum(1.0::float8 / (\(fusionConstant) + rank)) AS score
            FROM hits GROUP BY episode_id ORDER BY score DESC, episode_id LIMIT $3
        )
        SELECT e.episode_id, e."timestamp", e.created_at, e.summary, e.emotion_hint, e.raw_context, e.embedding, f.score
        FROM fused f JOIN public.sigmaris_episodes e ON e.episode_id = f.episode_id AND e.user_id = $1
        ORDER BY f.score DESC, f.episode_id
        """
    }

    /// The full text search's ranking. It matches on the user-keyed index alone: its keys hold the
    /// user id, so a match is the user's row (the fused join checks `user_id` again), and an extra
    /// `user_id = $1` here lets a generic plan AND in the (user_id, ...) index, which reads the
    /// user's whole history.
    static let fullTextHitsSQL = """
        SELECT episode_id, row_number() OVER (ORDER BY relevance DESC, episode_id) AS rank FROM (
            SELECT e.episode_id, ts_rank(e.search_terms, message.plain) AS relevance
            FROM message, public.sigmaris_episodes e
            WHERE public.sigmaris_user_search_terms(e.user_id, e.search_terms) @@ message.keyed
              AND e.episode_id NOT IN (SELECT jsonb_array_elements_text($4::jsonb))
            ORDER BY relevance DESC, e.episode_id LIMIT $3
        ) AS full_text_hits
    """

    /// The embedding search's ranking: nearest by cosine, through the HNSW index of `dimensions`
    /// (a partial index per dimension, hence the cast and the predicate) for a user with many
    /// episodes, through the (user_id, ...) indexes otherwise.
    static func vectorHitsSQL(schema s: String, dimensions: Int) -> String {
        """
            SELECT episode_id, row_number() OVER (ORDER BY distance, episode_id) AS rank FROM (
                SELECT e.episode_id,
                       (e.embedding_v::\(s).vector(\(dimensions))) OPERATOR(\(s).<=>) ($5::text::\(s).vector(\(dimensions))) AS distance
                FROM public.sigmaris_episodes e
                WHERE e.user_id = $1 AND \(s).vector_dims(e.embedding_v) = \(dimensions)
                  AND e.episode_id NOT IN (SELECT jsonb_array_elements_text($4::jsonb))
                ORDER BY distance LIMIT $3
            ) AS vector_hits
        """
    }

    /// A schema name from the catalog, quoted as an identifier.
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The database's archive search path, learned on first use and kept for the process: the
/// migrations that decide it ran before the server started.
final class ArchiveSearchPathCache: Sendable {
    private let known = Mutex<ArchiveSearchPath?>(nil)

    func path(_ detect: () async throws -> ArchiveSearchPath) async throws -> ArchiveSearchPath {
        if let path = known.withLock({ $0 }) { return path }
        let path = try await detect()
        known.withLock { $0 = path }
        return path
    }
}
