#!/usr/bin/env bash
# Installs the Debian packages Sigmaris builds and runs with, only those that are missing.
# Usage: scripts/deps.sh [extra-package ...]
set -euo pipefail

packages=(
    pkg-config
    libpq-dev              # libpq: the Postgres client library
    libssl-dev             # libcrypto: JWT signatures
    libcurl4-openssl-dev   # libcurl: LLM provider, JWKS, remote core
    postgresql             # a local server for development and tests
    libjs-chart.js         # charts of the dashboard, served from /usr/share/javascript
    python3-venv           # scripts/pgvector.sh: the PostgreSQL with pgvector of the memory tests comes from PyPI
    "$@"
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# The postgresql package would start a system-wide cluster on 5432; we run our own on other ports.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
