#!/usr/bin/env bash
# The API contract, checked by a well-kept tool: Schemathesis (property-based, driven by the document)
# against the /openapi.json that a real `sigmaris serve` serves, with every check it has
# (`--checks all`): no 5xx, only documented statuses, content types, headers and bodies that match
# the document, schema-valid requests accepted, invalid ones refused, authentication enforced,
# 405 with `Allow` for a method a path does not have. Two runs: as a user (a token from
# `sigmaris token`) and as the service credential (`sigmaris token --service`).
#
# Usage: SIGMARIS_BIN=.build/debug/sigmaris \
#        SIGMARIS_TEST_DATABASE_URL=postgresql://sigmaris:sigmaris@127.0.0.1:54332/sigmaris_browser \
#        scripts/api-contract.sh
# The service migrates the database itself and every run uses new random users, so the database need
# not be empty. The server log and Schemathesis' reports go to .test-artifacts/api-contract/.
# Schemathesis comes from PyPI, pinned, into a virtualenv under the git-ignored .data/ (as
# scripts/openapi-check.sh does for openapi-spec-validator). Its settings are in
# scripts/api-contract.toml (and -service.toml for the service run), each with the reason it is there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
version=4.32.5

bin=${SIGMARIS_BIN:-.build/debug/sigmaris}
database_url=${SIGMARIS_TEST_DATABASE_URL:?set SIGMARIS_TEST_DATABASE_URL to a Postgres the service may migrate}
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
[ -x "$bin" ] || { echo "api-contract: no executable at $bin (swift build --product sigmaris, or set SIGMARIS_BIN)" >&2; exit 1; }

venv=.data/schemathesis-$version
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || scripts/deps.sh python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

artifacts="$root/.test-artifacts/api-contract"
rm -rf "$artifacts"
mkdir -p "$artifacts"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base="http://127.0.0.1:$port"
# A throwaway secret: tokens minted in this run are worthless anywhere else.
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
workdir=$(mktemp -d)
# The user of the run is also its one operator (SIGMARIS_OPERATORS), so the operator routes are
# driven with a user token too, not only refused: a run in which an operation only ever gets
# 401/403 fails (`warnings.fail-on`). A user who is not an operator getting 403 there is checked in
# Swift (OpenAPIResponseTests, OperatorRouteTests).
user_id=$(cat /proc/sys/kernel/random/uuid)

server_pid=
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

# As scripts/browser-test.sh starts it: an empty folder with no .env, everything that could point the
# service elsewhere cleared, the deterministic local provider, dev sign-in on (so POST /api/dev/token
# is served and checked too).
# SIGMARIS_RATE_LIMIT_PER_MINUTE=0 turns the per-user turn limit off for this run: Schemathesis sends
# a few hundred turns of one user within a minute, and the 429 it would then get says nothing about
# the request (the limit has its own tests: TurnLimitTests, OpenAPIResponseTests.limits).
(
    cd "$workdir"
    exec env \
        DATABASE_URL="$database_url" \
        SUPABASE_JWT_SECRET="$secret" \
        SIGMARIS_DEV_SIGNIN=true \
        SIGMARIS_OPERATORS="$user_id" \
        SIGMARIS_PUBLIC_DIR="$root/Public" \
        SIGMARIS_CHARTJS_DIR="${SIGMARIS_CHARTJS_DIR:-/usr/share/javascript/chart.js}" \
        SIGMARIS_MIGRATIONS_DIR="$root/sql" \
        SIGMARIS_LLM_PROVIDER=local \
        SIGMARIS_AUTH_DISABLED=false \
        SIGMARIS_RATE_LIMIT_PER_MINUTE=0 \
        SIGMARIS_METRICS_TOKEN= \
        SIGMARIS_LOG_LEVEL=info \
        SUPABASE_URL= SUPABASE_JWKS_URL= SUPABASE_ANON_KEY= SUPABASE_SERVICE_ROLE_KEY= \
        SIGMARIS_JWT_ISSUER= SIGMARIS_JWT_AUDIENCE= SIGMARIS_CORE_URL= OPENAI_API_KEY= OPENAI_BASE_URL= \
        SIGMARIS_PERSONA_MODEL= SIGMARIS_EMBEDDING_MODEL= \
        HOST= PORT= \
        "$bin" serve --env-file /dev/null --host 127.0.0.1 --port "$port"
) >"$artifacts/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 120); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "api-contract: the service exited before it was ready:" >&2
        tail -n 30 "$artifacts/server.log" >&2
        exit 1
    fi
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$base/readyz" 2>/dev/null && break
    sleep 0.5
done
echo "api-contract: service on $base (log: .test-artifacts/api-contract/server.log), Schemathesis $version"

mint() { env -i PATH="$PATH" SUPABASE_JWT_SECRET="$secret" "$bin" token --env-file /dev/null --lifetime 3600 "$@"; }

# run NAME TOKEN CONFIG [schemathesis options]: one bounded, seeded run; its reports under artifacts/NAME.
run() {
    local name=$1 token=$2 config=$3
    shift 3
    echo "api-contract: as $name"
    # `timeout` is the hard bound should the server hang; the settings keep a run well inside it.
    # Hypothesis keeps a cache of Unicode tables in its storage folder: under .data/, not the work tree.
    HYPOTHESIS_STORAGE_DIRECTORY="$root/.data/hypothesis" \
    timeout 300 "$venv/bin/schemathesis" --config-file "$config" run "$base/openapi.json" \
        --checks all \
        --header "Authorization: Bearer $token" \
        --report junit,har --report-dir "$artifacts/$name" \
        "$@"
}

# Not the policy routes: a user gets 403 on every operator route, and the links from a created policy
# would take stateful scenarios from the user's own links (sessions) that this run must reach; the
# service run below covers them, and OperatorGroupGuardTests every route's 403.
run user "$(mint --user "$user_id")" scripts/api-contract.toml --exclude-path-regex '^/persona/policies'
# The service credential is accepted on /persona/* only (the operator routes and /persona/chat); on
# every other route it is a 401 by design, which the user run already covers. The stateful phase
# follows the links from a created policy to its PATCH and DELETE. Its settings are the
# shared ones plus scripts/api-contract-service.toml's (TOML allows the join: the first file has
# top-level keys before its [[operations]] tables, the second only [[operations]] tables).
cat scripts/api-contract.toml scripts/api-contract-service.toml >"$workdir/service.toml"
run service "$(mint --service)" "$workdir/service.toml" --include-path-regex '^/persona/' \
    --phases examples,coverage,fuzzing,stateful
