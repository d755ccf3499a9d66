#!/usr/bin/env bash
# `make bench`: end-to-end throughput and latency of `POST /api/aei`, next to what the same Postgres
# does with the same SQL under pgbench, in one run. See docs/benchmarks.md for the figures.
#
#   1. builds the release binary (into .build-bench/, out of the way of debug builds),
#   2. recreates the database of a loopback cluster of its own (sigmaris_bench on 127.0.0.1:54370),
#   3. starts `sigmaris serve` with the local provider and mints one token per benchmark user,
#   4. makes BENCH_SEED_TURNS turns for a template user through the API and clones that history to
#      every other user in SQL, so every turn recalls over a full episode window,
#   5. warms up, then drives POST /api/aei with wrk (BENCH_CONNECTIONS connections, BENCH_THREADS
#      threads, tokens rotating over BENCH_USERS users) for BENCH_DURATION seconds, sampling the
#      server's peak RSS (VmHWM) and the CPU time of the server and of Postgres,
#   6. stops the server and runs pgbench on the same database with the SQL of one turn
#      (scripts/bench/turn.pgbench, filled with the values of a real turn) for the same duration and
#      client count, then once more with the write transaction only,
#   7. prints requests/s, p50/p99, peak RSS, pgbench tps and the ratio service / pgbench.
#
# It exits non-zero when the service answered more than BENCH_MAX_ERROR_RATE of the requests with a
# non-2xx status (or wrk saw socket errors above that rate), or when pgbench failed. The targets are
# printed as figures, not asserted. Raw outputs stay in .data/bench/.
#
# Environment (all optional):
#   BENCH_DURATION=20  BENCH_WARMUP=3  BENCH_CONNECTIONS=16  BENCH_THREADS=2  BENCH_USERS=200
#   BENCH_SEED_TURNS=50  BENCH_POOL_SIZE=16  BENCH_PORT=18370  BENCH_PG_PORT=54370
#   BENCH_MAX_ERROR_RATE=0.01  BENCH_WRITES_ONLY=1 (0 skips the writes-only pgbench pass)
#   BENCH_BIN=path/to/sigmaris (skips the build)  BENCH_SCRATCH=.build-bench  BENCH_KEEP_PG=0
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
pool_size=${BENCH_POOL_SIZE:-16}
port=${BENCH_PORT:-18370}
pg_name=sigmaris_bench
pg_port=${BENCH_PG_PORT:-54370}
max_error_rate=${BENCH_MAX_ERROR_RATE:-0.01}
writes_only=${BENCH_WRITES_ONLY:-1}
scratch=${BENCH_SCRATCH:-$root/.build-bench}
profile=${BENCH_PROFILE:-}
out=$root/.data/bench
template=00000000-0000-4000-8000-000000000001

for v in duration warmup connections threads users seed_turns pool_size port pg_port; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
[ "$users" -ge "$connections" ] || die "BENCH_USERS ($users) must be at least BENCH_CONNECTIONS ($connections)"
case "$profile" in ""|perf) ;; *) die "BENCH_PROFILE must be empty or perf" ;; esac

# --- tools -------------------------------------------------------------------------------------------
extra=(wrk)
[ "$profile" = perf ] && extra+=(linux-perf)
scripts/deps.sh "${extra[@]}"
find_pg_tools
[ -x "$pgbench" ] || die "pgbench not found next to $psql_bin (it ships with the postgresql-NN server package)"
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"

# --- binary ------------------------------------------------------------------------------------------
build_release_binary "$scratch"

# --- state and cleanup -------------------------------------------------------------------------------
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.log "$out"/*.pgbench "$out"/perf.data*
server_pid=""
load_pid=""
cleanup() {
    local status=$?
    if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then kill "$load_pid" 2>/dev/null || true; fi
    stop_server
    if [ "${BENCH_KEEP_PG:-0}" != 1 ]; then scripts/pg.sh stop "$pg_name" "$pg_port" || true; fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- database: a fresh database on the bench cluster ---------------------------------------------------
port_free "$port" || die "port $port is in use; set BENCH_PORT"
fresh_database "$pg_name" "$pg_port"

# --- server ------------------------------------------------------------------------------------------
secret=$(random_secret)
# A clean environment and no .env, so nothing of the caller's (an OpenAI key, a remote core, JWKS)
# changes what is measured.
server_env=(
    env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8
    DATABASE_URL="$database_url" DATABASE_POOL_SIZE="$pool_size" HOST=127.0.0.1 PORT="$port"
    SUPABASE_JWT_SECRET="$secret" SIGMARIS_LLM_PROVIDER=local SIGMARIS_TRACE=true SIGMARIS_LOG_LEVEL=warning
    SIGMARIS_RATE_LIMIT_PER_MINUTE=0   # the load is many turns per user a minute on purpose
)
say "starting the server on 127.0.0.1:$port (pool $pool_size${profile:+, under $profile})"
base=http://127.0.0.1:$port
start_server "$out/server.log" "${server_env[@]}"

# --- users and tokens --------------------------------------------------------------------------------
mint_tokens "$users" "$out/tokens.txt" "$secret"
template_token=$(awk -v u="$template" '$1 == u { print $2 }' "$out/tokens.txt")

# --- seed: the template user's turns through the API, cloned to every user -----------------------------
say "seeding: $seed_turns turns for the template user through the API, cloned to $((users - 1)) users"
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
psql -v nusers="$users" -v template="$template" -f scripts/bench/seed.sql
read -r seeded_users min_episodes max_episodes < <(psql -At -F ' ' -c \
    "SELECT count(*), min(n), max(n) FROM (SELECT count(*) AS n FROM public.sigmaris_episodes GROUP BY user_id) e")
[ "$seeded_users" -eq "$users" ] || die "seeded $seeded_users users, expected $users"
say "seeded $seeded_users users with $min_episodes..$max_episodes episodes each"

# --- helpers for the measured phases ---------------------------------------------------------------------
clk_tck=$(getconf CLK_TCK)
# CPU ticks of a process and of its reaped children.
proc_ticks() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    echo $(( ${12} + ${13} + ${14} + ${15} ))
}
# CPU ticks of the whole Postgres cluster: the postmaster (which accumulates exited backends) and
# every live child.
cluster_ticks() {
    [ -n "$postmaster_pid" ] || { echo 0; return; }
    local total child
    total=$(proc_ticks "$postmaster_pid")
    for child in $(ps -o pid= --ppid "$postmaster_pid"); do total=$(( total + $(proc_ticks "$child") )); done
    echo "$total"
}
# CPU milliseconds of this shell's finished children (the load generators), from the `times` builtin,
# into the variable named $1 (`times` must run in this shell, not in a $(...) subshell).
children_ms() {
    times >"$out/times.txt"
    printf -v "$1" '%s' "$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d\n", t * 1000 }' "$out/times.txt")"
}
# A wrk latency figure (850.00us, 1.23ms, 1.02s, 1.5m) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.2f\n", n }'
}
wrk_run() {  # wrk_run SECONDS OUTPUT
    wrk -t"$threads" -c"$connections" -d"$1"s --timeout 10s --latency -s scripts/bench/aei.lua "$base" \
        -- "$out/tokens.txt" "$threads" >"$2" 2>&1 &
    load_pid=$!
    wait "$load_pid" || { cat "$2" >&2; die "wrk failed"; }
    load_pid=""
}
# Requests, failed requests (non-2xx/3xx plus socket errors) of a wrk output.
wrk_counts() {
    awk '/ requests in / { r = $1 }
         /Non-2xx or 3xx responses:/ { e += $NF }
         /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
         END { printf "%d %d\n", r, e }' "$1"
}
check_errors() {  # check_errors WRK_OUTPUT PHASE
    local requests failed
    read -r requests failed < <(wrk_counts "$1")
    [ "$requests" -gt 0 ] || { cat "$1" >&2; die "$2: wrk completed no request"; }
    if awk -v f="$failed" -v r="$requests" -v m="$max_error_rate" 'BEGIN { exit !(f > r * m) }'; then
        cat "$1" >&2
        echo "--- one request by hand:" >&2
        curl -s -i "$base/api/aei" -H "Authorization: Bearer $template_token" -H 'Content-Type: application/json' \
            --data '{"text": "hello"}' | head -c 2000 >&2 || true
        echo; echo "--- server log:" >&2; tail -n 20 "$out/server.log" >&2
        die "$2: $failed of $requests requests failed (non-2xx or socket errors), above BENCH_MAX_ERROR_RATE=$max_error_rate"
    fi
}

# --- warm-up, then the measured wrk run -------------------------------------------------------------------
if [ "$warmup" -gt 0 ]; then
    say "warm-up: ${warmup} s"
    wrk_run "$warmup" "$out/wrk-warmup.txt"
    check_errors "$out/wrk-warmup.txt" warm-up
fi

case "$profile" in
perf)
    perf record -F 999 -g -p "$server_pid" -o "$out/perf.data" -- sleep "$duration" >"$out/perf-record.log" 2>&1 &
    perf_pid=$!
    ;;
esac
say "measuring: POST /api/aei, $connections connections, $threads threads, $users users, ${duration} s"
load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
server_t0=$(proc_ticks "$server_pid"); pg_t0=$(cluster_ticks); children_ms wrk_ms0
wrk_run "$duration" "$out/wrk.txt"
server_t1=$(proc_ticks "$server_pid"); pg_t1=$(cluster_ticks); children_ms wrk_ms1
load_after=$(cut -d ' ' -f 1-3 /proc/loadavg)
rss_peak_kb=$(peak_rss_kb "$server_pid")
rss_now_kb=$(rss_kb "$server_pid")
check_errors "$out/wrk.txt" "measured run"

rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out/wrk.txt")
p50=$(to_ms "$(awk '/Latency Distribution/ { f = 1 } f && $1 == "50%" { print $2; exit }' "$out/wrk.txt")")
p90=$(to_ms "$(awk '/Latency Distribution/ { f = 1 } f && $1 == "90%" { print $2; exit }' "$out/wrk.txt")")
p99=$(to_ms "$(awk '/Latency Distribution/ { f = 1 } f && $1 == "99%" { print $2; exit }' "$out/wrk.txt")")
read -r requests failed < <(wrk_counts "$out/wrk.txt")

[ "$profile" = perf ] && { wait "$perf_pid" || true; }

stop_server
grep -iE '"?level"?[=:]"?(error|critical)' "$out/server.log" | head -n 5 >&2 || true

# --- pgbench with the same SQL on the same database ------------------------------------------------------
say "pgbench: the SQL of one turn, $connections clients, ${duration} s"
psql -v template="$template" -f scripts/bench/turn-values.sql >"$out/turn-values.txt" \
    || die "could not take the template turn's values (see above)"
cp scripts/bench/turn.pgbench "$out/turn.pgbench"
sed '/^-- begin recall/,/^-- end recall/d' scripts/bench/turn.pgbench >"$out/writes.pgbench"

pgbench_run() {  # pgbench_run SCRIPT OUTPUT
    local pg_ms0 pg_ms1 status=0
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
pg_p0=$(cluster_ticks); children_ms pgb_ms0
pgbench_run "$out/turn.pgbench" "$out/pgbench.txt"
pg_p1=$(cluster_ticks); children_ms pgb_ms1
tps=$(awk '/^tps = / { print $3 }' "$out/pgbench.txt")
pg_lat=$(awk '/^latency average = / { print $4 }' "$out/pgbench.txt")
pg_tx=$(awk '/^number of transactions actually processed:/ { print $NF }' "$out/pgbench.txt")

tps_w=""
if [ "$writes_only" = 1 ]; then
    say "pgbench: the write transaction only (no recall read), ${duration} s"
    pgbench_run "$out/writes.pgbench" "$out/pgbench-writes.txt"
    tps_w=$(awk '/^tps = / { print $3 }' "$out/pgbench-writes.txt")
fi

# --- report ------------------------------------------------------------------------------------------------
report() {
    awk -v rps="$rps" -v p50="$p50" -v p90="$p90" -v p99="$p99" -v req="$requests" -v failed="$failed" \
        -v hwm="$rss_peak_kb" -v rss="$rss_now_kb" -v dur="$duration" -v tck="$clk_tck" \
        -v st="$((server_t1 - server_t0))" -v pt="$((pg_t1 - pg_t0))" -v wms="$((wrk_ms1 - wrk_ms0))" \
        -v tps="$tps" -v pglat="$pg_lat" -v pgtx="$pg_tx" -v ppt="$((pg_p1 - pg_p0))" -v pgbms="$((pgb_ms1 - pgb_ms0))" \
        -v tpsw="$tps_w" -v conns="$connections" -v threads="$threads" -v users="$users" -v eps="$min_episodes" \
        -v pool="$pool_size" -v lb="$load_before" -v la="$load_after" -v prof="$profile" '
    function yes(ok) { return ok ? "met" : "MISSED" }
    BEGIN {
        srv_cores = st / tck / dur; pg_cores = pt / tck / dur; wrk_cores = wms / 1000 / dur
        printf "\n== Sigmaris bench: POST /api/aei, local provider, %d connections / %d threads, %d users (%d+ episodes each), %d s, pool %d%s ==\n",
            conns, threads, users, eps, dur, pool, (prof != "" ? ", PROFILED WITH " prof " (figures not comparable)" : "")
        printf "service   %.1f requests/s   p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   (%d requests, %d failed)\n", rps, p50, p90, p99, req, failed
        printf "server    peak RSS %.1f MB (VmHWM; %.1f MB at the end)\n", hwm / 1024, rss / 1024
        printf "CPU       server %.2f cores (%.0f us/request), postgres %.2f cores (%.0f us/request), wrk %.2f cores\n",
            srv_cores, (req ? st / tck * 1e6 / req : 0), pg_cores, (req ? pt / tck * 1e6 / req : 0), wrk_cores
        printf "pgbench   the SQL of one turn: %.1f tps, latency avg %s ms (%d transactions); postgres %.2f cores (%.0f us/tx), pgbench %.2f cores\n",
            tps, pglat, pgtx, ppt / tck / dur, (pgtx ? ppt / tck * 1e6 / pgtx : 0), pgbms / 1000 / dur
        if (tpsw != "") printf "pgbench   the write transaction only (no recall read): %.1f tps\n", tpsw
        ratio = tps > 0 ? rps / tps : 0
        printf "ratio     service / pgbench = %.1f%%", ratio * 100
        if (tpsw != "" && tpsw > 0) printf "   (service / writes-only pgbench = %.1f%%)", rps / tpsw * 100
        printf "\n"
        printf "targets   >= 1000 req/s: %s   p99 < 50 ms: %s   RSS < 150 MB: %s   ratio >= 30%%: %s\n",
            yes(rps >= 1000), yes(p99 < 50), yes(hwm < 150 * 1024), yes(ratio >= 0.30)
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
