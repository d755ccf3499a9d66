#!/usr/bin/env bash
# `make test` (and CI): installs missing apt packages, starts two throwaway Postgres clusters on
# loopback (one that a test restarts on purpose), a third for the browser test and the API
# contract run, and a fourth with pgvector (PostgreSQL 18, for the memory and migration tests), builds, runs the browser test (headless Chromium) and the contract run
# (Schemathesis against /openapi.json) against the built binary, then every Swift test. Validates
# the OpenAPI document first.
#
# The terminal gets one line per phase and the totals at the end; each phase's whole output goes to
# .test-artifacts/test-<phase>.log (shown in part when the phase fails), and the error logs the
# fault tests provoke on purpose to .test-artifacts/test-errors.log (SIGMARIS_TEST_LOG_FILE, read by
# the tests' loggers). SIGMARIS_TEST_VERBOSE=1 prints every phase's output as well.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-1}"   # database tests fail rather than skip when the database is missing

artifacts=.test-artifacts
mkdir -p "$artifacts"
export SIGMARIS_TEST_LOG_FILE="$PWD/$artifacts/test-errors.log"
: > "$SIGMARIS_TEST_LOG_FILE"
verbose=${SIGMARIS_TEST_VERBOSE:-0}

# The browser test and the contract run only without arguments (arguments narrow `swift test`,
# e.g. --filter).
phases=8
[ $# -eq 0 ] || phases=6
phase_number=0
run_start=$SECONDS

# phase NAME COMMAND...: runs COMMAND with its output in .test-artifacts/test-NAME.log, on one line
# of the terminal; on failure, the log's tail (or what FAILURE_FILTER picks from it) and the exit.
phase() {
    local name=$1 log="$artifacts/test-$1.log" start=$SECONDS status=0
    shift
    phase_number=$((phase_number + 1))
    printf '[%d/%d] %-14s ' "$phase_number" "$phases" "$name"
    if [ "$verbose" = 1 ]; then
        echo
        "$@" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
    else
        "$@" >"$log" 2>&1 || status=$?
    fi
    if [ "$status" -ne 0 ]; then
        echo "FAILED after $((SECONDS - start))s (exit $status); the whole output: $log"
        if [ -n "${FAILURE_FILTER:-}" ] && grep -Eq "$FAILURE_FILTER" "$log"; then
            grep -E "$FAILURE_FILTER" "$log" | head -n 60
        else
            tail -n 40 "$log"
        fi
        exit "$status"
    fi
    printf 'ok (%ds)%s\n' "$((SECONDS - start))" "${PHASE_NOTE:+, $PHASE_NOTE}"
}

phase deps scripts/deps.sh
# The API description (Public/openapi.json) must be valid OpenAPI 3.1; the Swift tests hold it to the routes.
phase openapi scripts/openapi-check.sh
# The Prometheus alert rules (deploy/prometheus/alerts.yml): promtool's syntax check and unit tests.
phase alerts scripts/alert-rules-check.sh

# Four loopback ports; set SIGMARIS_TEST_PG_PORT when 54330..54333 are taken.
port=${SIGMARIS_TEST_PG_PORT:-54330}
restart_port=$((port + 1))
browser_port=$((port + 2))
# The fourth: PostgreSQL 18 with pgvector (scripts/pgvector.sh installs it under .data/), where the
# memory and migration tests run a second time (SIGMARIS_TEST_PGVECTOR_URL, TestPostgres).
vector_port=$((port + 3))

# Throwaway clusters: no fsync, for speed (the development cluster of `make run` keeps it on).
export SIGMARIS_PG_FSYNC=off
export SIGMARIS_TEST_DATABASE_URL="$(scripts/pg.sh url sigmaris_test $port)"
browser_database_url="$(scripts/pg.sh url sigmaris_browser $browser_port)"
export SIGMARIS_TEST_PGVECTOR_URL="$(scripts/pg.sh url sigmaris_vector $vector_port)"
vector_bin=""   # set by databases once scripts/pgvector.sh printed it
databases() {
    # Start from empty databases every run.
    for cluster in "sigmaris_test $port" "sigmaris_restart $restart_port" "sigmaris_browser $browser_port"; do
        scripts/pg.sh start $cluster
        scripts/pg.sh drop $cluster
        scripts/pg.sh start $cluster
    done
    # The suite's databases start as a Supabase project's does (its API roles, and default privileges
    # that hand them ALL on every new object), so every route is tested under what Supabase grants.
    for url in "$SIGMARIS_TEST_DATABASE_URL" "$browser_database_url"; do
        psql "$url" -v ON_ERROR_STOP=1 -q -f scripts/supabase-defaults.sql
    done
    # This function runs under `|| status=$?`, where `set -e` does not apply: stop here by hand, or
    # the cluster below would be started with PostgreSQL 15.
    vector_bin=$(scripts/pgvector.sh) && [ -n "$vector_bin" ] || return 1
    SIGMARIS_PG_BINDIR="$vector_bin" scripts/pg.sh start sigmaris_vector $vector_port
    SIGMARIS_PG_BINDIR="$vector_bin" scripts/pg.sh drop sigmaris_vector $vector_port
    SIGMARIS_PG_BINDIR="$vector_bin" scripts/pg.sh start sigmaris_vector $vector_port
    "$vector_bin/psql" "$SIGMARIS_TEST_PGVECTOR_URL" -v ON_ERROR_STOP=1 -q -f scripts/supabase-defaults.sql
}
# Stopping them at the end is no news either: into the databases phase's log.
trap '{ scripts/pg.sh stop sigmaris_test $port; scripts/pg.sh stop sigmaris_restart $restart_port; scripts/pg.sh stop sigmaris_browser $browser_port; [ -z "$vector_bin" ] || SIGMARIS_PG_BINDIR="$vector_bin" scripts/pg.sh stop sigmaris_vector $vector_port; } >>"$artifacts/test-databases.log" 2>&1' EXIT
phase databases databases

export SIGMARIS_TEST_RESTART_DATABASE_URL="$(scripts/pg.sh url sigmaris_restart $restart_port)"
export SIGMARIS_TEST_RESTART_COMMAND="$PWD/scripts/pg.sh restart sigmaris_restart $restart_port"
export SIGMARIS_MIGRATIONS_DIR="$PWD/sql"

FAILURE_FILTER=': error: ' phase build swift build --build-tests
# Compiler warnings are news; SwiftPM's note about a dependency's undeclared resource files is not ours.
warnings=$(grep -E ': warning: ' "$artifacts/test-build.log" | sort -u | wc -l || true)
[ "$warnings" -eq 0 ] || { echo "        build printed $warnings compiler warning(s):"; grep -E ': warning: ' "$artifacts/test-build.log" | sort -u | head -n 20; }

# The browser test and the contract run first, so that the last lines printed are swift test's
# summary. Both use the third cluster, one after the other, each with users of its own.
if [ $# -eq 0 ]; then
    bin="$(swift build --show-bin-path)/sigmaris"
    SIGMARIS_BIN="$bin" SIGMARIS_TEST_DATABASE_URL="$browser_database_url" \
        FAILURE_FILTER='FAILED|console:|Traceback|Error' phase browser scripts/browser-test.sh
    # The API contract: Schemathesis drives every documented route from the served /openapi.json
    # (about a minute on 2 cores; see scripts/api-contract.sh). On failure: each finding, the answer
    # it got and the curl line that reproduces it.
    SIGMARIS_BIN="$bin" SIGMARIS_TEST_DATABASE_URL="$browser_database_url" \
        FAILURE_FILTER='^_{5,} |ST[0-9]{3}|^\[[0-9]{3}\]|^    `|curl |⚠|🚫|Error|rror:' phase contract scripts/api-contract.sh
fi

# Every test uses Swift Testing; --disable-xctest skips the empty XCTest pass (its "Executed 0 tests").
FAILURE_FILTER='✘|: error: |Fatal error' phase swift-test swift test --skip-build --disable-xctest "$@"

# Totals.
echo "totals (whole output and logs in $artifacts/):"
if [ $# -eq 0 ]; then
    echo "  browser: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$artifacts/test-browser.log" | tail -n 1) checks; screenshots in $artifacts/browser/"
    echo "  contract: $(grep -E '^ +[0-9]+ generated' "$artifacts/test-contract.log" | sed -E 's/^ +//' | paste -sd';' | sed 's/;/; /') (user; service); reports in $artifacts/api-contract/"
fi
echo "  swift:   $(grep -E 'Test run with' "$artifacts/test-swift-test.log" | tail -n 1 | sed -E 's/^[^A-Za-z]*//')"
errors=$(grep -c ' error ' "$SIGMARIS_TEST_LOG_FILE" || true)
echo "  logged:  $errors error line(s) the tests provoked on purpose, in $SIGMARIS_TEST_LOG_FILE"
echo "  time:    $((SECONDS - run_start))s"
# One closing line in the plain 'N passed, N failed' form, counting Swift tests and browser checks
# (a failure has exited above, so failed is 0 here).
swift_count=$(grep -E 'Test run with [0-9]+ tests' "$artifacts/test-swift-test.log" | tail -n 1 | sed -E 's/.*Test run with ([0-9]+) tests.*/\1/')
browser_count=0
[ $# -ne 0 ] || browser_count=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$artifacts/test-browser.log" | tail -n 1 | cut -d' ' -f1)
echo "tests: $((${swift_count:-0} + ${browser_count:-0})) passed, 0 failed"
