#!/usr/bin/env bash
# `make faults`: the service under faults, with figures printed (docs/reliability.md has the method
# and a run's results). Nothing here is a pass/fail test of speed; the script exits non-zero only when
# a scenario breaks an invariant (a partial or doubled turn, a 5xx that is not a 503 with Retry-After).
#
# Scenarios (arguments; default: restart kill9 and the four provider ones):
#   restart  a fast Postgres restart (pg_ctl -m fast) in the middle of a POST /api/aei load at
#            FAULTS_CONNECTIONS connections: the share of failed requests, that each failure is a 503
#            with Retry-After, and afterwards that every user has two `messages` rows per snapshot and a
#            `turn_count` equal to their snapshot count.
#   kill9    kill -9 of the server during the same load, then a restart of the server: the same
#            all-or-nothing check on every user's rows (no partial turn).
#   soak     FAULTS_SOAK_SECONDS (600) of load: the server's RSS after warm-up and at the end.
#   provider-hang      the provider (scripts/stub-provider.py --hang 1) accepts connections and never
#                      answers;
#   provider-refused   nothing listens at OPENAI_BASE_URL;
#   provider-slow      the provider's first byte comes FAULTS_PROVIDER_SLOW seconds late (less than
#                      the timeout, so turns succeed);
#   provider-drop      streamed replies break off after two pieces (--fail-after 2).
#            Each starts the server with that provider and SIGMARIS_PROVIDER_TIMEOUT=FAULTS_PROVIDER_TIMEOUT,
#            sends FAULTS_PROVIDER_TURNS turns at once, one per user (JSON; streamed for provider-drop),
#            while FAULTS_PROVIDER_READERS other users read GET /api/state/latest in a loop
#            (scripts/faults/provider_load.py), and prints each turn's time and outcome, the reads' p99,
#            the server's RSS before, after and at its peak, and the provider breaker's state
#            (scripts/faults/provider_report.py); then the same row check.
#
# It uses a loopback cluster of its own (sigmaris_faults on 127.0.0.1:FAULTS_PG_PORT, default 54380),
# the debug binary unless FAULTS_BIN names one, and writes raw outputs to .data/faults/.
#
# Environment (all optional): FAULTS_CONNECTIONS=16 FAULTS_THREADS=2 FAULTS_USERS=64
#   FAULTS_SECONDS=12 FAULTS_SOAK_SECONDS=600 FAULTS_PORT=18380 FAULTS_PG_PORT=54380 FAULTS_BIN=path
#   FAULTS_PROVIDER_TURNS=60 FAULTS_PROVIDER_READERS=4 FAULTS_PROVIDER_TIMEOUT=2 FAULTS_PROVIDER_SLOW=1
#   FAULTS_STUB_PORT=18381 (the stub provider; the port after it is the one nothing listens on)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(restart kill9 provider-hang provider-refused provider-slow provider-drop)
connections=${FAULTS_CONNECTIONS:-16}
threads=${FAULTS_THREADS:-2}
users=${FAULTS_USERS:-64}
seconds=${FAULTS_SECONDS:-12}
soak_seconds=${FAULTS_SOAK_SECONDS:-600}
port=${FAULTS_PORT:-18380}
provider_turns=${FAULTS_PROVIDER_TURNS:-60}
provider_readers=${FAULTS_PROVIDER_READERS:-4}
provider_timeout=${FAULTS_PROVIDER_TIMEOUT:-2}
provider_slow=${FAULTS_PROVIDER_SLOW:-1}
stub_port=${FAULTS_STUB_PORT:-18381}
refused_port=$((stub_port + 1))
pg_name=sigmaris_faults
pg_port=${FAULTS_PG_PORT:-54380}
out=$root/.data/faults

die() { echo "faults: $*" >&2; exit 1; }
say() { echo "faults: $*" >&2; }
for s in "${scenarios[@]}"; do
    case "$s" in
    restart|kill9|soak|provider-hang|provider-refused|provider-slow|provider-drop) ;;
    *) die "unknown scenario '$s' (restart, kill9, soak, provider-hang, provider-refused, provider-slow, provider-drop)" ;;
    esac
done
[ "$users" -ge $((provider_turns + provider_readers)) ] \
    || die "FAULTS_USERS ($users) must be at least FAULTS_PROVIDER_TURNS + FAULTS_PROVIDER_READERS ($((provider_turns + provider_readers)))"

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
stub_pid=""
cleanup() {
    local status=$?
    stop_server TERM
    stop_stub
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
# start_stub ARGS...: scripts/stub-provider.py on 127.0.0.1:FAULTS_STUB_PORT with ARGS, once it answers.
start_stub() {
    python3 scripts/stub-provider.py --port "$stub_port" --dim 64 "$@" 2>>"$out/stub.log" &
    stub_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$stub_port/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$stub_pid" 2>/dev/null || { tail -n 5 "$out/stub.log" >&2; die "the stub provider exited during start-up"; }
        sleep 0.1
    done
    die "the stub provider is not ready after 10 s"
}
stop_stub() {
    [ -n "$stub_pid" ] || return 0
    kill -TERM "$stub_pid" 2>/dev/null || true
    wait "$stub_pid" 2>/dev/null || true
    stub_pid=""
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
# start_server [VAR=value ...]: the server with the local provider, or with the variables given
# (they come last, so they win). No per-user turn rate limit: 64 users at full speed pass its default
# (30 a minute) within seconds on a quiet machine, and its 429s would hide what the faults do.
start_server() {
    env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 \
        DATABASE_URL="$database_url" DATABASE_POOL_SIZE=16 HOST=127.0.0.1 PORT="$port" \
        SUPABASE_JWT_SECRET="$secret" SIGMARIS_LLM_PROVIDER=local SIGMARIS_LOG_LEVEL=warning \
        SIGMARIS_RATE_LIMIT_PER_MINUTE=0 SIGMARIS_MIGRATIONS_DIR="$root/sql" "$@" \
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

# provider_scenario NAME BASE_URL [--stream]: the server with its provider at BASE_URL (the stub, or a
# port nothing listens on), the turns at once while other users read, the figures; then the stub
# stops and the server runs with the local provider again.
provider_scenario() {
    local name=$1 base_url=$2 stream=${3:-} rss0 rss1 hwm
    stop_server TERM
    start_server SIGMARIS_LLM_PROVIDER=openai OPENAI_BASE_URL="$base_url" OPENAI_API_KEY= \
        SIGMARIS_PERSONA_MODEL=stub-chat SIGMARIS_EMBEDDING_MODEL=stub-embedding \
        SIGMARIS_PROVIDER_TIMEOUT="$provider_timeout"
    rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")
    python3 scripts/faults/provider_load.py --base "http://127.0.0.1:$port" --tokens "$out/tokens.txt" \
        --turns "$provider_turns" --readers "$provider_readers" $stream >"$out/$name.json" \
        || die "$name: the load client failed"
    rss1=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")
    curl -sf "http://127.0.0.1:$port/metrics" >"$out/$name-metrics.txt" || true
    record python3 scripts/faults/provider_report.py "$name" "$out/$name.json" "$out/$name-metrics.txt" \
        "$provider_timeout" "$rss0" "$rss1" "$hwm"
    stop_stub
    stop_server TERM
    start_server
}
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
    provider-hang)
        say "provider-hang: a provider that accepts and never answers; $provider_turns turns at once"
        start_stub --hang 1
        provider_scenario provider-hang "http://127.0.0.1:$stub_port/v1"
        record integrity "provider-hang, afterwards"
        ;;
    provider-refused)
        say "provider-refused: nothing listens at the provider's address; $provider_turns turns at once"
        if (exec 3<>"/dev/tcp/127.0.0.1/$refused_port") 2>/dev/null; then die "port $refused_port is in use; set FAULTS_STUB_PORT"; fi
        provider_scenario provider-refused "http://127.0.0.1:$refused_port/v1"
        record integrity "provider-refused, afterwards"
        ;;
    provider-slow)
        say "provider-slow: the first byte of every answer after ${provider_slow} s; $provider_turns turns at once"
        start_stub --first-byte-seconds "$provider_slow" --stream-seconds 0
        provider_scenario provider-slow "http://127.0.0.1:$stub_port/v1"
        record integrity "provider-slow, afterwards"
        ;;
    provider-drop)
        say "provider-drop: streamed replies break off after two pieces; $provider_turns streamed turns at once"
        start_stub --fail-after 2 --stream-seconds 0.5
        provider_scenario provider-drop "http://127.0.0.1:$stub_port/v1" --stream
        record integrity "provider-drop, afterwards"
        ;;
    esac
done

echo
echo "== Sigmaris faults: $connections connections, $users users, $(nproc) cores =="
printf '%s\n' "${results[@]}"
[ "$status" -eq 0 ] || echo "faults: an invariant was broken (see above)"
exit "$status"
