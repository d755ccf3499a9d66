#!/usr/bin/env bash
# The browser test: starts the built service on a free loopback port with dev sign-in, then drives the
# chat page, the dashboard and the operator page in headless Chromium (Tests/browser/browser_test.py, Selenium).
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

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base="http://127.0.0.1:$port"
# A throwaway secret: tokens minted in this run are worthless anywhere else.
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
workdir=$(mktemp -d)
# The one operator of this run (SIGMARIS_OPERATORS); its token is minted below like the others.
operator_id=$(cat /proc/sys/kernel/random/uuid)

server_pid=""
cleanup() {
    status=$?
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Everything that could point the service elsewhere is cleared (an empty value means unset), and it
# runs in an empty folder with no .env, so a developer's settings cannot leak into the test.
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
        HOST= PORT= \
        "$bin" serve --env-file /dev/null --host 127.0.0.1 --port "$port"
) >"$artifacts/server.log" 2>&1 &
server_pid=$!

echo "browser-test: service on $base (log: .test-artifacts/browser/server.log)"
ready=""
for _ in $(seq 1 120); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "browser-test: the service exited before it was ready:" >&2
        tail -n 30 "$artifacts/server.log" >&2
        exit 1
    fi
    if "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$base/readyz" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.5
done
[ -n "$ready" ] || { echo "browser-test: /readyz did not answer within 60s" >&2; tail -n 30 "$artifacts/server.log" >&2; exit 1; }

# Tokens for three new users and the operator, signed with this run's secret, as a person would mint them.
mint_user_token() {
    env -i PATH="$PATH" SUPABASE_JWT_SECRET="$secret" \
        "$bin" token --env-file /dev/null --user "${1:-$(cat /proc/sys/kernel/random/uuid)}" --lifetime 3600
}

SIGMARIS_BROWSER_BASE_URL="$base" SIGMARIS_BROWSER_ARTIFACTS="$artifacts" \
SIGMARIS_BROWSER_CHAT_TOKEN="$(mint_user_token)" \
SIGMARIS_BROWSER_EMPTY_TOKEN="$(mint_user_token)" \
SIGMARIS_BROWSER_LINK_TOKEN="$(mint_user_token)" \
SIGMARIS_BROWSER_OPERATOR_TOKEN="$(mint_user_token "$operator_id")" \
    timeout 150 "$python" Tests/browser/browser_test.py
