-- Sigmaris migration 0015: the memory archive (issue #23): recall and search over all of a user's
-- episodes, and a recall read whose cost does not grow with them.
--  * The recent-episode index now matches the reads' ORDER BY ("timestamp" DESC, created_at DESC).
--    With the old (user_id, "timestamp" DESC) index Postgres sorted on created_at every run of
--    episodes sharing a timestamp before it could stop (an incremental sort): cheap while each
--    turn has its own timestamp, but a history written in bulk (an import, a seed) read and sorted
--    all of its rows every turn: 103 ms against 0.13 ms for the newest 50 of 100,000 episodes with
--    one timestamp (PostgreSQL 15). The new index is read in order and stops after 50 rows at any
--    size; it replaces the old one, which it covers.
--  * Extensions where they are available (and this role may create them): pg_trgm and btree_gist
--    for the text search, vector (pgvector) for the embedding search. None of them is required: on
--    a database without them this migration creates what it can and the server says which search
--    runs (start-up log line, `/readyz`).
--  * Text search (pg_trgm): a GiST index over summary and raw context with user_id leading
--    (btree_gist gives the equality on user_id a GiST operator class), queried nearest-first with
--    word similarity (`<<->`). Trigrams need no word boundaries, so Japanese works too.
--  * Embedding search (pgvector): `embedding_v`, a generated column holding `embedding` (float32
--    little-endian bytes, `EmbeddingBytes`) as a vector: this fills it for existing rows (the
--    backfill) and for every row written later, by any writer, and the turn's commit statement
--    stays the same with or without pgvector. HNSW needs one dimension per index, so there is one
--    partial index per supported dimension (256: the local embedder; 1536: OpenAI-style providers),
--    queried with the matching cast and predicate. An HNSW index cannot have user_id leading (it
--    indexes one vector expression); the query filters by user_id with pgvector's iterative index
--    scans, and a user with few episodes is served by the (user_id, ...) index instead, exactly.
-- Safe to run twice; paste into the Supabase SQL editor as is.

CREATE INDEX IF NOT EXISTS sigmaris_episodes_user_recent_idx
    ON public.sigmaris_episodes (user_id, "timestamp" DESC, created_at DESC);
DROP INDEX IF EXISTS public.sigmaris_episodes_user_time_idx;

-- An embedding's bytes (`EmbeddingBytes`: float32, little-endian) as a real[]. Pure arithmetic on
-- the IEEE 754 fields, so it is IMMUTABLE and may define a generated column. Null, rather than an
-- error that would fail the write, for what pgvector cannot hold: bytes that are not a whole number
-- of floats, more than 16,000 of them, or an infinity or NaN (no embedder returns those).
CREATE OR REPLACE FUNCTION public.sigmaris_embedding_floats(bytes bytea) RETURNS real[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_agg(
        (CASE WHEN (bits >> 31) = 1 THEN -1.0::float8 ELSE 1.0::float8 END)
        * CASE WHEN ((bits >> 23) & 255) = 0 THEN (bits & 8388607)::float8 * 2.0::float8 ^ (-149)
               ELSE ((bits & 8388607) + 8388608)::float8 * 2.0::float8 ^ (((bits >> 23) & 255) - 150) END
        ORDER BY i)::real[]
    FROM (SELECT i, get_byte(bytes, i)::bigint | (get_byte(bytes, i + 1)::bigint << 8)
                    | (get_byte(bytes, i + 2)::bigint << 16) | (get_byte(bytes, i + 3)::bigint << 24) AS bits
          FROM generate_series(0, length(bytes) - 4, 4) AS i) AS f
    WHERE length(bytes) % 4 = 0 AND length(bytes) BETWEEN 4 AND 64000
    HAVING bool_and(((bits >> 23) & 255) <> 255)
$$;
REVOKE ALL ON FUNCTION public.sigmaris_embedding_floats(bytea) FROM PUBLIC, anon, authenticated;

DO $$
DECLARE
    wanted text;
    trgm_schema text;
    vector_schema text;
BEGIN
    -- Each extension that this Postgres has; Supabase keeps extensions in the schema `extensions`.
    FOREACH wanted IN ARRAY ARRAY['pg_trgm', 'btree_gist', 'vector'] LOOP
        IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = wanted)
           AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = wanted) THEN
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'extensions') THEN
                    EXECUTE format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA extensions', wanted);
                ELSE
                    EXECUTE format('CREATE EXTENSION IF NOT EXISTS %I', wanted);
                END IF;
            EXCEPTION WHEN insufficient_privilege OR feature_not_supported OR undefined_file THEN
                RAISE NOTICE 'sigmaris 0015: extension % not created (%); its search stays off', wanted, SQLERRM;
            END;
        END IF;
    END LOOP;

    SELECT n.nspname INTO trgm_schema FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
    WHERE x.extname = 'pg_trgm';
    IF trgm_schema IS NOT NULL AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gist') THEN
        EXECUTE format(
            'CREATE INDEX IF NOT EXISTS sigmaris_episodes_user_text_trgm_idx ON public.sigmaris_episodes '
            'USING gist (user_id, (summary || '' '' || raw_context) %I.gist_trgm_ops(siglen = 256))', trgm_schema);
    END IF;

    SELECT n.nspname INTO vector_schema FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
    WHERE x.extname = 'vector';
    IF vector_schema IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public'
                       AND table_name = 'sigmaris_episodes' AND column_name = 'embedding_v') THEN
            EXECUTE format(
                'ALTER TABLE public.sigmaris_episodes ADD COLUMN embedding_v %1$I.vector '
                'GENERATED ALWAYS AS (public.sigmaris_embedding_floats(embedding)::%1$I.vector) STORED', vector_schema);
        END IF;
        EXECUTE format(
            'CREATE INDEX IF NOT EXISTS sigmaris_episodes_embedding_256_idx ON public.sigmaris_episodes '
            'USING hnsw ((embedding_v::%1$I.vector(256)) %1$I.vector_cosine_ops) '
            'WHERE %1$I.vector_dims(embedding_v) = 256', vector_schema);
        EXECUTE format(
            'CREATE INDEX IF NOT EXISTS sigmaris_episodes_embedding_1536_idx ON public.sigmaris_episodes '
            'USING hnsw ((embedding_v::%1$I.vector(1536)) %1$I.vector_cosine_ops) '
            'WHERE %1$I.vector_dims(embedding_v) = 1536', vector_schema);
    END IF;
END
$$;
