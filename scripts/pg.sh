#!/usr/bin/env bash
# A throwaway Postgres cluster on loopback for development and tests, under .data/ (git-ignored).
# Usage: scripts/pg.sh start|stop|restart|url NAME PORT
#   start    initdb when needed, start the server, create the database NAME (prints nothing else)
#   url      print the DATABASE_URL for NAME
# Postgres refuses to run as root, so as root the cluster belongs to the `postgres` user.
# SIGMARIS_PG_BINDIR picks another Postgres's bin/ (scripts/pgvector.sh prints the one with pgvector);
# by default the newest Debian one.
# fsync stays on (the development cluster holds data a user builds up); only throwaway clusters may
# set SIGMARIS_PG_FSYNC=off (scripts/test.sh and scripts/bench.sh do), trading durability for speed.
set -euo pipefail

cmd=${1:?usage: pg.sh start|stop|restart|url NAME PORT}
name=${2:?name}
port=${3:?port}
root=$(cd "$(dirname "$0")/.." && pwd)
password=sigmaris
url="postgresql://sigmaris:${password}@127.0.0.1:${port}/${name}"

if [ "$cmd" = url ]; then echo "$url"; exit 0; fi

bindir=${SIGMARIS_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bindir/pg_ctl" ] || { echo "no Postgres server found; run scripts/deps.sh" >&2; exit 1; }

as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi

data="$root/.data/postgres-$name"
# The postgres user must reach the folder; a clone under a private home cannot, so fall back to /tmp.
mkdir -p "$root/.data"
if [ ${#as_owner[@]} -gt 0 ] && ! runuser -u postgres -- test -x "$root/.data" 2>/dev/null; then
    data="/tmp/sigmaris-postgres-$(echo "$root" | md5sum | cut -c1-8)-$name"
fi
log="$data.log"
fsync=${SIGMARIS_PG_FSYNC:-on}
case "$fsync" in on|off) ;; *) echo "SIGMARIS_PG_FSYNC must be on or off" >&2; exit 2 ;; esac
# The test suite runs its suites in parallel, each with a pool of its own (and the pool stress test
# opens and kills connections on purpose): Postgres's default of 100 was reached once it grew.
max_connections=${SIGMARIS_PG_MAX_CONNECTIONS:-400}
options="-p $port -c listen_addresses=127.0.0.1 -k $data -c fsync=$fsync -c max_connections=$max_connections"

pgctl() { "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -l "$log" "$@"; }

case "$cmd" in
start)
    # A cluster made by another major version (the pgvector cluster once started with Debian's 15)
    # cannot be started by this one: say so rather than fail on a corrupt-looking control file.
    major=$("$bindir/pg_ctl" --version | awk '{print $3}' | cut -d. -f1)
    if [ -f "$data/PG_VERSION" ] && [ "$(cat "$data/PG_VERSION")" != "$major" ]; then
        echo "the cluster $name in $data was made by PostgreSQL $(cat "$data/PG_VERSION"), not $major: stop it and delete that folder" >&2
        exit 1
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$data"
        [ ${#as_owner[@]} -eq 0 ] || chown postgres: "$data"
        pwfile=$(mktemp); echo "$password" > "$pwfile"; chmod 644 "$pwfile"
        "${as_owner[@]}" "$bindir/initdb" -D "$data" -U sigmaris --pwfile="$pwfile" \
            --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
        rm -f "$pwfile"
        touch "$log"; [ ${#as_owner[@]} -eq 0 ] || chown postgres: "$log"
    fi
    if ! pgctl status >/dev/null 2>&1; then
        if ! pgctl -w -o "$options" start >/dev/null; then
            tail -n 5 "$log" >&2
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                echo "port $port is already in use (another Postgres cluster?); stop it or choose another port" >&2
            fi
            exit 1
        fi
    fi
    # A cluster started by an older pg.sh (or with SIGMARIS_PG_FSYNC=off) may still run without
    # fsync; a cluster meant to be durable is restarted with it.
    if [ "$fsync" = on ] && [ "$("${as_owner[@]}" "$bindir/psql" -h "$data" -p "$port" -U sigmaris -d postgres -Atq -c 'SHOW fsync')" = off ]; then
        echo "restarting the cluster $name with fsync on" >&2
        pgctl -w -m fast -o "$options" restart >/dev/null
    fi
    "${as_owner[@]}" "$bindir/psql" -h "$data" -p "$port" -U sigmaris -d postgres -Atq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
        || "${as_owner[@]}" "$bindir/createdb" -h "$data" -p "$port" -U sigmaris "$name"
    ;;
stop)
    pgctl status >/dev/null 2>&1 && pgctl -w -m fast stop >/dev/null || true
    ;;
restart)
    pgctl -w -m fast -o "$options" restart >/dev/null
    ;;
drop)
    "${as_owner[@]}" "$bindir/dropdb" -h "$data" -p "$port" -U sigmaris --if-exists "$name"
    ;;
*)
    echo "unknown command $cmd" >&2; exit 2
    ;;
esac
