#!/usr/bin/env bash
# Slow clients (issue 14, item 5): a normal client's latency while SLOW connections trickle one byte
# a second, with the read timeouts (the defaults) and without them (an hour each), plus a baseline
# with no slow connections. The normal client reads GET /api/state/latest (auth + one query).
#
# Environment: SLOW (500), SECONDS_PER_RUN (20), SLOW_PG_PORT (54373), SLOW_PORT (8093), SIGMARIS_BIN (the
# debug build by default). Prints one line per run; see docs/benchmarks.md for figures.
set -euo pipefail
cd "$(dirname "$0")/.."

slow=${SLOW:-500}
seconds=${SECONDS_PER_RUN:-20}
pg_port=${SLOW_PG_PORT:-54373}
port=${SLOW_PORT:-8093}
if [ -z "${SIGMARIS_BIN:-}" ]; then
    swift build --product sigmaris >/dev/null
    SIGMARIS_BIN="$(swift build --show-bin-path)/sigmaris"
fi
ulimit -n 4096 2>/dev/null || true

export SIGMARIS_PG_FSYNC=off   # a throwaway cluster
scripts/pg.sh start sigmaris_slow "$pg_port"
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$tmp"; scripts/pg.sh stop sigmaris_slow "$pg_port"' EXIT
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
token=$(env -i PATH="$PATH" SUPABASE_JWT_SECRET="$secret" "$SIGMARIS_BIN" token --env-file /dev/null --user 00000000-0000-4000-8000-000000000001)

server_pid=""
tmp=$(mktemp -d)
run() {  # label header_timeout body_timeout slow_connections
    env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 DATABASE_URL="$(scripts/pg.sh url sigmaris_slow "$pg_port")" \
        HOST=127.0.0.1 PORT="$port" SUPABASE_JWT_SECRET="$secret" SIGMARIS_LOG_LEVEL=error \
        SIGMARIS_HEADER_READ_TIMEOUT="$2" SIGMARIS_BODY_READ_TIMEOUT="$3" \
        "$SIGMARIS_BIN" serve --env-file /dev/null >/dev/null 2>&1 &
    server_pid=$!
    for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
    printf '%-30s ' "$1"
    python3 scripts/slow-clients.py trickle 127.0.0.1 "$port" "$4" "$((seconds + 3))" 1 > "$tmp/trickle" &
    local trickle_pid=$!
    sleep 3   # the slow connections open first
    python3 scripts/slow-clients.py measure 127.0.0.1 "$port" /api/state/latest "$seconds" "$token"
    wait "$trickle_pid"; cat "$tmp/trickle"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
}

run "no slow clients"            10 30 0
run "$slow slow, timeouts 10/30 s" 10 30 "$slow"
run "$slow slow, no timeouts"      3600 3600 "$slow"
