# What scripts/bench.sh measures around its load: CPU time, wrk's figures, the bytes a turn leaves in
# the database and the bytes Postgres exchanges with the service. Sourced after common.sh; uses
# `out`, `psql`, `pg_port`, `postmaster_pid`, `base`, `threads`, `connections`, `max_error_rate` and
# `template_token` of the caller.

clk_tck=$(getconf CLK_TCK)
# CPU ticks of a process and of its reaped children.
proc_ticks() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    echo $(( ${12} + ${13} + ${14} + ${15} ))
}
# CPU ticks of the whole Postgres cluster: the postmaster (which accumulates exited backends) and
# every live child.
cluster_ticks() {
    [ -n "$postmaster_pid" ] || { echo 0; return; }
    local total child
    total=$(proc_ticks "$postmaster_pid")
    for child in $(ps -o pid= --ppid "$postmaster_pid"); do total=$(( total + $(proc_ticks "$child") )); done
    echo "$total"
}
# CPU milliseconds of this shell's finished children (the load generators), from the `times` builtin,
# into the variable named $1 (`times` must run in this shell, not in a $(...) subshell).
children_ms() {
    times >"$out/times.txt"
    printf -v "$1" '%s' "$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d\n", t * 1000 }' "$out/times.txt")"
}
# A wrk latency figure (850.00us, 1.23ms, 1.02s, 1.5m) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.2f\n", n }'
}
# wrk_percentile OUTPUT 99: a percentile of wrk's latency distribution, in milliseconds.
wrk_percentile() {
    to_ms "$(awk -v p="$2%" '/Latency Distribution/ { f = 1 } f && $1 == p { print $2; exit }' "$1")"
}
wrk_run() {  # wrk_run SECONDS OUTPUT
    wrk -t"$threads" -c"$connections" -d"$1"s --timeout 10s --latency -s scripts/bench/aei.lua "$base" \
        -- "$out/tokens.txt" "$threads" >"$2" 2>&1 &
    load_pid=$!
    wait "$load_pid" || { cat "$2" >&2; die "wrk failed"; }
    load_pid=""
}
# Requests, failed requests (non-2xx/3xx plus socket errors) of a wrk output.
wrk_counts() {
    awk '/ requests in / { r = $1 }
         /Non-2xx or 3xx responses:/ { e += $NF }
         /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
         END { printf "%d %d\n", r, e }' "$1"
}
check_errors() {  # check_errors WRK_OUTPUT PHASE
    local requests failed
    read -r requests failed < <(wrk_counts "$1")
    [ "$requests" -gt 0 ] || { cat "$1" >&2; die "$2: wrk completed no request"; }
    if awk -v f="$failed" -v r="$requests" -v m="$max_error_rate" 'BEGIN { exit !(f > r * m) }'; then
        cat "$1" >&2
        echo "--- one request by hand:" >&2
        curl -s -i "$base/api/aei" -H "Authorization: Bearer $template_token" -H 'Content-Type: application/json' \
            --data '{"text": "hello"}' | head -c 2000 >&2 || true
        echo; echo "--- server log:" >&2; tail -n 20 "$out/server.log" >&2
        die "$2: $failed of $requests requests failed (non-2xx or socket errors), above BENCH_MAX_ERROR_RATE=$max_error_rate"
    fi
}

# table_bytes FILE: after a VACUUM, "schema.table bytes" for every table of the database outside the
# system schemas (heap, TOAST and indexes: pg_total_relation_size), whatever tables a migration added.
table_bytes() {
    psql -c 'VACUUM'
    psql -At -F ' ' -c "
        SELECT n.nspname || '.' || c.relname, pg_total_relation_size(c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
        ORDER BY 1" >"$1"
}
# bytes_growth BEFORE AFTER TURNS: "total per-turn" and the largest tables' growth per turn, one line.
bytes_growth() {
    awk -v turns="$3" 'NR == FNR { before[$1] = $2; next }
        { d = $2 - before[$1]; total += d; if (d > 0) grown[$1] = d }
        END {
            printf "%.0f", (turns ? total / turns : 0)
            n = 0
            for (t in grown) order[++n] = t
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (grown[order[j]] > grown[order[i]]) { x = order[i]; order[i] = order[j]; order[j] = x }
            for (i = 1; i <= n; i++) { name = order[i]; sub(/^public\./, "", name); printf " %s=%.0f", name, grown[order[i]] / turns }
            printf "\n" }' "$1" "$2"
}

# wire_bytes: "sent received" bytes of every established TCP connection of the Postgres cluster, on
# its side (tcp_info via ss): what Postgres sent to its clients and what it received from them.
wire_bytes() {
    ss -Htin state established "( sport = :$pg_port )" \
        | awk '{ for (i = 1; i <= NF; i++) { if ($i ~ /^bytes_sent:/) { split($i, a, ":"); s += a[2] } if ($i ~ /^bytes_received:/) { split($i, b, ":"); r += b[2] } } }
               END { printf "%d %d\n", s, r }'
}

# recall_window_bytes UID: "rows text binary": the rows and sizes of the result of the recall read of
# scripts/bench/turn.pgbench (between its "-- begin recall" and "-- end recall" lines) for user UID,
# as COPY sends it: text (bytea as hex, as a text-format result carries it) and binary format. Prints
# nothing when the script has no such block.
recall_window_bytes() {
    local query rows text binary
    query=$(sed -n '/^-- begin recall/,/^-- end recall/p' scripts/bench/turn.pgbench | grep -v '^--' | tr '\n' ' ' \
        | sed -e "s/:uid/'$1'/g" -e 's/;[[:space:]]*$//')
    [ -n "${query// /}" ] || return 0
    psql -c "COPY ($query) TO STDOUT" >"$out/recall-window.txt"
    rows=$(wc -l <"$out/recall-window.txt")
    text=$(wc -c <"$out/recall-window.txt")
    binary=$(psql -c "COPY ($query) TO STDOUT (FORMAT binary)" | wc -c)
    echo "$rows $text $binary"
}
