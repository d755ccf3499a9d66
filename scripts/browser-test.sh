#!/usr/bin/env bash
# The browser test: starts the built service on a free loopback port with dev sign-in, then drives the
# chat page, the dashboard and the operator page in headless Chromium (Tests/browser/browser_test.py, Selenium).
# A second service, with the OpenAI-compatible provider pointed at scripts/stub-provider.py (a slow
# stream), serves the check that the chat page shows a reply growing before it is complete.
#
# Usage: SIGMARIS_BIN=.build/debug/sigmaris \
#        SIGMARIS_TEST_DATABASE_URL=postgresql://sigmaris:sigmaris@127.0.0.1:54350/sigmaris_browser \
#        scripts/browser-test.sh
# The service migrates the database itself; each run signs in with tokens for new random users
# (minted below with `sigmaris token`), so the database need not be empty. Screenshots and the server log go to .test-artifacts/browser/ (git-ignored).
# Installs what is missing from Debian: chromium, chromium-driver, python3-selenium.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bin=${SIGMARIS_BIN:-.build/debug/sigmaris}
database_url=${SIGMARIS_TEST_DATABASE_URL:?set SIGMARIS_TEST_DATABASE_URL to a Postgres the service may migrate}
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
[ -x "$bin" ] || { echo "browser-test: no executable at $bin (swift build --product sigmaris, or set SIGMARIS_BIN)" >&2; exit 1; }

scripts/deps.sh chromium chromium-driver python3-selenium fonts-dejavu-core
# Debian's Selenium is installed for Debian's Python, whatever python3 comes first on PATH.
python=/usr/bin/python3

artifacts="$root/.test-artifacts/browser"
rm -rf "$artifacts"
mkdir -p "$artifacts"

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port)
base="http://127.0.0.1:$port"
# A throwaway secret: tokens minted in this run are worthless anywhere else.
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
workdir=$(mktemp -d)
# The one operator of this run (SIGMARIS_OPERATORS); its token is minted below like the others.
operator_id=$(cat /proc/sys/kernel/random/uuid)

# The streaming check runs against a second service whose OpenAI-compatible provider is
# scripts/stub-provider.py: a reply of 8 chunks spread over 2 s, so the page can be seen to grow it.
stream_port=$(free_port)
stub_port=$(free_port)
stream_base="http://127.0.0.1:$stream_port"

pids=()
stop_pid() {
    kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    status=$?
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_service LOG PORT [VAR=value ...]: the service in the background, its pid appended to pids.
# Everything that could point the service elsewhere is cleared (an empty value means unset), and it
# runs in an empty folder with no .env, so a developer's settings cannot leak into the test; the
# arguments after the port (the provider) come last and win.
start_service() {
    local log=$1 port=$2
    shift 2
    (
        cd "$workdir"
        exec env \
            DATABASE_URL="$database_url" \
            SUPABASE_JWT_SECRET="$secret" \
            SIGMARIS_DEV_SIGNIN=true \
            SIGMARIS_OPERATORS="$operator_id" \
            SIGMARIS_PUBLIC_DIR="$root/Public" \
            SIGMARIS_CHARTJS_DIR="${SIGMARIS_CHARTJS_DIR:-/usr/share/javascript/chart.js}" \
            SIGMARIS_MIGRATIONS_DIR="$root/sql" \
            SIGMARIS_LLM_PROVIDER=local \
            SIGMARIS_AUTH_DISABLED=false \
            SIGMARIS_LOG_LEVEL=info \
            SUPABASE_URL= SUPABASE_JWKS_URL= SUPABASE_ANON_KEY= SUPABASE_SERVICE_ROLE_KEY= \
            SIGMARIS_JWT_ISSUER= SIGMARIS_JWT_AUDIENCE= SIGMARIS_CORE_URL= OPENAI_API_KEY= OPENAI_BASE_URL= \
            SIGMARIS_PERSONA_MODEL= SIGMARIS_EMBEDDING_MODEL= \
            HOST= PORT= \
            "$@" \
            "$bin" serve --env-file /dev/null --host 127.0.0.1 --port "$port"
    ) >"$log" 2>&1 &
    pids+=($!)
}

# answers URL: whether a GET of URL succeeds.
answers() { "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null; }

# wait_ready BASE LOG PID: until /readyz answers, or fails with the log's tail.
wait_ready() {
    local name=${2##*/}
    for _ in $(seq 1 120); do
        if ! kill -0 "$3" 2>/dev/null; then
            echo "browser-test: the service exited before it was ready ($name):" >&2
            tail -n 30 "$2" >&2
            exit 1
        fi
        if answers "$1/readyz"; then
            return 0
        fi
        sleep 0.5
    done
    echo "browser-test: /readyz did not answer within 60s ($name)" >&2
    tail -n 30 "$2" >&2
    exit 1
}

start_service "$artifacts/server.log" "$port"
echo "browser-test: service on $base (log: .test-artifacts/browser/server.log)"
wait_ready "$base" "$artifacts/server.log" "${pids[-1]}"

# Started once the first service has migrated the database, so the two never migrate at once.
"$python" scripts/stub-provider.py --port "$stub_port" --chunks 8 --stream-seconds 2 >"$artifacts/stub-provider.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
    answers "http://127.0.0.1:$stub_port/healthz" && break
    sleep 0.2
done
start_service "$artifacts/server-streaming.log" "$stream_port" \
    SIGMARIS_LLM_PROVIDER=openai OPENAI_BASE_URL="http://127.0.0.1:$stub_port/v1" \
    SIGMARIS_PERSONA_MODEL=stub-chat SIGMARIS_EMBEDDING_MODEL=stub-embedding
echo "browser-test: streaming service on $stream_base, provider scripts/stub-provider.py on 127.0.0.1:$stub_port"
wait_ready "$stream_base" "$artifacts/server-streaming.log" "${pids[-1]}"

# Tokens for four new users, the operator and the service, signed with this run's secret, as a person would mint them.
mint_user_token() {
    env -i PATH="$PATH" SUPABASE_JWT_SECRET="$secret" \
        "$bin" token --env-file /dev/null --user "${1:-$(cat /proc/sys/kernel/random/uuid)}" --lifetime 3600
}

SIGMARIS_BROWSER_BASE_URL="$base" SIGMARIS_BROWSER_ARTIFACTS="$artifacts" \
SIGMARIS_BROWSER_CHAT_TOKEN="$(mint_user_token)" \
SIGMARIS_BROWSER_EMPTY_TOKEN="$(mint_user_token)" \
SIGMARIS_BROWSER_LINK_TOKEN="$(mint_user_token)" \
SIGMARIS_BROWSER_OPERATOR_TOKEN="$(mint_user_token "$operator_id")" \
SIGMARIS_BROWSER_SERVICE_TOKEN="$(env -i PATH="$PATH" SUPABASE_JWT_SECRET="$secret" "$bin" token --env-file /dev/null --service --lifetime 3600)" \
SIGMARIS_BROWSER_STREAM_BASE_URL="$stream_base" \
SIGMARIS_BROWSER_STREAM_TOKEN="$(mint_user_token)" \
    timeout 180 "$python" Tests/browser/browser_test.py
