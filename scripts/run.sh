#!/usr/bin/env bash
# `make run`: everything a newcomer needs to try Sigmaris on this machine.
# Installs missing apt packages, starts a local Postgres under .data/ on 127.0.0.1:54329 (fsync on;
# it keeps running after the server stops: `make stop-db`), builds,
# migrates, prints a dev token and a ready-to-paste curl, then serves on 127.0.0.1:8000.
# The local provider answers (no API key needed) unless OPENAI_API_KEY or .env says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
pg_port=${SIGMARIS_DEV_PG_PORT:-54329}   # change it when 54329 is taken
scripts/pg.sh start sigmaris "$pg_port"

# A dev-only HS256 secret, made once and kept beside the local database (git-ignored).
secret_file=.data/dev-jwt-secret
[ -s "$secret_file" ] || { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$secret_file"; }

export DATABASE_URL="${DATABASE_URL:-$(scripts/pg.sh url sigmaris "$pg_port")}"
export SUPABASE_JWT_SECRET="${SUPABASE_JWT_SECRET:-$(cat "$secret_file")}"
export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-8000}"
# The pages' "Dev sign-in" button: local development only. The server refuses it next to a Supabase
# project (SUPABASE_URL) or on a non-loopback HOST, so it is only turned on when neither is the case.
dev_signin_default=true
if [ -n "${SUPABASE_URL:-}" ] || grep -Eq '^[[:space:]]*(export[[:space:]]+)?SUPABASE_URL[[:space:]]*=[[:space:]]*[^[:space:]#]' .env 2>/dev/null \
    || ! case "$HOST" in 127.*|localhost|::1) true ;; *) false ;; esac; then
    dev_signin_default=false
fi
export SIGMARIS_DEV_SIGNIN="${SIGMARIS_DEV_SIGNIN:-$dev_signin_default}"
user_id=00000000-0000-4000-8000-000000000001   # the dev user: "Dev sign-in" and $TOKEN below
# Development only (dev sign-in on, so loopback and no Supabase project): the dev user is an operator,
# so the operator page works at once. The environment wins over .env in the server, so a list from
# .env is carried over here rather than hidden behind this one.
if [ "$SIGMARIS_DEV_SIGNIN" = true ]; then
    operators=${SIGMARIS_OPERATORS:-$(sed -n -E 's/^[[:space:]]*(export[[:space:]]+)?SIGMARIS_OPERATORS[[:space:]]*=[[:space:]]*//p' .env 2>/dev/null \
        | tail -n 1 | sed -E 's/[[:space:]]*#.*$//; s/^["'\'']//; s/["'\'']$//' || true)}
    case ",$operators," in *",$user_id,"*) ;; *) operators=${operators:+$operators,}$user_id ;; esac
    export SIGMARIS_OPERATORS="$operators"
fi
export SIGMARIS_PUBLIC_DIR="${SIGMARIS_PUBLIC_DIR:-$PWD/Public}"

swift build --product sigmaris
bin="$(swift build --show-bin-path)/sigmaris"
"$bin" migrate

token=$("$bin" token --user "$user_id" --lifetime 86400)
service_token=$("$bin" token --service --lifetime 86400)
base="http://$HOST:$PORT"
if [ "$SIGMARIS_DEV_SIGNIN" = true ]; then
    operator_note="  (the dev user is an operator here: SIGMARIS_OPERATORS=$SIGMARIS_OPERATORS)"
else
    operator_note="  (operators: \$SERVICE_TOKEN, or a user listed in SIGMARIS_OPERATORS)"
fi
cat <<EOM

  Sigmaris on $base  (database 127.0.0.1:$pg_port, provider ${SIGMARIS_LLM_PROVIDER:-local unless OPENAI_API_KEY is set})

  Tokens signed with the dev secret in $secret_file, valid 24 h:

    export TOKEN=$token
    export SERVICE_TOKEN=$service_token

  Try it (in another terminal, after the exports):

    curl -s $base/readyz
    curl -s $base/api/aei -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{"text":"Hello, who are you?"}'
    curl -s "$base/api/state/latest" -H "Authorization: Bearer \$TOKEN"
    curl -X POST "$base/persona/chat" -H "Authorization: Bearer \$SERVICE_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d '{"user_id":"u_test_001","session_id":"s_test_001","message":"Hello. Describe your role in one sentence."}'

  Pages (sign in with "Dev sign-in" when on, or paste \$TOKEN; \$SERVICE_TOKEN opens the operator page only):
    Chat      $base/
    Status    $base/status
    Operator  $base/operator$operator_note
    API docs  $base/docs
  psql:  psql $DATABASE_URL

  Ctrl-C stops the server; the database keeps running (fsync on) for the next run: make stop-db stops it.

EOM
exec "$bin" serve
