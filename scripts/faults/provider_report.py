#!/usr/bin/env python3
"""One line of figures for a provider scenario of scripts/faults.sh, and whether it kept the invariants.

  provider_report.py NAME LOAD_JSON METRICS_TEXT TIMEOUT_S RSS_BEFORE_KB RSS_AFTER_KB RSS_PEAK_KB

LOAD_JSON is scripts/faults/provider_load.py's summary, METRICS_TEXT a scrape of /metrics taken right
after the load. Prints the line; exits 1 when a turn got no HTTP answer, answered a 5xx other than a
503 with Retry-After, outlived the timeout by 10 s or more, or a read failed.
"""

import json
import re
import sys


def samples(text, name):
    """(labels, value) of every sample of `name` in a Prometheus text exposition."""
    found = []
    for line in text.splitlines():
        match = re.match(r"^%s\{([^}]*)\} ([0-9.eE+-]+)$" % re.escape(name), line)
        if match:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
            found.append((labels, float(match.group(2))))
    return found


def main():
    name, load_path, metrics_path, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    rss_before, rss_after, rss_peak = (int(v) / 1024 for v in sys.argv[5:8])
    load = json.load(open(load_path))
    try:
        metrics = open(metrics_path).read()
    except OSError:
        metrics = ""
    provider = {"upstream": "provider"}
    breaker = [labels["state"] for labels, value in samples(metrics, "sigmaris_outbound_breaker_state")
               if value >= 1 and labels.get("upstream") == "provider"]
    refused = {labels.get("reason"): int(value) for labels, value in samples(metrics, "sigmaris_outbound_refusals_total")
               if all(labels.get(k) == v for k, v in provider.items())}
    turn = load["turn_s"] or {"median": 0, "p99": 0, "max": 0}
    read = load["read_ms"] or {"median": 0, "p99": 0, "max": 0}
    outcomes = ", ".join(f"{count} {outcome}" for outcome, count in sorted(load["outcomes"].items(), key=lambda item: -item[1]))
    print(f"{name}: {load['turns']} turns at once: {outcomes}; a turn took median {turn['median']:.2f} s, "
          f"max {turn['max']:.2f} s (provider timeout {timeout:g} s); other users' reads: {load['reads']}, "
          f"{load['read_errors']} failed, p50 {read['median']:.1f} ms, p99 {read['p99']:.1f} ms; "
          f"RSS {rss_before:.1f} MB before, {rss_after:.1f} MB after, peak {rss_peak:.1f} MB; "
          f"breaker {'/'.join(breaker) or '?'}, calls refused: {refused.get('unavailable', 0)} unavailable, "
          f"{refused.get('busy', 0)} busy")
    unexpected = sum(count for status, count in load["statuses"].items() if status not in ("200", "503"))
    kept = (load["turns"] > 0 and unexpected == 0 and load["turns_without_retry_after"] == 0 and load["read_errors"] == 0
            and not any(outcome.startswith("failed:") for outcome in load["outcomes"]) and turn["max"] < timeout + 10)
    sys.exit(0 if kept else 1)


if __name__ == "__main__":
    main()
