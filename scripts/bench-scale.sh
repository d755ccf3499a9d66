#!/usr/bin/env bash
# `make bench-scale`: is a turn's cost flat in history and users (issue #15, item 4)? Runs the same
# `POST /api/aei` load of scripts/bench.sh twice, each on a fresh database seeded in SQL
# (scripts/bench/seed-history.sql: persona state, episodes and messages, the tables a turn reads):
#
#   small   BENCH_SCALE_SMALL_USERS (200) users x BENCH_SCALE_SMALL_EPISODES (50) episodes
#   large   BENCH_SCALE_LARGE_USERS (10,000) users x BENCH_SCALE_LARGE_EPISODES (500) episodes
#
# and prints requests/s and p99 of both and whether the large run is within BENCH_SCALE_TOLERANCE
# (20%) of the small one. The load rotates over every user of the run, so in the large run nearly
# every turn is the first of its user in the run (no warm per-user cache). Local provider (256-number
# embeddings, 1 KiB each): the large database is about 12 GB and the run takes about 13 minutes;
# the script checks the free disk first.
# Every BENCH_* setting of scripts/bench.sh applies to both runs (BENCH_PGBENCH defaults to 0 here).
# Raw outputs in .data/bench-scale/{small,large}/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bench_label=bench-scale
# shellcheck source=scripts/bench/common.sh
. scripts/bench/common.sh

small_users=${BENCH_SCALE_SMALL_USERS:-200}
small_episodes=${BENCH_SCALE_SMALL_EPISODES:-50}
large_users=${BENCH_SCALE_LARGE_USERS:-10000}
large_episodes=${BENCH_SCALE_LARGE_EPISODES:-500}
tolerance=${BENCH_SCALE_TOLERANCE:-20}
# Disk a seeded (user, episode) takes with its messages, generously (measured: about 2.5 KB).
bytes_per_episode=4000
out=$root/.data/bench-scale

for v in small_users small_episodes large_users large_episodes tolerance; do
    [[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || die "$v must be a whole number above 0 (got '${!v}')"
done
mkdir -p "$out/small" "$out/large"
build_release_binary "${BENCH_SCRATCH:-$root/.build-bench}"
export BENCH_BIN=$bin BENCH_PGBENCH=${BENCH_PGBENCH:-0}

need_kb=$(( large_users * large_episodes * bytes_per_episode / 1024 ))
free_kb=$(df -Pk "$root/.data" | awk 'NR == 2 { print $4 }')
[ "$free_kb" -gt "$need_kb" ] \
    || die "the large run needs about $((need_kb / 1048576)) GB free under .data/, there are $((free_kb / 1048576)) GB"

# run NAME USERS EPISODES: one scripts/bench.sh run; its figures are in $out/NAME/figures.txt.
run() {
    say "$1: $2 users x $3 episodes"
    BENCH_LABEL="$1, $2 users x $3 episodes" BENCH_USERS=$2 BENCH_EPISODES=$3 BENCH_OUT=$out/$1 scripts/bench.sh
}
run small "$small_users" "$small_episodes"
run large "$large_users" "$large_episodes"

figure() { awk -F = -v k="$2" '$1 == k { print $2 }' "$out/$1/figures.txt"; }
awk -v sr="$(figure small rps)" -v sp="$(figure small p99)" -v lr="$(figure large rps)" -v lp="$(figure large p99)" \
    -v su="$small_users" -v se="$small_episodes" -v lu="$large_users" -v le="$large_episodes" -v tol="$tolerance" '
    function change(a, b) { return a > 0 ? (b - a) / a * 100 : 0 }
    function within(c) { return (c <= tol && c >= -tol) ? "within" : "NOT within" }
    BEGIN {
        printf "\n== Sigmaris bench-scale: the same POST /api/aei load, small and large history ==\n"
        printf "small     %6d users x %4d episodes   %8.1f requests/s   p99 %7.2f ms\n", su, se, sr, sp
        printf "large     %6d users x %4d episodes   %8.1f requests/s   p99 %7.2f ms\n", lu, le, lr, lp
        cr = change(sr, lr); cp = change(sp, lp)
        printf "change    requests/s %+.1f%% (%s %d%%)   p99 %+.1f%% (%s %d%%)\n", cr, within(cr), tol, cp, within(cp), tol
        printf "target    flat in history and users (both within %d%%): %s\n", tol, (within(cr) == "within" && within(cp) == "within") ? "met" : "MISSED"
    }' | tee "$out/results.txt"
