-- Sigmaris migration 0017: the archive's text search becomes Postgres full text search, keyed by
-- user, so that its cost does not grow with a user's history (issue #23 §3).
--  * Why. 0015's trigram search (pg_trgm word similarity over a GiST index) matched every episode
--    sharing a common trigram with the message ("the", "wha", " an"...), and a GiST trigram index
--    over many similar texts prunes poorly: 2.4 ms at 50 episodes, 122 ms at 100,000. Full text
--    search matches words, leaves out stop words, and its GIN index lists each word's episodes:
--    a search reads the episodes that share a word with the message, not the whole history.
--  * `search_terms`, a generated column: the english lexemes (stemmed, without stop words) of the
--    summary and raw context, plus every two-character run of Chinese/Japanese text (which has no
--    spaces to split words at: character bigrams are how search engines index it) but those of
--    hiragana only (Japanese's grammar, its stop words). Generated, so
--    every writer fills it and existing rows are filled here; adding it rewrites the table once.
--  * The index is GIN over `sigmaris_user_search_terms(user_id, search_terms)`: each lexeme
--    prefixed with the user id and a space. A key is then (user, word), so the index is what
--    "user_id leading" is for GIN: a user's search reads only that user's lists, whatever other
--    users wrote. (btree_gin would give a (user_id, terms) index, but a query then walks the user's
--    whole list to intersect it; and PostgreSQL from the pgserver wheels has no btree_gin.)
--    fastupdate is off: a search would otherwise also scan the pending list of recent inserts,
--    whose size grows until vacuum (2.5 ms against 0.45 ms in a trial); a turn's insert pays the
--    index update instead (about 0.1 ms).
--  * 0015's trigram index goes: nothing reads it any more and every insert paid for it. The
--    pg_trgm and btree_gist extensions stay (other things may use them).
--  * The functions are not callable through PostgREST (revoked from anon and authenticated, like
--    0015's); the table's owner (the service's role) writes the rows.
-- Safe to run twice; paste into the Supabase SQL editor as is.

-- The lexemes of a text: english full text for words with spaces between them; bigrams of each
-- run of kana, CJK ideographs and halfwidth katakana (a run of one character is kept as is). As
-- english leaves out its stop words, pairs of hiragana only are left out: they are mostly the
-- particles and endings of Japanese grammar (です, ます, して), found in nearly every Japanese
-- episode, so a search for them would read the whole history; content words have a kanji or a
-- katakana (京都, 紅葉, レックス). A word written in hiragana alone (ねこ) is not searchable.
CREATE OR REPLACE FUNCTION public.sigmaris_search_terms(content text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT to_tsvector('pg_catalog.english'::regconfig,
                       regexp_replace(content, '[぀-ヿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ]+', ' ', 'g'))
        || coalesce((SELECT array_to_tsvector(array_agg(DISTINCT pair))
                     FROM regexp_matches(content, '([぀-ヿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ]+)', 'g') AS run,
                          generate_series(1, greatest(length(run[1]) - 1, 1)) AS i,
                          LATERAL (SELECT substr(run[1], i, 2) AS pair) AS p
                     WHERE pair !~ '^[぀-ゟ]+$'), ''::tsvector)
$$;

-- `terms` with each lexeme keyed by the user: "<user_id> <lexeme>". A lexeme never holds a space,
-- so no two (user, lexeme) pairs give the same key.
CREATE OR REPLACE FUNCTION public.sigmaris_user_search_terms(user_id text, terms tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_to_tsvector(ARRAY(SELECT user_id || ' ' || lexeme FROM unnest(tsvector_to_array(terms)) AS lexeme))
$$;

-- Any of the lexemes of `terms` (OR); null when there are none (a message of stop words only), which
-- matches nothing and, unlike an empty tsquery, raises no notice.
CREATE OR REPLACE FUNCTION public.sigmaris_search_query(terms tsvector) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT string_agg('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''', ' | ')::tsquery
    FROM unnest(tsvector_to_array(terms)) AS lexeme
$$;

REVOKE ALL ON FUNCTION public.sigmaris_search_terms(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.sigmaris_user_search_terms(text, tsvector) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.sigmaris_search_query(tsvector) FROM PUBLIC, anon, authenticated;

ALTER TABLE public.sigmaris_episodes ADD COLUMN IF NOT EXISTS search_terms tsvector
    GENERATED ALWAYS AS (public.sigmaris_search_terms(summary || ' ' || raw_context)) STORED;

CREATE INDEX IF NOT EXISTS sigmaris_episodes_user_search_idx ON public.sigmaris_episodes
    USING gin (public.sigmaris_user_search_terms(user_id, search_terms)) WITH (fastupdate = off);

DROP INDEX IF EXISTS public.sigmaris_episodes_user_text_trgm_idx;
