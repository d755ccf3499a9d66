import SigmarisPostgres

/// Which archive search this database allows, learned once from its catalog
/// (`SigmarisStore.archiveSearchPath()`): `sql/0017_memory_full_text_search.sql` gives every
/// database the full text search; `sql/0015_memory_archive.sql` adds the embedding search where
/// pgvector is installed.
public enum ArchiveSearchPath: Sendable, Equatable {
    /// Full text search and pgvector's HNSW search over `embedding_v`, their two rankings fused
    /// (for an embedding of an indexed dimension; the full text search alone otherwise).
    /// `vectorSchema` is pgvector's schema (`public`, or `extensions` on Supabase), which
    /// qualifies its type and operators.
    case hybrid(vectorSchema: String)
    /// Full text search only (no pgvector).
    case fullText
    /// Neither index (0017 has not run): no archive search, recall reads the recent window only.
    case none

    /// What the start-up log line and `/readyz` say: "hybrid", "full_text" or "none".
    public var name: String {
        switch self {
        case .hybrid: "hybrid"
        case .fullText: "full_text"
        case .none: "none"
        }
    }

    var vectorSchema: String? {
        if case .hybrid(let schema) = self { return schema }
        return nil
    }

    /// pgvector's schema when its index (or column) is there too, so an extension installed after
    /// the migrations ran changes nothing until 0015 runs again; and whether 0017's index is there.
    static let detectSQL = """
    SELECT
        (SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
         WHERE x.extname = 'vector'
           AND EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'public'
                       AND indexname = 'sigmaris_episodes_embedding_256_idx')) AS vector_schema,
        EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'public'
                AND indexname = 'sigmaris_episodes_user_search_idx') AS full_text
    """

    static func detect(on connection: PostgresConnection) throws(PostgresError) -> ArchiveSearchPath {
        let rows = try connection.query(detectSQL)
        let vector = try rows.first?.decode(String?.self, "vector_schema") ?? nil
        let fullText = try rows.first?.decode(Bool.self, "full_text") ?? false
        guard fullText else { return .none }
        if let vector { return .hybrid(vectorSchema: vector) }
        return .fullText
    }
}
