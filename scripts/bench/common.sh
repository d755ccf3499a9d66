# Helpers shared by scripts/bench.sh and scripts/bench-stream.sh; sourced, not run. The caller sets
# `bench_label` (the prefix of its messages), `root` (the repository) and `out` (its raw outputs), and
# keeps the server's pid in `server_pid` (and the stub provider's in `stub_pid`).

die() { echo "${bench_label}: $*" >&2; exit 1; }
say() { echo "${bench_label}: $*" >&2; }

# Postgres client tools of the newest installed server: sets psql_bin and pgbench.
find_pg_tools() {
    local bindir
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    pgbench=$bindir/pgbench
    psql_bin=$bindir/psql
    [ -x "$psql_bin" ] || die "psql not found in $bindir (it ships with the postgresql-NN server package)"
}

# build_release_binary SCRATCH: sets bin to BENCH_BIN, or to a release build in SCRATCH (out of the
# way of debug builds).
build_release_binary() {
    if [ -n "${BENCH_BIN:-}" ]; then
        bin=$BENCH_BIN
    else
        say "building the release binary (swift build -c release, scratch $1)"
        swift build -c release --product sigmaris --scratch-path "$1"
        bin="$(swift build -c release --scratch-path "$1" --show-bin-path)/sigmaris"
    fi
    [ -x "$bin" ] || die "no binary at $bin"
}

# port_free PORT: fails when something listens on 127.0.0.1:PORT.
port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# fresh_database NAME PORT: a loopback cluster of its own (fsync off: throwaway) with an empty
# database NAME. Sets database_url, pg_data and postmaster_pid, and defines psql (as the owner).
fresh_database() {
    say "recreating database $1 on 127.0.0.1:$2"
    export SIGMARIS_PG_FSYNC=off   # a throwaway cluster, as the figures in docs/benchmarks.md were measured
    scripts/pg.sh start "$1" "$2"
    scripts/pg.sh drop "$1" "$2" || die "could not drop the bench database (something still connected?)"
    scripts/pg.sh start "$1" "$2"
    database_url=$(scripts/pg.sh url "$1" "$2")
    export PGPASSWORD=sigmaris PGOPTIONS='-c client_min_messages=warning'
    bench_pg_name=$1
    bench_pg_port=$2
    psql() { "$psql_bin" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$bench_pg_port" -U sigmaris -d "$bench_pg_name" "$@"; }
    pg_data=$(psql -At -c 'SHOW data_directory')
    postmaster_pid=$(head -n 1 "$pg_data/postmaster.pid" 2>/dev/null || true)
}

# wait_ready BASE PID LOG NAME: waits (30 s at most) until BASE/readyz answers 200; dies when the
# process PID exits first or the time is up, with the end of LOG.
wait_ready() {
    local tries=300
    for _ in $(seq 1 "$tries"); do
        curl -sf "$1/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$2" 2>/dev/null || { tail -n 20 "$3" >&2; die "$4 exited during start-up"; }
        sleep 0.1
    done
    curl -sf "$1/readyz" >/dev/null || { tail -n 20 "$3" >&2; die "$4 is not ready after $((tries / 10)) s"; }
}

# start_server LOG ENV-COMMAND...: runs `ENV-COMMAND... $bin serve` in the background (server_pid)
# and waits for /readyz on $base.
start_server() {
    local log=$1
    shift
    "$@" "$bin" serve --env-file /dev/null >"$log" 2>&1 &
    server_pid=$!
    wait_ready "$base" "$server_pid" "$log" "the server"
}

stop_server() {
    [ -n "$server_pid" ] || return 0
    if kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# The id of benchmark user N (1, 2, ...).
uid() { printf '00000000-0000-4000-8000-%012d' "$1"; }

# mint_tokens COUNT FILE SECRET: "user-id token" lines for users 1..COUNT, signed with SECRET, sorted
# (scripts/bench/mint_tokens.py: the claims of `sigmaris token --user`, thousands a second).
mint_tokens() {
    say "minting $1 tokens"
    for i in $(seq 1 "$1"); do uid "$i"; echo; done \
        | env -i PATH="$PATH" SUPABASE_JWT_SECRET="$3" "${BENCH_PYTHON:-python3}" "$root/scripts/bench/mint_tokens.py" 7200 \
        | sort >"$2"
    [ "$(awk 'NF == 2' "$2" | wc -l)" -eq "$1" ] || die "could not mint $1 tokens (see $2)"
}

# A fresh random JWT secret (hex, 64 characters).
random_secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# peak_rss_kb PID / rss_kb PID: VmHWM / VmRSS of a live process, in kB.
peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# start_stub PORT LOG ARGS...: scripts/stub-provider.py (an OpenAI-compatible stub) on 127.0.0.1:PORT
# in the background (stub_pid), with ARGS (--dim, --stream-seconds, ...); sets stub_base (its /v1 URL)
# and stub_env (the server's environment for SIGMARIS_LLM_PROVIDER=openai pointed at it), and waits
# for its /healthz.
start_stub() {
    local stub_port=$1 log=$2
    shift 2
    stub_base=http://127.0.0.1:$stub_port/v1
    stub_env=(
        SIGMARIS_LLM_PROVIDER=openai OPENAI_BASE_URL="$stub_base" OPENAI_API_KEY=
        SIGMARIS_PERSONA_MODEL=stub-chat SIGMARIS_EMBEDDING_MODEL=stub-embedding
    )
    "${BENCH_PYTHON:-python3}" "$root/scripts/stub-provider.py" --port "$stub_port" "$@" 2>"$log" &
    stub_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "$stub_base/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$stub_pid" 2>/dev/null || { cat "$log" >&2; die "the stub provider exited during start-up"; }
        sleep 0.1
    done
    die "the stub provider is not ready after 10 s"
}

stop_stub() {
    [ -n "${stub_pid:-}" ] || return 0
    if kill -0 "$stub_pid" 2>/dev/null; then kill -TERM "$stub_pid" 2>/dev/null || true; fi
    wait "$stub_pid" 2>/dev/null || true
    stub_pid=""
}
