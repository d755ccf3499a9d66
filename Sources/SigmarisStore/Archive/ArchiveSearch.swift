import Foundation
import SigmarisPostgres
import Synchronization

/// The one search over all of a user's episodes (issue #23): by embedding where pgvector is there,
/// by text (pg_trgm word similarity) otherwise or when the embedding's dimension has no index. Both
/// read only `userID`'s rows and can leave out the user's newest episodes (the recall window, which
/// recall already has). Recall's archive candidates and `GET /api/memories?q=` both come from here.
struct ArchiveSearch: Sendable {
    /// The dimensions `sql/0015_memory_archive.sql` has an HNSW index for: the local embedder's
    /// (`LocalEmbedder`, 256) and OpenAI-style providers' (1536).
    static let indexedDimensions: Set<Int> = [256, 1536]
    /// The least word similarity a text match needs (`pg_trgm.word_similarity_threshold`): the GiST
    /// index prunes with it, which keeps the search fast at any history (a nearest-first scan with
    /// no threshold reads most of a long history when few episodes are close).
    static let textThreshold = 0.3
    /// Only the first characters of a long message are searched for: each adds trigrams to match.
    static let textQueryLength = 500

    let path: ArchiveSearchPath

    enum Query: Equatable {
        case vector(schema: String, dimensions: Int)
        case text(schema: String)
    }

    /// Which query serves this request: the vector one for an embedding of an indexed dimension,
    /// else the text one for a non-empty text; nil when neither can run.
    func query(text: String, embedding: [Float]?) -> Query? {
        if let schema = path.vectorSchema, let embedding, Self.indexedDimensions.contains(embedding.count) {
            return .vector(schema: schema, dimensions: embedding.count)
        }
        if let schema = path.textSchema, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .text(schema: schema)
        }
        return nil
    }

    /// Best first (ties by episode id); at most `limit`, none of the user's `excludingNewest` newest.
    func search(
        userID: String, text: String, embedding: [Float]?, limit: Int, excludingNewest: Int, on connection: PostgresConnection
    ) throws(PostgresError) -> [ScoredMemory] {
        guard limit > 0, let query = query(text: text, embedding: embedding) else { return [] }
        let probe: PostgresValue
        switch query {
        case .vector(_, _):
            // The index scan stops once `limit` rows of this user passed the filter, rather than
            // after `hnsw.ef_search` rows of anyone (pgvector 0.8's iterative index scans); relaxed
            // order, since the outer query sorts the few rows found again.
            try connection.query("SET LOCAL hnsw.iterative_scan = relaxed_order")
            probe = .text(Self.vectorLiteral(embedding ?? []))
        case .text:
            try connection.query("SET LOCAL pg_trgm.word_similarity_threshold = \(Self.textThreshold)")
            probe = .text(String(text.prefix(Self.textQueryLength)))
        }
        let rows = try connection.query(
            Self.sql(query), [.text(userID), probe, .int(limit), .int(max(0, excludingNewest))], resultFormat: .binary)
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

    /// `$1` the user id, `$2` the embedding (pgvector text) or the text, `$3` the limit, `$4` how
    /// many of the newest episodes to leave out. The inner query is what the indexes serve (the
    /// HNSW one for a user with many episodes, the (user_id, ...) ones otherwise); the outer one
    /// orders exactly.
    static func sql(_ query: Query) -> String {
        let distance: String
        let filter: String
        switch query {
        case .vector(let schema, let dimensions):
            let s = identifier(schema)
            distance = "(e.embedding_v::\(s).vector(\(dimensions))) OPERATOR(\(s).<=>) ($2::text::\(s).vector(\(dimensions)))"
            filter = "\(s).vector_dims(e.embedding_v) = \(dimensions)"
        case .text(let schema):
            let s = identifier(schema)
            distance = "(e.summary || ' ' || e.raw_context) OPERATOR(\(s).<->>) $2::text"
            filter = "$2::text OPERATOR(\(s).<%) (e.summary || ' ' || e.raw_context)"
        }
        return """
        SELECT episode_id, "timestamp", created_at, summary, emotion_hint, raw_context, embedding,
               (1 - distance)::float8 AS score
        FROM (
            SELECT e.episode_id, e."timestamp", e.created_at, e.summary, e.emotion_hint, e.raw_context, e.embedding,
                   \(distance) AS distance
            FROM public.sigmaris_episodes e
            WHERE e.user_id = $1 AND \(filter)
              AND e.episode_id NOT IN (
                  SELECT n.episode_id FROM public.sigmaris_episodes n WHERE n.user_id = $1
                  ORDER BY n."timestamp" DESC, n.created_at DESC LIMIT $4)
            ORDER BY distance LIMIT $3
        ) AS found
        ORDER BY distance, episode_id
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
