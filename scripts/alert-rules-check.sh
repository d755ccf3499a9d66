#!/usr/bin/env bash
# Checks the Prometheus alert rules (deploy/prometheus/alerts.yml) with promtool, from Debian's
# `prometheus` package (scripts/deps.sh installs it): their syntax, then their unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts.test.yml
