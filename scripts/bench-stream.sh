#!/usr/bin/env bash
# `make bench-stream`: streaming turns (issue #12) end to end, against an OpenAI-compatible stub
# provider (scripts/stub-provider.py) that sends its first chunk at once and the rest over 2 seconds.
# See docs/benchmarks.md ("Streaming").
#
#   1. builds the release binary (into .build-bench/, shared with `make bench`),
#   2. recreates the database of a loopback cluster of its own (sigmaris_bench_stream on 127.0.0.1:54390),
#   3. starts the stub, then `sigmaris serve` with SIGMARIS_LLM_PROVIDER=openai pointed at it, and
#      mints one token per user (BENCH_STREAM_USERS, 500 by default: no two streams share a user),
#   4. (a) the stub's own time to first chunk, straight at the stub, at BENCH_STREAM_CONCURRENCY (16)
#      concurrent streams; then the same load through the service (`POST /api/aei`,
#      `Accept: text/event-stream`, one user per stream): time to first delta, and the difference,
#      which is what the service adds (target < 20 ms). The stub logs when each provider request
#      arrived and when its first chunk left, so the overhead is also given per stream;
#   5. (b) BENCH_STREAM_MANY (500) streams at once, one per user: completed, errors, the server's
#      peak RSS (VmHWM; target < 200 MB);
#   6. (c) counts `messages` and `sigmaris_state_snapshots` rows: every completed stream must have
#      stored its two messages and its snapshot, and nothing else may be there.
#
# The load client (scripts/bench/stream_client.py) checks every stream: status 200, text/event-stream,
# deltas, then a `done` whose `output` equals the concatenated deltas. The script exits non-zero when
# any stream failed or the rows do not match; the speed and memory targets are printed, not asserted.
# Raw outputs stay in .data/bench-stream/.
#
# Environment (all optional):
#   BENCH_STREAM_CONCURRENCY=16  BENCH_STREAM_ROUNDS=5 (turns per stream slot in phase a)
#   BENCH_STREAM_MANY=500  BENCH_STREAM_USERS=500 (at least both of the above)
#   BENCH_STREAM_SECONDS=2  BENCH_STREAM_CHUNKS=8 (the stub's stream)
#   BENCH_POOL_SIZE=16  BENCH_PORT=18390  BENCH_STUB_PORT=18391  BENCH_PG_PORT=54390
#   BENCH_BIN=path/to/sigmaris (skips the build)  BENCH_SCRATCH=.build-bench  BENCH_KEEP_PG=0
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bench_label=bench-stream
# shellcheck source=scripts/bench/common.sh
. scripts/bench/common.sh

concurrency=${BENCH_STREAM_CONCURRENCY:-16}
rounds=${BENCH_STREAM_ROUNDS:-5}
many=${BENCH_STREAM_MANY:-500}
users=${BENCH_STREAM_USERS:-500}
stream_seconds=${BENCH_STREAM_SECONDS:-2}
chunks=${BENCH_STREAM_CHUNKS:-8}
pool_size=${BENCH_POOL_SIZE:-16}
port=${BENCH_PORT:-18390}
stub_port=${BENCH_STUB_PORT:-18391}
pg_name=sigmaris_bench_stream
pg_port=${BENCH_PG_PORT:-54390}
scratch=${BENCH_SCRATCH:-$root/.build-bench}
out=$root/.data/bench-stream
python=${BENCH_PYTHON:-python3}

for v in concurrency rounds many users chunks pool_size port stub_port pg_port; do
    [[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || die "$v must be a whole number above 0 (got '${!v}')"
done
[ "$users" -ge "$many" ] && [ "$users" -ge "$concurrency" ] \
    || die "BENCH_STREAM_USERS ($users) must be at least BENCH_STREAM_MANY ($many) and BENCH_STREAM_CONCURRENCY ($concurrency)"

# --- tools and binary --------------------------------------------------------------------------------
find_pg_tools
command -v "$python" >/dev/null || die "$python not found"
build_release_binary "$scratch"
# Every stream holds a client socket, a server socket and a provider socket, and the stub one more.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((many * 4 + 256)) ] \
    || say "warning: ulimit -n is $(ulimit -n); $many streams need about $((many * 4 + 256)) descriptors"

# --- state and cleanup -------------------------------------------------------------------------------
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.log "$out"/*.jsonl "$out"/*.json
server_pid=""
stub_pid=""
cleanup() {
    local status=$?
    stop_server
    stop_stub
    if [ "${BENCH_KEEP_PG:-0}" != 1 ]; then scripts/pg.sh stop "$pg_name" "$pg_port" || true; fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free "$port" || die "port $port is in use; set BENCH_PORT"
port_free "$stub_port" || die "port $stub_port is in use; set BENCH_STUB_PORT"
fresh_database "$pg_name" "$pg_port"

# --- the stub provider -------------------------------------------------------------------------------
start_stub "$stub_port" "$out/stub.log" --stream-seconds "$stream_seconds" --chunks "$chunks" \
    --first-chunk-log "$out/stub-first-chunks.jsonl"

# --- server ------------------------------------------------------------------------------------------
secret=$(random_secret)
# A clean environment and no .env, so nothing of the caller's changes what is measured. Every user
# makes at most BENCH_STREAM_ROUNDS turns one after another, but the rate limit is off all the same.
server_env=(
    env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8
    DATABASE_URL="$database_url" DATABASE_POOL_SIZE="$pool_size" HOST=127.0.0.1 PORT="$port"
    SUPABASE_JWT_SECRET="$secret" SIGMARIS_TRACE=true SIGMARIS_LOG_LEVEL=warning "${stub_env[@]}"
    SIGMARIS_RATE_LIMIT_PER_MINUTE=0 SIGMARIS_MAX_QUEUED_TURNS=1000
)
say "starting the server on 127.0.0.1:$port (pool $pool_size, provider: the stub on 127.0.0.1:$stub_port)"
base=http://127.0.0.1:$port
start_server "$out/server.log" "${server_env[@]}"
mint_tokens "$users" "$out/tokens.txt" "$secret"

client() { "$python" scripts/bench/stream_client.py "$@"; }
# field JSON-FILE EXPRESSION: one value of a client's summary (Python expression over `s`).
field() { "$python" -c 'import json, sys; s = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
completed_total=0
# run_phase NAME ARGS...: a client run; its summary goes to $out/NAME.json, one line per stream to NAME.jsonl.
run_phase() {
    local name=$1
    shift
    client "$@" --records "$out/$name.jsonl" >"$out/$name.json" || die "$name: the load client failed"
    say "$name: $(cat "$out/$name.json")"
}

# --- (a) time to first delta at 16 streams: the stub alone, then through the service ------------------
say "warm-up: $concurrency streams through the service"
run_phase warmup service --base "$base" --tokens "$out/tokens.txt" --streams "$concurrency"
say "(a) $concurrency concurrent streams x $rounds, straight at the stub"
run_phase stub-direct stub --base "$stub_base" --streams "$concurrency" --repeat "$rounds"
say "(a) $concurrency concurrent streams x $rounds, through the service"
run_phase service-16 service --base "$base" --tokens "$out/tokens.txt" --streams "$concurrency" --repeat "$rounds"
client overhead --records "$out/service-16.jsonl" --stub-log "$out/stub-first-chunks.jsonl" >"$out/overhead.json"

# --- (b) many streams at once ----------------------------------------------------------------------------
say "(b) $many concurrent streams through the service, one user each"
rss_before_kb=$(rss_kb "$server_pid")
run_phase service-many service --base "$base" --tokens "$out/tokens.txt" --streams "$many"
rss_peak=$(peak_rss_kb "$server_pid")
rss_after_kb=$(rss_kb "$server_pid")

# --- (c) rows ----------------------------------------------------------------------------------------------
for phase in warmup service-16 service-many; do
    completed_total=$((completed_total + $(field "$out/$phase.json" 's["completed"]')))
done
failed_total=0
for phase in warmup stub-direct service-16 service-many; do
    failed_total=$((failed_total + $(field "$out/$phase.json" 's["errors"]')))
done
stop_server
messages=$(psql -At -c 'SELECT count(*) FROM public.messages')
snapshots=$(psql -At -c 'SELECT count(*) FROM public.sigmaris_state_snapshots')
grep -iE '"?level"?[=:]"?(error|critical)' "$out/server.log" | head -n 5 >&2 || true

# --- report ------------------------------------------------------------------------------------------------
"$python" - "$out" "$concurrency" "$rounds" "$many" "$stream_seconds" "$chunks" "$pool_size" \
    "$rss_peak" "$rss_before_kb" "$rss_after_kb" "$completed_total" "$messages" "$snapshots" <<'EOF' | tee "$out/results.txt"
import json, sys
out, concurrency, rounds, many, seconds, chunks, pool = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5], *map(int, sys.argv[6:8])
hwm, rss_before, rss_after, completed, messages, snapshots = map(int, sys.argv[8:14])
load = lambda name: json.load(open(f"{out}/{name}.json"))
stub, service, burst, matched = load("stub-direct"), load("service-16"), load("service-many"), load("overhead")
yes = lambda ok: "met" if ok else "MISSED"
def ms(s, key):
    return f"median {s[key]['median']:.2f} ms, p99 {s[key]['p99']:.2f} ms" if s.get(key) else "no completed stream"
print(f"\n== Sigmaris bench-stream: POST /api/aei as SSE, stub provider ({chunks} chunks, first at once, the rest over {seconds} s), pool {pool} ==")
print(f"(a) {concurrency} concurrent streams x {rounds}")
print(f"    stub alone      first chunk  {ms(stub, 'first_ms')}   ({stub['completed']}/{stub['streams']} streams)")
print(f"    service         first delta  {ms(service, 'first_ms')}; done {ms(service, 'done_ms')}   ({service['completed']}/{service['streams']} streams)")
overhead = None
if stub.get("first_ms") and service.get("first_ms"):
    overhead = service["first_ms"]["median"] - stub["first_ms"]["median"]
    p99 = service["first_ms"]["p99"] - stub["first_ms"]["p99"]
    print(f"    added by the service: median {overhead:.2f} ms, p99 {p99:.2f} ms (service minus stub alone)")
if matched.get("overhead_ms"):
    o = matched["overhead_ms"]
    print(f"    per stream, minus the stub's own receive-to-first-chunk time: median {o['median']:.2f} ms, p99 {o['p99']:.2f} ms ({matched['matched']} matched)")
print(f"(b) {many} concurrent streams: {burst['completed']} completed, {burst['errors']} errors; first delta {ms(burst, 'first_ms')}; done {ms(burst, 'done_ms')}")
print(f"    server peak RSS {hwm / 1024:.1f} MB (VmHWM; {rss_before / 1024:.1f} MB before the burst, {rss_after / 1024:.1f} MB after)")
rows_ok = messages == 2 * completed and snapshots == completed
print(f"(c) rows: {messages} messages (expected {2 * completed}), {snapshots} snapshots (expected {completed}) for {completed} completed streams: {'all stored' if rows_ok else 'MISMATCH'}")
print(f"targets   overhead < 20 ms: {yes(overhead is not None and overhead < 20)}   {many} streams held: {yes(burst['completed'] == many)}   RSS < 200 MB: {yes(hwm < 200 * 1024)}   rows stored: {yes(rows_ok)}")
for name, s in (("stub alone", stub), ("service", service), ("burst", burst)):
    for sample in s["error_samples"]:
        print(f"error ({name}): {sample}")
EOF
say "raw outputs in ${out#"$root"/}/"
[ "$failed_total" -eq 0 ] || die "$failed_total streams failed (see the error lines above and $out/*.jsonl)"
[ "$messages" -eq $((2 * completed_total)) ] && [ "$snapshots" -eq "$completed_total" ] \
    || die "rows do not match the completed streams: $messages messages, $snapshots snapshots for $completed_total"
