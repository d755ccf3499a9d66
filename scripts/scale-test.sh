#!/usr/bin/env bash
# `make scale-test`: several instances as one service (issue #25), on throwaway clusters, with the
# figures printed. See docs/reliability.md ("Several instances") for a run's figures.
#
#   1. installs what it needs when missing (haproxy, pgbouncer, wrk: Debian packages),
#   2. recreates a loopback Postgres cluster of its own (sigmaris_scale on 127.0.0.1:SCALE_PG_PORT)
#      and applies the migrations there directly (as on Supabase: migrations on the direct port),
#   3. starts PgBouncer in transaction mode in front of it (Supabase's pooler on 6543 works so), and
#      two `sigmaris serve` instances through it with prepared statements off, each with
#      SIGMARIS_RATE_LIMIT_PER_MINUTE=SCALE_RATE_LIMIT and the limits shared (the default),
#   4. starts haproxy with deploy/haproxy.cfg, its `server-template` line replaced by the two local
#      instances (everything else as in the file),
#   5. limits across instances: 2 x SCALE_RATE_LIMIT turns of one user in a row through haproxy,
#      which spreads them over both instances; exactly SCALE_RATE_LIMIT must be accepted, the rest
#      refused with 429 `rate_limited` and Retry-After (before issue #25: all of them accepted),
#   6. a rolling restart under load: wrk drives POST /api/aei through haproxy (SCALE_CONNECTIONS
#      connections, SCALE_USERS users) for SCALE_DURATION seconds while each instance in turn gets
#      SIGTERM, drains and exits, and is started again and back in haproxy's rotation before the
#      next one goes; every request must succeed (no non-2xx answer, no socket error),
#   7. checks every user's rows (2 messages, 1 snapshot, 2 turn rows and 1 episode per turn of the
#      state row's turn_count), that the turns stored match the turns answered, and that no lease
#      is left once the instances stopped,
#   8. prints the figures; exits non-zero when any check failed.
#
# Environment (all optional):
#   SCALE_PG_PORT=54383  SCALE_BOUNCER_PORT=16432  SCALE_PORT=18380 (instances on it and +1, haproxy +2)
#   SCALE_DURATION=40  SCALE_CONNECTIONS=16  SCALE_THREADS=2  SCALE_USERS=2000  SCALE_RATE_LIMIT=10
#   SCALE_BIN=path/to/sigmaris (default: the debug build, built when missing)  SCALE_OUT=.data/scale
#   SCALE_KEEP_PG=0
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bench_label=scale-test
# shellcheck source=scripts/bench/common.sh
. scripts/bench/common.sh

pg_name=sigmaris_scale
pg_port=${SCALE_PG_PORT:-54383}
bouncer_port=${SCALE_BOUNCER_PORT:-16432}
first_port=${SCALE_PORT:-18380}
duration=${SCALE_DURATION:-40}
connections=${SCALE_CONNECTIONS:-16}
threads=${SCALE_THREADS:-2}
users=${SCALE_USERS:-2000}
rate_limit=${SCALE_RATE_LIMIT:-10}
out=${SCALE_OUT:-$root/.data/scale}
for v in pg_port bouncer_port first_port duration connections threads users rate_limit; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
(( duration >= 30 )) || die "SCALE_DURATION must leave time for two restarts (30 s at least)"
ports=("$first_port" "$((first_port + 1))")
lb_port=$((first_port + 2))
lb="http://127.0.0.1:$lb_port"

scripts/deps.sh haproxy pgbouncer wrk
find_pg_tools
rm -rf "$out"
mkdir -p "$out"
chmod 755 "$out"

if [ -n "${SCALE_BIN:-}" ]; then
    bin=$SCALE_BIN
else
    say "building the debug binary (swift build --product sigmaris)"
    swift build --product sigmaris >"$out/build.log" 2>&1 || { tail -n 30 "$out/build.log" >&2; die "the build failed"; }
    bin="$(swift build --show-bin-path)/sigmaris"
fi
[ -x "$bin" ] || die "no binary at $bin"

for p in "${ports[@]}" "$lb_port" "$bouncer_port"; do port_free "$p" || die "port $p is in use"; done

pids=("" "")
haproxy_pid=""
cleanup() {
    for i in 0 1; do
        if [ -n "${pids[$i]}" ]; then kill -KILL "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; fi
    done
    if [ -n "$haproxy_pid" ]; then kill "$haproxy_pid" 2>/dev/null || true; wait "$haproxy_pid" 2>/dev/null || true; fi
    if [ -f "$out/pgbouncer.pid" ]; then kill "$(cat "$out/pgbouncer.pid")" 2>/dev/null || true; fi
    if [ "${SCALE_KEEP_PG:-0}" != 1 ]; then scripts/pg.sh stop "$pg_name" "$pg_port" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# --- 2. the database, migrated directly ---
fresh_database "$pg_name" "$pg_port"
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
env -i PATH="$PATH" DATABASE_URL="$database_url" SIGMARIS_MIGRATIONS_DIR="$root/sql" "$bin" migrate --env-file /dev/null \
    >"$out/migrate.log" 2>&1 || { cat "$out/migrate.log" >&2; die "the migrations failed"; }

# --- 3. PgBouncer in transaction mode, then two instances through it ---
cat >"$out/userlist.txt" <<EOF
"sigmaris" "sigmaris"
EOF
cat >"$out/pgbouncer.ini" <<EOF
[databases]
$pg_name = host=127.0.0.1 port=$pg_port dbname=$pg_name

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $out/userlist.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
logfile = $out/pgbouncer.log
pidfile = $out/pgbouncer.pid
EOF
# PgBouncer refuses to run as root; Postgres' own user runs it then (as scripts/pg.sh does Postgres).
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$out" "$out/pgbouncer.ini" "$out/userlist.txt"
    runuser -u postgres -- pgbouncer -d "$out/pgbouncer.ini"
else
    pgbouncer -d "$out/pgbouncer.ini"
fi
for _ in $(seq 1 50); do port_free "$bouncer_port" || break; sleep 0.1; done
pooled_url="postgresql://sigmaris:sigmaris@127.0.0.1:$bouncer_port/$pg_name"

instance_env() {  # instance_env PORT
    echo env -i PATH="$PATH" DATABASE_URL="$pooled_url" DATABASE_PREPARED_STATEMENTS=off DATABASE_POOL_SIZE=8 \
        SUPABASE_JWT_SECRET="$secret" SIGMARIS_LLM_PROVIDER=local SIGMARIS_LOG_LEVEL=warning \
        SIGMARIS_RATE_LIMIT_PER_MINUTE="$rate_limit" SIGMARIS_DRAIN_TIMEOUT=30 HOST=127.0.0.1 PORT="$1"
}

start_instance() {  # start_instance INDEX
    local i=$1 port=${ports[$1]}
    # shellcheck disable=SC2046
    $(instance_env "$port") "$bin" serve --env-file /dev/null --skip-migrations >>"$out/instance-$i.log" 2>&1 &
    pids[$i]=$!
    wait_ready "http://127.0.0.1:$port" "${pids[$i]}" "$out/instance-$i.log" "instance $i"
}

# POST /api/aei answers of an instance since it started, from its /metrics.
answered() {  # answered PORT [STATUS-REGEX]
    curl -s "http://127.0.0.1:$1/metrics" | awk -v status="${2:-.*}" '
        /^sigmaris_http_requests_total\{/ && /route="\/api\/aei"/ && /method="POST"/ {
            if (match($0, /status="[0-9]+"/) && substr($0, RSTART + 8, RLENGTH - 9) ~ "^(" status ")$") n += $NF
        }
        END { printf "%d\n", n }'
}

start_instance 0
start_instance 1

# --- 4. haproxy with deploy/haproxy.cfg ---
awk -v lb="$lb_port" -v p0="${ports[0]}" -v p1="${ports[1]}" '
    /^resolvers docker/ { skip = 1; next }
    skip && /^$/ { skip = 0; next }
    skip { next }
    /^    log stdout/ { next }
    /^    bind :8080/ { print "    bind 127.0.0.1:" lb; next }
    /^    server-template / { print "    server sigmaris-1 127.0.0.1:" p0 " check"; print "    server sigmaris-2 127.0.0.1:" p1 " check"; next }
    { print }' deploy/haproxy.cfg >"$out/haproxy.cfg"
haproxy -c -q -f "$out/haproxy.cfg" || die "the generated haproxy configuration is invalid ($out/haproxy.cfg)"
haproxy -db -f "$out/haproxy.cfg" >"$out/haproxy.log" 2>&1 &
haproxy_pid=$!
for _ in $(seq 1 100); do curl -sf "$lb/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
# Both instances in rotation (rise 2 checks of 1 s).
sleep 3

# Tokens: the load's users, and one more for the limit check.
for n in $(seq 1 "$users"); do uid "$n"; echo; done | SUPABASE_JWT_SECRET=$secret python3 scripts/bench/mint_tokens.py 7200 >"$out/tokens.txt"
limit_user=$(uid $((users + 1)))
limit_token=$(echo "$limit_user" | SUPABASE_JWT_SECRET=$secret python3 scripts/bench/mint_tokens.py 7200 | cut -d' ' -f2)

failed=0
check() {  # check CONDITION-STATUS MESSAGE
    if [ "$1" -ne 0 ]; then say "FAILED: $2"; failed=1; fi
}

# --- 5. one user's turns per minute across both instances ---
before=("$(answered "${ports[0]}")" "$(answered "${ports[1]}")")
accepted=0 refused=0 other=0 retry_after_ok=1
for _ in $(seq 1 $((2 * rate_limit))); do
    code=$(curl -s -o "$out/limit-answer.json" -D "$out/limit-head.txt" -w '%{http_code}' -X POST "$lb/api/aei" \
        -H "Authorization: Bearer $limit_token" -H 'Content-Type: application/json' -d '{"text":"how many may I send?"}')
    case $code in
        200) accepted=$((accepted + 1)) ;;
        429) refused=$((refused + 1))
             grep -q '"reason":"rate_limited"' "$out/limit-answer.json" || retry_after_ok=0
             grep -qi '^retry-after: [0-9]' "$out/limit-head.txt" || retry_after_ok=0 ;;
        *) other=$((other + 1)) ;;
    esac
done
spread=("$(( $(answered "${ports[0]}") - before[0] ))" "$(( $(answered "${ports[1]}") - before[1] ))")
limit_ok=1
[ "$accepted" -eq "$rate_limit" ] && [ "$refused" -eq "$rate_limit" ] && [ "$other" -eq 0 ] && [ "$retry_after_ok" -eq 1 ] \
    && [ "${spread[0]}" -gt 0 ] && [ "${spread[1]}" -gt 0 ] || limit_ok=0
check $((1 - limit_ok)) "limits across instances: $accepted accepted, $refused refused (429 rate_limited with Retry-After: $retry_after_ok), $other other, answered by the instances: ${spread[*]}"

# --- 6. a rolling restart under load ---
say "rolling restart under load: wrk -t$threads -c$connections -d${duration}s through haproxy, $users users"
wrk -t"$threads" -c"$connections" -d"${duration}"s --timeout 30s --latency -s scripts/bench/aei.lua "$lb" -- "$out/tokens.txt" "$threads" \
    >"$out/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 5
drains=()
for i in 0 1; do
    started=$(date +%s.%N)
    kill -TERM "${pids[$i]}"
    status=0
    wait "${pids[$i]}" || status=$?
    pids[$i]=""
    drains+=("$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')")
    check "$status" "instance $i exited with $status after SIGTERM"
    start_instance "$i"
    # Back in rotation: haproxy sends it turns again (its counters started at zero).
    for _ in $(seq 1 150); do [ "$(answered "${ports[$i]}" 200)" -gt 0 ] && break; sleep 0.1; done
    check $(( $(answered "${ports[$i]}" 200) > 0 ? 0 : 1 )) "instance $i got no turn after its restart"
    sleep 3
done
wait "$wrk_pid" || die "wrk failed: $(cat "$out/wrk.txt")"

requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out/wrk.txt")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$out/wrk.txt")
socket_errors=$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$out/wrk.txt")
rate=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out/wrk.txt")
p50=$(awk '$1 == "50%" { print $2 }' "$out/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$out/wrk.txt")
non2xx=${non2xx:-0}
socket_total=0
for n in $socket_errors; do socket_total=$((socket_total + n)); done
check $(( non2xx + socket_total > 0 ? 1 : 0 )) "rolling restart: $non2xx non-2xx answers and $socket_total socket errors of $requests requests"

# --- 7. every user's rows, the turns stored, the leases left ---
for i in 0 1; do
    kill -TERM "${pids[$i]}"
    wait "${pids[$i]}" || check 1 "instance $i did not stop cleanly"
    pids[$i]=""
done
read -r n_users n_turns bad_messages bad_snapshots bad_turn_rows bad_episodes <<<"$(psql -At -F ' ' -c "
    WITH per_user AS (
        SELECT p.user_id, p.turn_count,
               (SELECT count(*) FROM messages m WHERE m.user_id::text = p.user_id) AS messages,
               (SELECT count(*) FROM sigmaris_state_snapshots s WHERE s.user_id::text = p.user_id) AS snapshots,
               (SELECT count(*) FROM sigmaris_turns t WHERE t.user_id = p.user_id) AS turn_rows,
               (SELECT count(*) FROM sigmaris_episodes e WHERE e.user_id = p.user_id) AS episodes
        FROM sigmaris_persona_state p)
    SELECT count(*), coalesce(sum(turn_count), 0),
           count(*) FILTER (WHERE messages <> 2 * turn_count), count(*) FILTER (WHERE snapshots <> turn_count),
           count(*) FILTER (WHERE turn_rows <> 2 * turn_count), count(*) FILTER (WHERE episodes <> turn_count)
    FROM per_user")"
leases_left=$(psql -At -c "SELECT count(*) FROM sigmaris_work_leases")
answered_ok=$((requests - non2xx + accepted))
check $(( bad_messages + bad_snapshots + bad_turn_rows + bad_episodes > 0 ? 1 : 0 )) \
    "consistency: users whose rows disagree with turn_count: messages $bad_messages, snapshots $bad_snapshots, turn rows $bad_turn_rows, episodes $bad_episodes"
# wrk stops counting at its deadline; the turns it was still waiting for are stored but not counted.
check $(( n_turns >= answered_ok && n_turns <= answered_ok + connections ? 0 : 1 )) \
    "turns stored ($n_turns) do not match the turns answered 200 ($answered_ok, up to $connections more in flight at wrk's end)"
check $(( leases_left == 0 ? 0 : 1 )) "$leases_left shared leases left after both instances stopped"

# --- the cost of the shared limits per turn: their statements alone, through PgBouncer as the instances send them ---
limits_bench() {  # limits_bench CLIENTS SECONDS OUTPUT
    "$pgbench" -n -M extended -c "$1" -j "$(( $1 < threads ? $1 : threads ))" -T "$2" -D nusers="$users" \
        -D holder="$(cat /proc/sys/kernel/random/uuid)" -f scripts/bench/shared-limits.pgbench \
        -h 127.0.0.1 -p "$bouncer_port" -U sigmaris "$pg_name" >"$3" 2>&1 || { cat "$3" >&2; die "pgbench failed"; }
}
limits_bench 1 5 "$out/pgbench-limits-1.txt"
limits_bench "$connections" 10 "$out/pgbench-limits-$connections.txt"
latency_of() { sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$1"; }
tps_of() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$1" | head -n 1; }

cat <<EOF

Several instances as one service (make scale-test): 2 instances through PgBouncer (transaction mode,
prepared statements off) behind haproxy (deploy/haproxy.cfg), on one Postgres.

  limits across instances    one user, $((2 * rate_limit)) turns in a row at a limit of $rate_limit a minute:
                             $accepted accepted, $refused refused (429 rate_limited, Retry-After), answered by
                             instance 1: ${spread[0]}, instance 2: ${spread[1]}   (target: exactly $rate_limit; before #25: $((2 * rate_limit)))
  rolling restart under load $requests requests in ${duration} s (${rate} requests/s, p50 $p50, p99 $p99),
                             $connections connections, $users users; each instance SIGTERM -> drained and exited in
                             ${drains[0]} s and ${drains[1]} s, started again, back in rotation
                             failed: $non2xx non-2xx, $socket_total socket errors   (target: 0)
  consistency                $n_users users, $n_turns turns stored ($answered_ok answered 200);
                             users whose messages, snapshots, turn rows or episodes disagree with turn_count: $((bad_messages + bad_snapshots + bad_turn_rows + bad_episodes))   (target: 0)
  leases left                $leases_left   (target: 0)
  shared limits per turn     3 round trips (bucket, lease, release), through PgBouncer:
                             $(latency_of "$out/pgbench-limits-1.txt") ms at 1 client, $(latency_of "$out/pgbench-limits-$connections.txt") ms at $connections ($(tps_of "$out/pgbench-limits-$connections.txt") turns/s of limits alone)
EOF
[ "$failed" -eq 0 ] || die "some checks failed (logs in $out)"
say "all checks passed"
