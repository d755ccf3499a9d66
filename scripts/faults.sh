#!/usr/bin/env bash
# `make faults`: the service under faults, with figures printed (docs/reliability.md has the method
# and a run's results). Nothing here is a pass/fail test of speed; the script exits non-zero only when
# a scenario breaks an invariant (a partial or doubled turn, a 5xx that is not a 503 with Retry-After).
#
# Scenarios (arguments; default: restart kill9):
#   restart  a fast Postgres restart (pg_ctl -m fast) in the middle of a POST /api/aei load at
#            FAULTS_CONNECTIONS connections: the share of failed requests, that each failure is a 503
#            with Retry-After, and afterwards that every user has two `messages` rows per snapshot and a
#            `turn_count` equal to their snapshot count.
#   kill9    kill -9 of the server during the same load, then a restart of the server: the same
#            all-or-nothing check on every user's rows (no partial turn).
#   soak     FAULTS_SOAK_SECONDS (600) of load: the server's RSS after warm-up and at the end.
#
# It uses a loopback cluster of its own (sigmaris_faults on 127.0.0.1:FAULTS_PG_PORT, default 54380),
# the debug binary unless FAULTS_BIN names one, and writes raw outputs to .data/faults/.
#
# Environment (all optional): FAULTS_CONNECTIONS=16 FAULTS_THREADS=2 FAULTS_USERS=64
#   FAULTS_SECONDS=12 FAULTS_SOAK_SECONDS=600 FAULTS_PORT=18380 FAULTS_PG_PORT=54380 FAULTS_BIN=path
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(restart kill9)
connections=${FAULTS_CONNECTIONS:-16}
threads=${FAULTS_THREADS:-2}
users=${FAULTS_USERS:-64}
seconds=${FAULTS_SECONDS:-12}
soak_seconds=${FAULTS_SOAK_SECONDS:-600}
port=${FAULTS_PORT:-18380}
pg_name=sigmaris_faults
pg_port=${FAULTS_PG_PORT:-54380}
out=$root/.data/faults

die() { echo "faults: $*" >&2; exit 1; }
say() { echo "faults: $*" >&2; }
for s in "${scenarios[@]}"; do
    case "$s" in restart|kill9|soak) ;; *) die "unknown scenario '$s' (restart, kill9, soak)" ;; esac
done

scripts/deps.sh wrk
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "${FAULTS_BIN:-}" ]; then
    bin=$FAULTS_BIN
else
    swift build --product sigmaris >&2
    bin="$(swift build --show-bin-path)/sigmaris"
fi
[ -x "$bin" ] || die "no binary at $bin"

mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.log
server_pid=""
cleanup() {
    local status=$?
    stop_server TERM
    scripts/pg.sh stop "$pg_name" "$pg_port" || true
    exit $status
}
stop_server() {  # stop_server SIGNAL
    [ -n "$server_pid" ] || return 0
    if kill -0 "$server_pid" 2>/dev/null; then
        kill "-$1" "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "recreating database $pg_name on 127.0.0.1:$pg_port"
scripts/pg.sh start "$pg_name" "$pg_port"
scripts/pg.sh drop "$pg_name" "$pg_port"
scripts/pg.sh start "$pg_name" "$pg_port"
database_url=$(scripts/pg.sh url "$pg_name" "$pg_port")
export PGPASSWORD=sigmaris PGOPTIONS='-c client_min_messages=warning'
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U sigmaris -d "$pg_name" "$@"; }

secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_server() {
    env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 \
        DATABASE_URL="$database_url" DATABASE_POOL_SIZE=16 HOST=127.0.0.1 PORT="$port" \
        SUPABASE_JWT_SECRET="$secret" SIGMARIS_LLM_PROVIDER=local SIGMARIS_LOG_LEVEL=warning \
        SIGMARIS_MIGRATIONS_DIR="$root/sql" \
        "$bin" serve --env-file /dev/null >>"$out/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do
        curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$out/server.log" >&2; die "the server exited during start-up"; }
        sleep 0.1
    done
    die "the server is not ready after 30 s"
}
start_server

uid() { printf '00000000-0000-4000-8000-%012d' "$1"; }
for i in $(seq 1 "$users"); do
    u=$(uid "$i")
    printf '%s %s\n' "$u" "$(env -i SUPABASE_JWT_SECRET="$secret" "$bin" token --env-file /dev/null --user "$u" --lifetime 7200)"
done >"$out/tokens.txt"

# wrk in the background for SECONDS; its summary line goes to OUTPUT.
load() {  # load SECONDS OUTPUT
    wrk -t"$threads" -c"$connections" -d"$1"s --timeout 20s -s scripts/faults/aei-faults.lua \
        "http://127.0.0.1:$port" -- "$out/tokens.txt" >"$2" 2>&1
}
field() { sed -n "s/.*faults: .*\\b$1=\\([0-9]*\\).*/\\1/p" "$2"; }

# Every user's rows, all or nothing: 2 messages and one persona turn per snapshot.
integrity() {  # integrity LABEL
    local line
    line=$(psql -At -F ' ' -c "
        WITH per_user AS (
            SELECT s.user_id,
                   (SELECT count(*) FROM messages m WHERE m.user_id = s.user_id) AS messages,
                   count(*) AS snapshots,
                   coalesce((SELECT turn_count FROM sigmaris_persona_state p WHERE p.user_id = s.user_id::text), 0) AS turns
            FROM sigmaris_state_snapshots s GROUP BY s.user_id)
        SELECT count(*), coalesce(sum(snapshots), 0),
               count(*) FILTER (WHERE messages <> 2 * snapshots), count(*) FILTER (WHERE turns <> snapshots)
        FROM per_user")
    read -r n_users n_turns bad_messages bad_turns <<<"$line"
    echo "$1: $n_users users, $n_turns turns stored; users with messages != 2 x snapshots: $bad_messages; users with turn_count != snapshots: $bad_turns"
    [ "$bad_messages" -eq 0 ] && [ "$bad_turns" -eq 0 ]
}

# Prints the load's figures; fails when a failure was not a 503 with Retry-After.
report_load() {  # report_load LABEL OUTPUT
    local ok e503 bare other e4xx sock total
    ok=$(field ok "$2"); e503=$(field e503 "$2"); bare=$(field e503_without_retry_after "$2")
    other=$(field other_5xx "$2"); e4xx=$(field e4xx "$2"); sock=$(field socket_errors "$2")
    [ -n "$ok" ] || { cat "$2" >&2; die "$1: wrk printed no summary"; }
    total=$((ok + e503 + other + e4xx))
    awk -v l="$1" -v t="$total" -v ok="$ok" -v e="$e503" -v b="$bare" -v o="$other" -v c="$e4xx" -v s="$sock" 'BEGIN {
        printf "%s: %d requests, %d ok, %d failed (%.2f%%): %d x 503 (%d without Retry-After), %d other 5xx, %d 4xx, %d socket errors\n",
            l, t, ok, t - ok, (t ? (t - ok) * 100 / t : 0), e, b, o, c, s }'
    [ $((bare + other)) -eq 0 ]
}

status=0
results=()
# Runs a reporting command, keeps its line, and marks the run failed when the command fails.
record() {
    local line
    if line=$("$@"); then results+=("$line"); else results+=("$line"); status=1; fi
}

for scenario in "${scenarios[@]}"; do
    case "$scenario" in
    restart)
        say "restart: ${seconds} s of load, a fast Postgres restart after $((seconds / 3)) s"
        load "$seconds" "$out/restart.txt" &
        wrk_pid=$!
        sleep $((seconds / 3))
        t0=$(date +%s.%N)
        scripts/pg.sh restart "$pg_name" "$pg_port"
        t1=$(date +%s.%N)
        wait "$wrk_pid" || true
        record report_load "restart (pg_ctl restart took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s)" "$out/restart.txt"
        record integrity "restart, afterwards"
        ;;
    kill9)
        say "kill9: ${seconds} s of load, kill -9 of the server after $((seconds / 3)) s, then a new server"
        load "$seconds" "$out/kill9.txt" &
        wrk_pid=$!
        sleep $((seconds / 3))
        kill -KILL "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
        wait "$wrk_pid" || true
        start_server
        record report_load "kill -9 (the load until the kill)" "$out/kill9.txt"
        record integrity "kill -9, afterwards"
        ;;
    soak)
        say "soak: 30 s warm-up, then ${soak_seconds} s of load"
        load 30 "$out/soak-warmup.txt"
        rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")
        load "$soak_seconds" "$out/soak.txt"
        rss1=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")
        results+=("$(awk -v a="$rss0" -v b="$rss1" -v s="$soak_seconds" 'BEGIN {
            printf "soak: RSS %.1f MB after warm-up, %.1f MB after %d s more (%+.1f%%)\n", a / 1024, b / 1024, s, (b - a) * 100 / a }')")
        record report_load "soak load" "$out/soak.txt"
        record integrity "soak, afterwards"
        ;;
    esac
done

echo
echo "== Sigmaris faults: $connections connections, $users users, $(nproc) cores =="
printf '%s\n' "${results[@]}"
[ "$status" -eq 0 ] || echo "faults: an invariant was broken (see above)"
exit "$status"
