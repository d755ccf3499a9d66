#!/usr/bin/env bash
# Validates Public/openapi.json against the OpenAPI 3.1 specification with `openapi-spec-validator`.
# Debian (bookworm) does not package it, so it comes from PyPI, pinned, into a virtualenv under the
# git-ignored .data/ (installed once, a few seconds); one already on PATH is used as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
document=${1:-Public/openapi.json}
version=0.9.0

validator=$(command -v openapi-spec-validator || true)
if [ -z "$validator" ]; then
    venv=.data/openapi-validator-$version
    if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
        python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || scripts/deps.sh python3-venv
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==$version"
    fi
    validator=$venv/bin/openapi-spec-validator
fi
# Its message quotes the whole document; the start says what is wrong.
"$validator" "$document" 2>&1 | cut -c1-800
