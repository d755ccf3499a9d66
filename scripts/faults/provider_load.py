#!/usr/bin/env python3
"""The load client of the provider scenarios of scripts/faults.sh (Python 3 standard library, asyncio).

  provider_load.py --base URL --tokens FILE --turns N --readers K [--stream] [--fallback TEXT]

Lines 1..N of FILE ("user-id token") each make one turn, all at once: `POST /api/aei` (JSON, or with
`Accept: text/event-stream` under --stream). Lines N+1..N+K are readers: each reads its own
`GET /api/state/latest` in a loop (one at a time, 20 ms apart) from the start until the last turn
ended, so their latency is measured while the provider misbehaves.

Prints one JSON object:
  {"turns", "statuses": {status: count}, "outcomes": {outcome: count}, "turn_s": {"median", "p99", "max"},
   "turns_without_retry_after": n (non-200 answers without Retry-After),
   "reads", "read_errors", "read_ms": {"median", "p99", "max"}, "read_error_samples": [...]}
where a turn's outcome is `reply`, `fallback` (the fixed fallback sentence), `error:<reason>` (a JSON
error, or a stream's `error` event), `stream_cut` (a stream that ended without done or error) or
`failed:<what>` (no HTTP answer at all).
"""

import argparse
import asyncio
import collections
import json
import os
import sys
import time
from urllib.parse import urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from stream_client import Response, StreamError, events, post, summary  # noqa: E402  (the one HTTP reader)

TURN_TIMEOUT = 300.0


async def get(base, path, headers):
    """One GET on a connection of its own; (status, body)."""
    url = urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port or 80, limit=1 << 20)
    try:
        head = [f"GET {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close"] + [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        await writer.drain()
        response = Response(reader)
        await response.read_head()
        return response.status, await response.read_all()
    finally:
        writer.close()


async def turn(base, token, stream, fallback):
    start = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    if stream:
        headers["Accept"] = "text/event-stream"
    try:
        response, writer = await post(base, "/api/aei", {"text": "Tell me something calm about the sea."}, headers)
    except (OSError, asyncio.IncompleteReadError, StreamError) as error:
        return {"status": 0, "outcome": f"failed:{type(error).__name__}", "seconds": time.perf_counter() - start}
    try:
        record = {"status": response.status, "retry_after": response.headers.get("retry-after")}
        if response.status == 200 and stream:
            outcome = "stream_cut"
            async for kind, data in events(response):
                if kind == "done":
                    outcome = "fallback" if json.loads(data).get("output") == fallback else "reply"
                elif kind == "error":
                    outcome = "error:" + str(json.loads(data).get("reason"))
        else:
            body = await response.read_all()
            try:
                value = json.loads(body or b"null")
            except ValueError:
                value = None
            if response.status == 200 and isinstance(value, dict):
                outcome = "fallback" if value.get("output") == fallback else "reply"
            else:
                outcome = "error:" + str(value.get("reason") if isinstance(value, dict) else response.status)
        record["outcome"] = outcome
    except (OSError, asyncio.IncompleteReadError, ValueError, StreamError) as error:
        record = {"status": response.status, "outcome": f"failed:{type(error).__name__}"}
    finally:
        writer.close()
    record["seconds"] = time.perf_counter() - start
    return record


async def reader_loop(base, token, done, reads):
    while not done.is_set():
        start = time.perf_counter()
        try:
            status, _ = await get(base, "/api/state/latest", {"Authorization": f"Bearer {token}"})
            reads.append({"status": status, "ms": (time.perf_counter() - start) * 1000})
        except (OSError, asyncio.IncompleteReadError, StreamError) as error:
            reads.append({"status": 0, "error": type(error).__name__, "ms": (time.perf_counter() - start) * 1000})
        await asyncio.sleep(0.02)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--fallback", default="I'm sorry, I couldn't generate a reply just now. Please try again in a moment.")
    args = parser.parse_args()
    tokens = [line.split()[1] for line in open(args.tokens) if len(line.split()) == 2]
    if len(tokens) < args.turns + args.readers:
        parser.error(f"{args.tokens} has {len(tokens)} tokens; --turns + --readers need {args.turns + args.readers}")

    done = asyncio.Event()
    reads = []
    readers = [asyncio.create_task(reader_loop(args.base, token, done, reads)) for token in tokens[args.turns:args.turns + args.readers]]
    await asyncio.sleep(0.2)  # the readers' first answers, before the turns start
    turns = await asyncio.gather(*(
        asyncio.wait_for(turn(args.base, token, args.stream, args.fallback), TURN_TIMEOUT) for token in tokens[:args.turns]))
    done.set()
    await asyncio.gather(*readers)

    read_ok = [r["ms"] for r in reads if r["status"] == 200]
    errors = collections.Counter(f"{r['status']} {r.get('error', '')}".strip() for r in reads if r["status"] != 200)
    print(json.dumps({
        "turns": len(turns),
        "statuses": dict(collections.Counter(str(t["status"]) for t in turns)),
        "outcomes": dict(collections.Counter(t["outcome"] for t in turns)),
        "turn_s": summary([t["seconds"] for t in turns]),
        "turns_without_retry_after": sum(1 for t in turns if t["status"] not in (0, 200) and not t.get("retry_after")),
        "reads": len(reads),
        "read_errors": len(reads) - len(read_ok),
        "read_ms": summary(read_ok),
        "read_error_samples": [f"{count} x {what}" for what, count in errors.most_common(5)],
    }))


if __name__ == "__main__":
    asyncio.run(main())
