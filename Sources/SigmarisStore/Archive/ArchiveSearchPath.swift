import SigmarisPostgres

/// Which archive search this database allows (`sql/0015_memory_archive.sql` creates what the
/// database has), learned once from its catalog (`SigmarisStore.archiveSearchPath()`).
public enum ArchiveSearchPath: Sendable, Equatable {
    /// pgvector's HNSW indexes over `embedding_v`, for an embedding of a supported dimension; the
    /// text search for anything else. The names are the extensions' schemas (`public`, or
    /// `extensions` on Supabase), which qualify their types, functions and operators.
    case vector(vectorSchema: String, textSchema: String?)
    /// pg_trgm only: word similarity over summary and raw context.
    case text(textSchema: String)
    /// Neither extension: no archive search (recall reads the recent window only).
    case none

    /// What the start-up log line and `/readyz` say: "pgvector", "pg_trgm" or "none".
    public var name: String {
        switch self {
        case .vector: "pgvector"
        case .text: "pg_trgm"
        case .none: "none"
        }
    }

    var vectorSchema: String? {
        if case .vector(let schema, _) = self { return schema }
        return nil
    }

    var textSchema: String? {
        switch self {
        case .vector(_, let schema): schema
        case .text(let schema): schema
        case .none: nil
        }
    }

    /// The schemas of the two extensions, each only when the migration's index (or column) for it
    /// is there too: an extension installed after the migration ran changes nothing until it runs.
    static let detectSQL = """
    SELECT
        (SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
         WHERE x.extname = 'vector'
           AND EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'public'
                       AND indexname = 'sigmaris_episodes_embedding_256_idx')) AS vector_schema,
        (SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
         WHERE x.extname = 'pg_trgm'
           AND EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'public'
                       AND indexname = 'sigmaris_episodes_user_text_trgm_idx')) AS text_schema
    """

    static func detect(on connection: PostgresConnection) throws(PostgresError) -> ArchiveSearchPath {
        let rows = try connection.query(detectSQL)
        let vector = try rows.first?.decode(String?.self, "vector_schema") ?? nil
        let text = try rows.first?.decode(String?.self, "text_schema") ?? nil
        if let vector { return .vector(vectorSchema: vector, textSchema: text) }
        if let text { return .text(textSchema: text) }
        return .none
    }
}
