#!/usr/bin/env bash
# `make bench`: end-to-end throughput and latency of `POST /api/aei`, next to what the same Postgres
# does under pgbench, and what a turn costs in storage and on the wire, in one run, with the targets
# of issue #15 beside each figure. See docs/benchmarks.md for the figures.
#
#   1. builds the release binary (into .build-bench/, out of the way of debug builds),
#   2. recreates the database of a loopback cluster of its own (sigmaris_bench on 127.0.0.1:54370),
#   3. starts `sigmaris serve` with the local provider (or, with BENCH_PROVIDER=stub, the
#      OpenAI-compatible provider pointed at scripts/stub-provider.py with BENCH_EMBEDDING_DIM-number
#      embeddings) and mints one token per benchmark user,
#   4. makes BENCH_SEED_TURNS turns for a template user through the API and copies that history to
#      every other user in SQL (scripts/bench/seed.sql, every table), so every turn recalls over a
#      full episode window; with BENCH_EPISODES=N, scripts/bench/seed-history.sql instead gives
#      every user N episodes and their messages (the tables a turn reads) with generate_series,
#   5. warms up, then drives POST /api/aei with wrk (BENCH_CONNECTIONS connections, BENCH_THREADS
#      threads, tokens rotating over BENCH_USERS users) for BENCH_DURATION seconds, sampling the
#      server's peak RSS (VmHWM), the CPU time of the server and of Postgres, the bytes Postgres sent
#      and received on its connections (ss), and the size of every table before and after (VACUUM),
#   6. stops the server and runs pgbench on the same database for the same duration and client
#      count: the whole SQL of one turn (scripts/bench/turn.pgbench, filled with the values of a real
#      turn), then the minimal write set (scripts/bench/minimal-writes.pgbench: 2 messages + 1 state
#      snapshot in one transaction),
#   7. prints requests/s, p50/p99, peak RSS, bytes per turn, pgbench tps, the ratios and the targets.
#
# It exits non-zero when the service answered more than BENCH_MAX_ERROR_RATE of the requests with a
# non-2xx status (or wrk saw socket errors above that rate), or when pgbench failed. The targets are
# printed as figures, not asserted. Raw outputs stay in BENCH_OUT (.data/bench/); figures.txt there
# has the figures as name=value lines (scripts/bench-scale.sh reads them).
#
# Bytes per turn: the growth of every table of the database (heap, TOAST, indexes; after VACUUM) over
# the measured run, divided by its turns. When scripts/bench/bytes-per-turn.sql exists, its figure is
# printed as well: it is run with `psql -At -v turns=N` after the run and must print a line
# `total|<bytes>|<bytes per turn>|...` (the whole database's bytes over every stored turn).
#
# Environment (all optional):
#   BENCH_DURATION=20  BENCH_WARMUP=3  BENCH_CONNECTIONS=16  BENCH_THREADS=2  BENCH_USERS=200
#   BENCH_SEED_TURNS=50  BENCH_EPISODES= (see 4)  BENCH_POOL_SIZE=16  BENCH_PORT=18370
#   BENCH_PG_PORT=54370  BENCH_MAX_ERROR_RATE=0.01  BENCH_PGBENCH=1 (0 skips both pgbench passes)
#   BENCH_SHARED_LIMITS=true (false: limits counted per process only)  BENCH_RATE_LIMIT=0 (turns per user a minute)
#   BENCH_MEMORY=archive (window: recall reads the 50 newest episodes only, no archive search; issue #23)
#   BENCH_PROVIDER=local|stub  BENCH_STUB_PORT=BENCH_PORT+1  BENCH_EMBEDDING_DIM=1536 (stub only)
#   BENCH_TURN_BASELINE_TPS=419.3  BENCH_TURN_BASELINE_SHARE=23.8 (turn.pgbench on main before issue
#     #15, as tps and as % of the minimal writes of the same run; docs/benchmarks.md "Turn cost (#15)")
#   BENCH_BIN=path/to/sigmaris (skips the build)  BENCH_SCRATCH=.build-bench  BENCH_KEEP_PG=0
#   BENCH_OUT=.data/bench  BENCH_LABEL (a name for this run, printed in the title)
#   BENCH_PROFILE=perf: sample the server with `perf record -g` during the measured phase and print
#     its top costs (valgrind 3.19, Debian 12's, crashes on the binary's libdispatch signal thread).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bench_label=bench
# shellcheck source=scripts/bench/common.sh
. scripts/bench/common.sh

duration=${BENCH_DURATION:-20}
warmup=${BENCH_WARMUP:-3}
connections=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}
users=${BENCH_USERS:-200}
seed_turns=${BENCH_SEED_TURNS:-50}
episodes=${BENCH_EPISODES:-}
pool_size=${BENCH_POOL_SIZE:-16}
port=${BENCH_PORT:-18370}
pg_name=sigmaris_bench
pg_port=${BENCH_PG_PORT:-54370}
max_error_rate=${BENCH_MAX_ERROR_RATE:-0.01}
run_pgbench=${BENCH_PGBENCH:-1}
provider=${BENCH_PROVIDER:-local}
stub_port=${BENCH_STUB_PORT:-$((port + 1))}
embedding_dim=${BENCH_EMBEDDING_DIM:-1536}
# turn.pgbench on main before the work of issue #15, the mean of three runs (docs/benchmarks.md,
# "Turn cost (#15)"): its rate, and its rate as a share of the minimal write set's in the same run
# (less moved by the machine's load than the rate).
turn_baseline_tps=${BENCH_TURN_BASELINE_TPS:-419.3}
turn_baseline_share=${BENCH_TURN_BASELINE_SHARE:-23.8}
scratch=${BENCH_SCRATCH:-$root/.build-bench}
profile=${BENCH_PROFILE:-}
out=${BENCH_OUT:-$root/.data/bench}
template=00000000-0000-4000-8000-000000000001

for v in duration warmup connections threads users seed_turns pool_size port pg_port stub_port embedding_dim ${episodes:+episodes}; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
[ "$users" -ge "$connections" ] || die "BENCH_USERS ($users) must be at least BENCH_CONNECTIONS ($connections)"
[ "$seed_turns" -gt 0 ] || die "BENCH_SEED_TURNS must be at least 1"
case "$profile" in ""|perf) ;; *) die "BENCH_PROFILE must be empty or perf" ;; esac
case "$provider" in local|stub) ;; *) die "BENCH_PROVIDER must be local or stub" ;; esac
[[ $turn_baseline_tps =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "BENCH_TURN_BASELINE_TPS must be a number"
[[ $turn_baseline_share =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "BENCH_TURN_BASELINE_SHARE must be a number"

# --- tools -------------------------------------------------------------------------------------------
extra=(wrk)
[ "$profile" = perf ] && extra+=(linux-perf)
scripts/deps.sh "${extra[@]}"
find_pg_tools
[ -x "$pgbench" ] || die "pgbench not found next to $psql_bin (it ships with the postgresql-NN server package)"
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v ss >/dev/null || die "ss not found (apt-get install iproute2)"

# --- binary ------------------------------------------------------------------------------------------
build_release_binary "$scratch"

# --- state and cleanup -------------------------------------------------------------------------------
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.log "$out"/*.pgbench "$out"/perf.data*
server_pid=""
stub_pid=""
load_pid=""
cleanup() {
    local status=$?
    if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then kill "$load_pid" 2>/dev/null || true; fi
    stop_server
    stop_stub
    if [ "${BENCH_KEEP_PG:-0}" != 1 ]; then scripts/pg.sh stop "$pg_name" "$pg_port" || true; fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- database: a fresh database on the bench cluster ---------------------------------------------------
port_free "$port" || die "port $port is in use; set BENCH_PORT"
fresh_database "$pg_name" "$pg_port"
# shellcheck source=scripts/bench/measure.sh
. scripts/bench/measure.sh

# --- server ------------------------------------------------------------------------------------------
secret=$(random_secret)
provider_env=(SIGMARIS_LLM_PROVIDER=local)
provider_label="local provider"
if [ "$provider" = stub ]; then
    port_free "$stub_port" || die "port $stub_port is in use; set BENCH_STUB_PORT"
    start_stub "$stub_port" "$out/stub.log" --dim "$embedding_dim"
    provider_env=("${stub_env[@]}")
    provider_label="OpenAI-compatible provider on the stub, $embedding_dim-number embeddings"
fi
# A clean environment and no .env, so nothing of the caller's (an OpenAI key, a remote core, JWKS)
# changes what is measured.
server_env=(
    env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8
    DATABASE_URL="$database_url" DATABASE_POOL_SIZE="$pool_size" HOST=127.0.0.1 PORT="$port"
    SUPABASE_JWT_SECRET="$secret" "${provider_env[@]}" SIGMARIS_TRACE=true SIGMARIS_LOG_LEVEL=warning
    # The load is many turns per user a minute on purpose: no limit, unless BENCH_RATE_LIMIT sets one
    # (a high one still costs its statement per turn: what issue #25 measured with BENCH_SHARED_LIMITS).
    SIGMARIS_RATE_LIMIT_PER_MINUTE="${BENCH_RATE_LIMIT:-0}" SIGMARIS_SHARED_LIMITS="${BENCH_SHARED_LIMITS:-true}"
    SIGMARIS_MEMORY="${BENCH_MEMORY:-archive}"
)
say "starting the server on 127.0.0.1:$port (pool $pool_size, $provider_label${profile:+, under $profile})"
base=http://127.0.0.1:$port
start_server "$out/server.log" "${server_env[@]}"

# --- users and tokens --------------------------------------------------------------------------------
mint_tokens "$users" "$out/tokens.txt" "$secret"
template_token=$(awk -v u="$template" '$1 == u { print $2 }' "$out/tokens.txt")

# --- seed: the template user's turns through the API, copied to every user -----------------------------
say "seeding: $seed_turns turns for the template user through the API"
texts=(
    "I have been thinking about my work and whether I should change jobs this year."
    "I felt tired today, but a walk in the park in the evening helped me calm down."
    "My sister is visiting next week and I want to plan something nice for her."
    "I started reading a book about habits; it says small steps matter more than goals."
    "Work was stressful: the deadline moved and nobody told me until this morning."
    "I want to learn to cook better. What should a beginner start with?"
    "I slept badly again. Maybe I drink too much coffee in the afternoon."
    "We talked about moving to another city. I am excited and a little scared."
)
for i in $(seq 1 "$seed_turns"); do
    text=${texts[$(( (i - 1) % ${#texts[@]} ))]}
    code=$(curl -s -o "$out/seed-response.txt" -w '%{http_code}' "$base/api/aei" \
        -H "Authorization: Bearer $template_token" -H 'Content-Type: application/json' \
        -H "x-session-id: bench-$template" --data "{\"text\": \"$text (note $i)\"}")
    [ "$code" = 200 ] || { cat "$out/seed-response.txt" >&2; echo >&2; die "seed turn $i answered $code"; }
done
if [ -n "$episodes" ]; then
    say "seeding: $episodes episodes and their messages for each of $users users (scripts/bench/seed-history.sql)"
    df -h "$pg_data" | tail -n 1 >&2
    psql -v nusers="$users" -v nepisodes="$episodes" -v template="$template" -f scripts/bench/seed-history.sql >/dev/null
    say "database size after seeding: $(psql -At -c 'SELECT pg_size_pretty(pg_database_size(current_database()))')"
else
    say "seeding: the template's history copied to $((users - 1)) users (scripts/bench/seed.sql)"
    psql -v nusers="$users" -v template="$template" -f scripts/bench/seed.sql
fi
read -r seeded_users min_episodes max_episodes < <(psql -At -F ' ' -c \
    "SELECT count(*), min(n), max(n) FROM (SELECT count(*) AS n FROM public.sigmaris_episodes GROUP BY user_id) e")
[ "$seeded_users" -eq "$users" ] || die "seeded $seeded_users users, expected $users"
say "seeded $seeded_users users with $min_episodes..$max_episodes episodes each"
read -r window_rows window_text window_binary < <(recall_window_bytes "$template"; echo)

# --- warm-up, then the measured wrk run -------------------------------------------------------------------
if [ "$warmup" -gt 0 ]; then
    say "warm-up: ${warmup} s"
    wrk_run "$warmup" "$out/wrk-warmup.txt"
    check_errors "$out/wrk-warmup.txt" warm-up
fi

table_bytes "$out/tables-before.txt"
turns0=$(psql -At -c 'SELECT count(*) FROM public.sigmaris_state_snapshots')
case "$profile" in
perf)
    perf record -F 999 -g -p "$server_pid" -o "$out/perf.data" -- sleep "$duration" >"$out/perf-record.log" 2>&1 &
    perf_pid=$!
    ;;
esac
say "measuring: POST /api/aei, $connections connections, $threads threads, $users users, ${duration} s"
load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
read -r wire_sent0 wire_recv0 < <(wire_bytes)
server_t0=$(proc_ticks "$server_pid"); pg_t0=$(cluster_ticks); children_ms wrk_ms0
wrk_run "$duration" "$out/wrk.txt"
server_t1=$(proc_ticks "$server_pid"); pg_t1=$(cluster_ticks); children_ms wrk_ms1
read -r wire_sent1 wire_recv1 < <(wire_bytes)
load_after=$(cut -d ' ' -f 1-3 /proc/loadavg)
rss_peak_kb=$(peak_rss_kb "$server_pid")
rss_now_kb=$(rss_kb "$server_pid")
check_errors "$out/wrk.txt" "measured run"

rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out/wrk.txt")
p50=$(wrk_percentile "$out/wrk.txt" 50)
p90=$(wrk_percentile "$out/wrk.txt" 90)
p99=$(wrk_percentile "$out/wrk.txt" 99)
read -r requests failed < <(wrk_counts "$out/wrk.txt")

[ "$profile" = perf ] && { wait "$perf_pid" || true; }

stop_server
grep -iE '"?level"?[=:]"?(error|critical)' "$out/server.log" | head -n 5 >&2 || true

# --- what the measured turns left in the database ----------------------------------------------------------
turns=$(( $(psql -At -c 'SELECT count(*) FROM public.sigmaris_state_snapshots') - turns0 ))
table_bytes "$out/tables-after.txt"
read -r bytes_per_turn bytes_by_table < <(bytes_growth "$out/tables-before.txt" "$out/tables-after.txt" "$turns")
bytes_sql=""
if [ -f scripts/bench/bytes-per-turn.sql ]; then
    psql -At -v turns="$turns" -f scripts/bench/bytes-per-turn.sql >"$out/bytes-per-turn.txt" \
        || die "scripts/bench/bytes-per-turn.sql failed"
    bytes_sql=$(awk -F '|' '$1 == "total" { print $3 }' "$out/bytes-per-turn.txt")
fi

# --- pgbench on the same database ----------------------------------------------------------------------------
pgbench_run() {  # pgbench_run SCRIPT OUTPUT
    local status=0
    "$pgbench" -h 127.0.0.1 -p "$pg_port" -U sigmaris -n -M extended -r -c "$connections" -j "$threads" -T "$duration" \
        -D nusers="$users" -D loaded=0 -f "$1" "$pg_name" >"$2" 2>&1 &
    load_pid=$!
    wait "$load_pid" || status=$?
    load_pid=""
    if [ "$status" -ne 0 ] || grep -qE 'aborted|number of failed transactions: [1-9]' "$2"; then
        cat "$2" >&2
        die "pgbench failed on $1"
    fi
}
tps="" pg_lat="" pg_tx=0 tps_min="" pg_p0=0 pg_p1=0 pgb_ms0=0 pgb_ms1=0
if [ "$run_pgbench" = 1 ]; then
    say "pgbench: the SQL of one turn, $connections clients, ${duration} s"
    psql -v template="$template" -f scripts/bench/turn-values.sql >"$out/turn-values.txt" \
        || die "could not take the template turn's values (see above)"
    psql -v template="$template" -f scripts/bench/minimal-writes.sql \
        || die "could not take the template turn's frontend rows (see above)"
    cp scripts/bench/turn.pgbench scripts/bench/minimal-writes.pgbench "$out/"
    pg_p0=$(cluster_ticks); children_ms pgb_ms0
    pgbench_run "$out/turn.pgbench" "$out/pgbench.txt"
    pg_p1=$(cluster_ticks); children_ms pgb_ms1
    tps=$(awk '/^tps = / { print $3 }' "$out/pgbench.txt")
    pg_lat=$(awk '/^latency average = / { print $4 }' "$out/pgbench.txt")
    pg_tx=$(awk '/^number of transactions actually processed:/ { print $NF }' "$out/pgbench.txt")

    say "pgbench: the minimal write set (2 messages + 1 state snapshot in one transaction), ${duration} s"
    pgbench_run "$out/minimal-writes.pgbench" "$out/pgbench-minimal.txt"
    tps_min=$(awk '/^tps = / { print $3 }' "$out/pgbench-minimal.txt")
fi

# --- report ------------------------------------------------------------------------------------------------
cat >"$out/figures.txt" <<FIGURES
rps=$rps
p50=$p50
p99=$p99
requests=$requests
failed=$failed
rss_peak_kb=$rss_peak_kb
bytes_per_turn=$bytes_per_turn
turn_tps=$tps
minimal_tps=$tps_min
users=$users
episodes=$min_episodes
FIGURES
report() {
    awk -v rps="$rps" -v p50="$p50" -v p90="$p90" -v p99="$p99" -v req="$requests" -v failed="$failed" \
        -v hwm="$rss_peak_kb" -v rss="$rss_now_kb" -v dur="$duration" -v tck="$clk_tck" \
        -v st="$((server_t1 - server_t0))" -v pt="$((pg_t1 - pg_t0))" -v wms="$((wrk_ms1 - wrk_ms0))" \
        -v tps="$tps" -v pglat="$pg_lat" -v pgtx="$pg_tx" -v ppt="$((pg_p1 - pg_p0))" -v pgbms="$((pgb_ms1 - pgb_ms0))" \
        -v tpsmin="$tps_min" -v base_tps="$turn_baseline_tps" -v base_share="$turn_baseline_share" -v conns="$connections" -v threads="$threads" \
        -v users="$users" -v eps="$min_episodes" -v pool="$pool_size" -v lb="$load_before" -v la="$load_after" \
        -v prof="$profile" -v provider="$provider_label" -v label="${BENCH_LABEL:-}" \
        -v turns="$turns" -v bpt="$bytes_per_turn" -v bytab="$bytes_by_table" -v bsql="$bytes_sql" \
        -v sent="$((wire_sent1 - wire_sent0))" -v recv="$((wire_recv1 - wire_recv0))" \
        -v wrows="$window_rows" -v wtext="$window_text" -v wbin="$window_binary" '
    function yes(ok) { return ok ? "met" : "MISSED" }
    function kb(b) { return sprintf("%.1f KB", b / 1000) }
    BEGIN {
        srv_cores = st / tck / dur; pg_cores = pt / tck / dur; wrk_cores = wms / 1000 / dur
        printf "\n== Sigmaris bench%s: POST /api/aei, %s, %d connections / %d threads, %d users (%d+ episodes each), %d s, pool %d%s ==\n",
            (label != "" ? " (" label ")" : ""), provider, conns, threads, users, eps, dur, pool,
            (prof != "" ? ", PROFILED WITH " prof " (figures not comparable)" : "")
        printf "service   %.1f requests/s   p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   (%d requests, %d failed)\n", rps, p50, p90, p99, req, failed
        printf "server    peak RSS %.1f MB (VmHWM; %.1f MB at the end)\n", hwm / 1024, rss / 1024
        printf "CPU       server %.2f cores (%.0f us/request), postgres %.2f cores (%.0f us/request), wrk %.2f cores\n",
            srv_cores, (req ? st / tck * 1e6 / req : 0), pg_cores, (req ? pt / tck * 1e6 / req : 0), wrk_cores
        printf "storage   %d bytes per turn, all tables after VACUUM (%d turns)%s\n", bpt, turns,
            (bsql != "" ? sprintf("; scripts/bench/bytes-per-turn.sql: %s bytes", bsql) : "")
        printf "          by table, bytes per turn: %s\n", bytab
        printf "wire      postgres sent %s and received %s per request", kb(req ? sent / req : 0), kb(req ? recv / req : 0)
        if (wtext != "") printf "; one recall read (%d episodes): %s as text, %s as binary", wrows, kb(wtext), kb(wbin)
        printf "\n"
        if (tps != "") {
            printf "pgbench   the SQL of one turn (turn.pgbench): %.1f tps, latency avg %s ms (%d transactions); postgres %.2f cores (%.0f us/tx), pgbench %.2f cores\n",
                tps, pglat, pgtx, ppt / tck / dur, (pgtx ? ppt / tck * 1e6 / pgtx : 0), pgbms / 1000 / dur
            printf "pgbench   the minimal write set (2 messages + 1 state snapshot in one transaction): %.1f tps\n", tpsmin
            printf "ratio     service / minimal writes = %.1f%%   service / turn.pgbench = %.1f%%\n",
                (tpsmin > 0 ? rps / tpsmin * 100 : 0), (tps > 0 ? rps / tps * 100 : 0)
            printf "ratio     turn.pgbench / baseline %.1f tps = %s   turn.pgbench / minimal writes = %.1f%% (baseline %.1f%%: %s)\n",
                base_tps, (base_tps > 0 ? sprintf("%.2fx", tps / base_tps) : "n/a"),
                (tpsmin > 0 ? tps / tpsmin * 100 : 0), base_share,
                (base_share > 0 && tpsmin > 0 ? sprintf("%.2fx", tps / tpsmin * 100 / base_share) : "n/a")
        }
        printf "targets   "
        if (tps != "") printf "service >= 25%% of minimal writes: %s   ", yes(tpsmin > 0 && rps >= 0.25 * tpsmin)
        printf "p99 <= 50 ms: %s   RSS <= 150 MB: %s   <= 6 KB per turn: %s", yes(p99 <= 50), yes(hwm <= 150 * 1024), yes(bpt <= 6000)
        if (tps != "") printf "   turn.pgbench >= 3x baseline: %s", (base_tps > 0 ? yes(tps >= 3 * base_tps) : "n/a")
        printf "\n"
        printf "machine   load average %s before, %s after the wrk run (2 cores: anything else running skews the figures)\n", lb, la
    }'
}
report | tee "$out/results.txt"

# --- profile ----------------------------------------------------------------------------------------------
case "$profile" in
perf)
    perf report -i "$out/perf.data" --no-children --sort symbol --stdio 2>/dev/null | grep -v '^$' | head -n 60 >"$out/perf-self.txt" || true
    perf report -i "$out/perf.data" --children --sort symbol --stdio -g none 2>/dev/null | grep -v '^$' | head -n 80 >"$out/perf-children.txt" || true
    head -n 45 "$out/perf-self.txt"
    ;;
esac
say "raw outputs in ${out#"$root"/}/"
