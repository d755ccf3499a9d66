#!/usr/bin/env bash
# Checks the Prometheus alert rules (deploy/prometheus/alerts.yml) with promtool, from Debian's
# `prometheus` package (a test-time tool: installed here when missing, not by `make run`): their
# syntax, then their unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh prometheus
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts.test.yml
