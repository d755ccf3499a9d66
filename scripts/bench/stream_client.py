#!/usr/bin/env python3
"""The load client of scripts/bench-stream.sh (Python 3 standard library, asyncio).

  stream_client.py service --base URL --tokens FILE --streams N [--repeat R] [--records FILE]
      N workers at once, worker i with the token of line i of FILE ("user-id token" lines), each
      making R turns one after the other: `POST /api/aei` with `Accept: text/event-stream` and a
      text carrying `tag:<id>` (scripts/stub-provider.py logs it). Each stream is checked: status
      200, `text/event-stream`, deltas then one `done` whose `output` equals the concatenated deltas
      and whose `success` is true. Times: to the first non-empty delta and to `done`.
  stream_client.py stub --base URL --streams N [--repeat R] [--records FILE]
      the same load straight at the stub's `POST /v1/chat/completions` ("stream": true): time to the
      first content chunk and to `[DONE]`.
  stream_client.py overhead --records FILE --stub-log FILE
      per stream of a service run, its time to first delta minus the stub's own time from receiving
      the provider request to sending its first chunk (matched by tag, same clock).

The load commands print one JSON object: {"streams", "completed", "errors", "error_samples" (the
five commonest errors, counted), "first_ms": {"median", "p99", "max"}, "done_ms": {...}};
--records keeps one JSON line per stream.
"""

import argparse
import asyncio
import collections
import json
import math
import re
import statistics
import sys
import time
import uuid
from urllib.parse import urlsplit

TIMEOUT = 180.0


class StreamError(Exception):
    pass


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def summary(values):
    if not values:
        return None
    return {"median": round(statistics.median(values), 2), "p99": round(percentile(values, 0.99), 2), "max": round(max(values), 2)}


class Response:
    """An HTTP/1.1 response read from a stream: the head, then the body as it arrives."""

    def __init__(self, reader):
        self.reader = reader
        self.status = 0
        self.headers = {}
        self.chunked = False
        self.remaining = None  # Content-Length left, or None (until the connection closes)
        self.chunk_left = 0
        self.finished = False

    async def read_head(self):
        while True:
            head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            self.status = int(head[0].split(" ", 2)[1])
            if self.status != 100:
                break
        for line in head[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                self.headers[name.strip().lower()] = value.strip()
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        if not self.chunked and "content-length" in self.headers:
            self.remaining = int(self.headers["content-length"])

    async def read(self):
        """The next bytes of the body (decoded from chunked encoding), or b"" at its end."""
        if self.finished:
            return b""
        if self.chunked:
            if self.chunk_left == 0:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.finished = True
                    return b""
                self.chunk_left = size
            data = await self.reader.read(self.chunk_left)
            if not data:
                raise StreamError("the connection closed inside a chunk")
            self.chunk_left -= len(data)
            if self.chunk_left == 0:
                await self.reader.readexactly(2)
            return data
        if self.remaining is not None:
            if self.remaining == 0:
                self.finished = True
                return b""
            data = await self.reader.read(min(self.remaining, 65536))
            if not data:
                raise StreamError("the connection closed before Content-Length")
            self.remaining -= len(data)
            return data
        data = await self.reader.read(65536)
        if not data:
            self.finished = True
        return data

    async def read_all(self):
        parts = []
        while True:
            data = await self.read()
            if not data:
                return b"".join(parts)
            parts.append(data)


# A line ends in CRLF, LF or CR; a CR at the end of what arrived may be half of a CRLF, so it waits.
LINE_BREAK = re.compile(rb"\r\n|\r(?!\Z)|\n")


async def events(response):
    """(event, data) pairs of a Server-Sent Events body; an event cut off before its blank line is dropped."""
    pending = b""
    kind, data = "", []
    while True:
        chunk = await response.read()
        if not chunk:
            return
        pending += chunk
        start = 0
        for match in LINE_BREAK.finditer(pending):
            line = pending[start:match.start()].decode("utf-8")
            start = match.end()
            if line == "":
                if data:
                    yield kind or "message", "\n".join(data)
                kind, data = "", []
            elif not line.startswith(":"):
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    kind = value
                elif field == "data":
                    data.append(value)
        pending = pending[start:]


async def post(base, path, body, headers):
    """Opens a connection, sends one POST, returns (response, writer) once the head arrived."""
    url = urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port or 80, limit=1 << 20)
    payload = json.dumps(body).encode()
    head = [f"POST {url.path.rstrip('/')}{path} HTTP/1.1", f"Host: {url.netloc}", "Content-Type: application/json",
            f"Content-Length: {len(payload)}", "Connection: close"] + [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
    await writer.drain()
    response = Response(reader)
    await response.read_head()
    return response, writer


async def service_stream(base, token, worker, index):
    tag = f"w{worker}-{index}-{uuid.uuid4().hex[:8]}"
    record = {"tag": tag, "worker": worker, "sent": time.time()}
    start = time.perf_counter()
    response, writer = await post(base, "/api/aei", {"text": f"Tell me about streaming, please. tag:{tag}"}, {
        "Authorization": f"Bearer {token}", "Accept": "text/event-stream", "x-session-id": f"bench-stream-{tag}"})
    try:
        if response.status != 200:
            raise StreamError(f"status {response.status}: {(await response.read_all())[:200]!r}")
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            raise StreamError(f"content-type {response.headers.get('content-type')!r}, not text/event-stream")
        pieces = []
        async for kind, data in events(response):
            if kind == "delta":
                text = json.loads(data).get("text")
                if not isinstance(text, str):
                    raise StreamError(f"a delta without text: {data[:200]}")
                if text and "first_ms" not in record:
                    record["first_ms"] = (time.perf_counter() - start) * 1000
                    record["first_at"] = time.time()
                pieces.append(text)
            elif kind == "done":
                answer = json.loads(data)
                record["done_ms"] = (time.perf_counter() - start) * 1000
                if answer.get("success") is not True:
                    raise StreamError(f"done without success: {data[:200]}")
                if answer.get("output") != "".join(pieces):
                    raise StreamError(f"done's output {answer.get('output')!r} is not the deltas {''.join(pieces)!r}")
                if "first_ms" not in record:
                    raise StreamError("done before any non-empty delta")
                return record
            elif kind == "error":
                raise StreamError(f"error event: {data[:200]}")
        raise StreamError("the stream ended without done")
    finally:
        writer.close()


async def stub_stream(base, _token, worker, index):
    record = {"tag": f"w{worker}-{index}", "worker": worker, "sent": time.time()}
    start = time.perf_counter()
    response, writer = await post(base, "/chat/completions", {
        "model": "stub", "stream": True, "messages": [{"role": "user", "content": "Tell me about streaming, please."}]}, {})
    try:
        if response.status != 200:
            raise StreamError(f"status {response.status}")
        async for _, data in events(response):
            if data == "[DONE]":
                record["done_ms"] = (time.perf_counter() - start) * 1000
                if "first_ms" not in record:
                    raise StreamError("[DONE] before any content")
                return record
            choices = json.loads(data).get("choices") or [{}]
            if choices[0].get("delta", {}).get("content") and "first_ms" not in record:
                record["first_ms"] = (time.perf_counter() - start) * 1000
        raise StreamError("the stream ended without [DONE]")
    finally:
        writer.close()


async def load(one_stream, base, tokens, streams, repeat):
    results = []

    async def worker(number):
        for index in range(repeat):
            try:
                results.append(await asyncio.wait_for(one_stream(base, tokens[number], number, index), TIMEOUT))
            except Exception as error:  # noqa: BLE001: every failure is counted and shown
                results.append({"worker": number, "error": f"{type(error).__name__}: {error}"[:300]})

    await asyncio.gather(*(worker(number) for number in range(streams)))
    return results


def report(results, records_path):
    if records_path:
        with open(records_path, "w", encoding="utf-8") as file:
            for record in results:
                file.write(json.dumps(record) + "\n")
    done = [r for r in results if "error" not in r]
    errors = collections.Counter(r["error"] for r in results if "error" in r)
    print(json.dumps({
        "streams": len(results), "completed": len(done), "errors": sum(errors.values()),
        "error_samples": [f"{count} x {error}" for error, count in errors.most_common(5)],
        "first_ms": summary([r["first_ms"] for r in done]), "done_ms": summary([r["done_ms"] for r in done]),
    }))


def overhead(records_path, stub_log_path):
    with open(stub_log_path, encoding="utf-8") as file:
        stub = {}
        for line in file:
            entry = json.loads(line)
            if entry.get("tag") and entry.get("first_chunk"):
                stub[entry["tag"]] = entry["first_chunk"] - entry["received"]
    values = []
    with open(records_path, encoding="utf-8") as file:
        for line in file:
            record = json.loads(line)
            if "first_ms" in record and record.get("tag") in stub:
                values.append(record["first_ms"] - stub[record["tag"]] * 1000)
    print(json.dumps({"matched": len(values), "overhead_ms": summary(values)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("service", "stub"):
        command = commands.add_parser(name)
        command.add_argument("--base", required=True, help="http://127.0.0.1:PORT (stub: .../v1)")
        command.add_argument("--streams", type=int, required=True)
        command.add_argument("--repeat", type=int, default=1)
        command.add_argument("--records")
        if name == "service":
            command.add_argument("--tokens", required=True)
    command = commands.add_parser("overhead")
    command.add_argument("--records", required=True)
    command.add_argument("--stub-log", required=True)
    args = parser.parse_args()

    if args.command == "overhead":
        overhead(args.records, args.stub_log)
        return 0
    if args.command == "service":
        with open(args.tokens, encoding="utf-8") as file:
            tokens = [line.split()[1] for line in file if len(line.split()) == 2]
        if len(tokens) < args.streams:
            parser.error(f"{args.tokens} holds {len(tokens)} tokens, fewer than --streams {args.streams}")
        results = asyncio.run(load(service_stream, args.base, tokens, args.streams, args.repeat))
    else:
        results = asyncio.run(load(stub_stream, args.base, [None] * args.streams, args.streams, args.repeat))
    report(results, args.records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
