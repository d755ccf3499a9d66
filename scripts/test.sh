#!/usr/bin/env bash
# `make test` (and CI): installs missing apt packages, starts two throwaway Postgres clusters on
# loopback (one that a test restarts on purpose) and a third for the browser test, builds, runs the
# browser test (headless Chromium) against the built binary, then every Swift test. Validates the
# OpenAPI document first.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-1}"   # database tests fail rather than skip when the database is missing

scripts/deps.sh
# The API description (Public/openapi.json) must be valid OpenAPI 3.1; the Swift tests hold it to the routes.
scripts/openapi-check.sh

# Three loopback ports; set SIGMARIS_TEST_PG_PORT when 54330..54332 are taken.
port=${SIGMARIS_TEST_PG_PORT:-54330}
restart_port=$((port + 1))
browser_port=$((port + 2))

# Throwaway clusters: no fsync, for speed (the development cluster of `make run` keeps it on).
export SIGMARIS_PG_FSYNC=off
# Start from empty databases every run.
for cluster in "sigmaris_test $port" "sigmaris_restart $restart_port" "sigmaris_browser $browser_port"; do
    scripts/pg.sh start $cluster
    scripts/pg.sh drop $cluster
    scripts/pg.sh start $cluster
done
trap 'scripts/pg.sh stop sigmaris_test $port; scripts/pg.sh stop sigmaris_restart $restart_port; scripts/pg.sh stop sigmaris_browser $browser_port' EXIT

export SIGMARIS_TEST_DATABASE_URL="$(scripts/pg.sh url sigmaris_test $port)"
# The suite's databases start as a Supabase project's does (its API roles, and default privileges
# that hand them ALL on every new object), so every route is tested under what Supabase grants.
for url in "$SIGMARIS_TEST_DATABASE_URL" "$(scripts/pg.sh url sigmaris_browser $browser_port)"; do
    psql "$url" -v ON_ERROR_STOP=1 -q -f scripts/supabase-defaults.sql >/dev/null
done
export SIGMARIS_TEST_RESTART_DATABASE_URL="$(scripts/pg.sh url sigmaris_restart $restart_port)"
export SIGMARIS_TEST_RESTART_COMMAND="$PWD/scripts/pg.sh restart sigmaris_restart $restart_port"
export SIGMARIS_MIGRATIONS_DIR="$PWD/sql"

swift build --build-tests

# The browser test first, so that the last lines printed are swift test's summary. Arguments narrow
# `swift test` (e.g. --filter); the browser test then stays out of the way.
if [ $# -eq 0 ]; then
    SIGMARIS_BIN="$(swift build --show-bin-path)/sigmaris" \
    SIGMARIS_TEST_DATABASE_URL="$(scripts/pg.sh url sigmaris_browser $browser_port)" \
        scripts/browser-test.sh
fi

swift test --skip-build "$@"
