#!/usr/bin/env bash
# `make bench-memory`: issue #23's long-term memory figures. On Debian's PostgreSQL 15 (no pgvector:
# the full text search) and on PostgreSQL 18 with pgvector (scripts/pgvector.sh: hybrid), each a
# throwaway loopback cluster of its own, and with the local embedder (256 numbers) and 1,536-number
# stub embeddings: users with 50, 1,000, 10,000 and 100,000 episodes seeded in SQL, 100 planted facts
# each (25 at 50 episodes, where they are the whole history), one question per fact sharing some of
# its words. Prints recall@5 of the planted episode in archive and window mode, turn p50/p99, the
# archive search's own time and the uncached state + window read, beside the targets (figures, not
# assertions; docs/benchmarks.md has a run). The driver is Benchmarks/MemoryBench (sigmaris-bench-memory).
#
# Environment (all optional):
#   BENCH_MEMORY_SERVERS="debian pgvector"  BENCH_MEMORY_DIMENSIONS="256 1536"
#   BENCH_SIZES=50,1000,10000,100000  BENCH_FACTS=100  BENCH_ROUNDS=4  BENCH_MEMORY_PG_PORT=54380 (and +1)
#   BENCH_MEMORY_BIN=path/to/sigmaris-bench-memory (skips the release build)  BENCH_SCRATCH=.build-bench
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bench_label=bench-memory
# shellcheck source=scripts/bench/common.sh
. scripts/bench/common.sh

servers=${BENCH_MEMORY_SERVERS:-debian pgvector}
dimensions=${BENCH_MEMORY_DIMENSIONS:-256 1536}
pg_port=${BENCH_MEMORY_PG_PORT:-54380}
out=$root/.data/bench-memory
mkdir -p "$out"

scripts/deps.sh
find_pg_tools
if [ -n "${BENCH_MEMORY_BIN:-}" ]; then
    bin=$BENCH_MEMORY_BIN
else
    scratch=${BENCH_SCRATCH:-$root/.build-bench}
    say "building the release driver (swift build -c release, scratch $scratch)"
    swift build -c release --product sigmaris-bench-memory --scratch-path "$scratch"
    bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/sigmaris-bench-memory"
fi
[ -x "$bin" ] || die "no driver at $bin"

vector_bin=""
started=()
cleanup() {
    for cluster in "${started[@]}"; do
        # shellcheck disable=SC2086
        set -- $cluster
        SIGMARIS_PG_BINDIR="$3" scripts/pg.sh stop "$1" "$2" || true
    done
}
trap cleanup EXIT
export SIGMARIS_PG_FSYNC=off PGOPTIONS='-c client_min_messages=warning'

for server in $servers; do
    case "$server" in
    debian) name=sigmaris_bench_memory port=$pg_port bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1) ;;
    pgvector) name=sigmaris_bench_vector port=$((pg_port + 1)) bindir=${vector_bin:=$(scripts/pgvector.sh)} ;;
    *) die "unknown server $server (debian or pgvector)" ;;
    esac
    say "$server: recreating $name on 127.0.0.1:$port"
    SIGMARIS_PG_BINDIR="$bindir" scripts/pg.sh start "$name" "$port"
    started+=("$name $port $bindir")
    SIGMARIS_PG_BINDIR="$bindir" scripts/pg.sh drop "$name" "$port"
    SIGMARIS_PG_BINDIR="$bindir" scripts/pg.sh start "$name" "$port"
    url=$(scripts/pg.sh url "$name" "$port")
    "$bindir/psql" "$url" -X -q -v ON_ERROR_STOP=1 -f scripts/supabase-defaults.sql
    for dimension in $dimensions; do
        say "$server, $dimension-number embeddings: seeding and measuring (sizes ${BENCH_SIZES:-50,1000,10000,100000})"
        BENCH_DATABASE_URL=$url BENCH_DIMENSION=$dimension BENCH_MIGRATIONS_DIR=$root/sql \
            BENCH_LABEL="$server ($("$bindir/postgres" --version | sed 's/.*) //')), $([ "$dimension" = 256 ] && echo "local embedder" || echo "stub embeddings")" \
            "$bin" | tee "$out/$server-$dimension.txt"
    done
done
