#!/usr/bin/env bash
# `make test` (and CI): installs missing apt packages, starts two throwaway Postgres clusters on
# loopback (one that a test restarts on purpose), builds, and runs every test against them.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-1}"   # database tests fail rather than skip when the database is missing

scripts/deps.sh

# Two loopback ports; set SIGMARIS_TEST_PG_PORT when 54330/54331 are taken.
port=${SIGMARIS_TEST_PG_PORT:-54330}
restart_port=$((port + 1))

# Start from empty databases every run.
for cluster in "sigmaris_test $port" "sigmaris_restart $restart_port"; do
    scripts/pg.sh start $cluster
    scripts/pg.sh drop $cluster
    scripts/pg.sh start $cluster
done
trap 'scripts/pg.sh stop sigmaris_test $port; scripts/pg.sh stop sigmaris_restart $restart_port' EXIT

export SIGMARIS_TEST_DATABASE_URL="$(scripts/pg.sh url sigmaris_test $port)"
export SIGMARIS_TEST_RESTART_DATABASE_URL="$(scripts/pg.sh url sigmaris_restart $restart_port)"
export SIGMARIS_TEST_RESTART_COMMAND="$PWD/scripts/pg.sh restart sigmaris_restart $restart_port"
export SIGMARIS_MIGRATIONS_DIR="$PWD/sql"

swift build --build-tests
swift test --skip-build "$@"
