#!/usr/bin/env python3
"""An OpenAI-compatible stub provider for the streaming browser test, `make bench-stream` and `make faults`.

Python 3 standard library only (asyncio), so it holds hundreds of concurrent streams in one process.

  POST /v1/chat/completions   with "stream": true: Server-Sent Events in OpenAI's chunk format, one
                              role chunk, STUB_STREAM_CHUNKS content chunks (the first at once, the
                              rest spread evenly over STUB_STREAM_SECONDS), a chunk with
                              finish_reason "stop", a usage chunk (choices: []) and `data: [DONE]`;
                              sent with chunked transfer encoding, like OpenAI.
                              Otherwise one JSON completion with the same text and usage.
  POST /v1/embeddings         deterministic unit vectors of STUB_EMBEDDING_DIM numbers, from a hash
                              of each input text (`input` may be a string or a list of strings).
  GET  /healthz               {"status":"ok"}, for scripts that wait for the stub.

The reply is STUB_STREAM_CHUNKS words ("Streaming stub reply word 1 ..."), so the concatenated
content is known: a chunk is one word and the space before it (none before the first).

Options (flag, or environment variable; the flag wins):
  --host            STUB_HOST             127.0.0.1
  --port            STUB_PORT             18391 (0: any free port; the chosen one is printed)
  --stream-seconds  STUB_STREAM_SECONDS   2     time from the first content chunk to the last
  --chunks          STUB_STREAM_CHUNKS    8     content chunks per streamed reply (at least 1)
  --dim             STUB_EMBEDDING_DIM    1536  numbers per embedding
  --first-chunk-log STUB_FIRST_CHUNK_LOG  ''    when set, one JSON line per streamed reply:
                    {"tag", "received", "first_chunk", "done"} (Unix seconds, this machine's clock),
                    `tag` being the first `tag:<letters, digits, _ or ->` in the last message, or null;
                    the bench matches those lines to its own requests to take the provider's time
                    out of the service's.
  --fail-after      STUB_FAIL_AFTER       -1    close the connection after this many content chunks,
                                                without the stream's end (a provider failing
                                                mid-stream; 0: before any); -1 never
  --hang            STUB_HANG             0     1: read each POST and never answer it (a provider that
                                                accepts connections and then goes silent); /healthz
                                                still answers
  --first-byte-seconds STUB_FIRST_BYTE_SECONDS 0  wait this long before the first byte of every POST's
                                                answer (a provider slow to start answering)

It prints "stub-provider: listening on http://HOST:PORT" on stderr once it accepts connections, and
stops on SIGINT/SIGTERM. A client that goes away mid-stream ends that stream quietly.
"""

import argparse
import asyncio
import hashlib
import json
import os
import re
import signal
import struct
import sys
import time

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024
TAG = re.compile(r"tag:([A-Za-z0-9_-]{1,64})")
WORDS = ["Streaming", "stub", "reply", "word"]


def options():
    env = os.environ.get
    parser = argparse.ArgumentParser(description="OpenAI-compatible stub provider (streaming chat, embeddings).")
    parser.add_argument("--host", default=env("STUB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("STUB_PORT", "18391")))
    parser.add_argument("--stream-seconds", type=float, default=float(env("STUB_STREAM_SECONDS", "2")))
    parser.add_argument("--chunks", type=int, default=int(env("STUB_STREAM_CHUNKS", "8")))
    parser.add_argument("--dim", type=int, default=int(env("STUB_EMBEDDING_DIM", "1536")))
    parser.add_argument("--first-chunk-log", default=env("STUB_FIRST_CHUNK_LOG", ""))
    parser.add_argument("--fail-after", type=int, default=int(env("STUB_FAIL_AFTER", "-1")))
    parser.add_argument("--hang", type=int, choices=(0, 1), default=int(env("STUB_HANG", "0")))
    parser.add_argument("--first-byte-seconds", type=float, default=float(env("STUB_FIRST_BYTE_SECONDS", "0")))
    args = parser.parse_args()
    if args.chunks < 1 or args.dim < 1 or args.stream_seconds < 0 or args.first_byte_seconds < 0:
        parser.error("--chunks and --dim must be at least 1, --stream-seconds and --first-byte-seconds at least 0")
    return args


def reply_pieces(count):
    """The content chunks of a reply: "Streaming stub reply word 1 2 ...", one word each with the space before it."""
    words = (WORDS + [str(n) for n in range(1, count)])[:count]
    return [w if i == 0 else " " + w for i, w in enumerate(words)]


def embedding(text, dim):
    """A unit vector from SHA-256 of the text (counter mode), the same on every run and machine."""
    data = text.encode("utf-8", "surrogatepass")
    values = []
    block = 0
    while len(values) < dim:
        digest = hashlib.sha256(data + struct.pack(">I", block)).digest()
        values.extend(v / 32767.5 - 1.0 for v in struct.unpack(">16H", digest))
        block += 1
    values = values[:dim]
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    return [round(v / norm, 6) for v in values]


def tag_of(payload):
    """The first `tag:<id>` of the last message (the user's; the system prompt's memory may quote older ones)."""
    messages = payload.get("messages")
    last = messages[-1] if isinstance(messages, list) and messages else None
    content = last.get("content") if isinstance(last, dict) else None
    match = TAG.search(content) if isinstance(content, str) else None
    return match.group(1) if match else None


def token_count(text):
    return max(1, len(text.split()))


class ClientGone(Exception):
    """The client closed its side; the stream ends quietly."""


class Connection:
    def __init__(self, stub, reader, writer):
        self.stub = stub
        self.reader = reader
        self.writer = writer

    async def write(self, data):
        if self.writer.is_closing():
            raise ClientGone()
        self.writer.write(data)
        try:
            await self.writer.drain()
        except (ConnectionError, OSError) as error:
            raise ClientGone() from error

    async def respond(self, status, reason, body, content_type="application/json", keep_alive=True):
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        )
        await self.write(head.encode("ascii") + body)

    async def respond_json(self, status, reason, value, keep_alive=True):
        await self.respond(status, reason, json.dumps(value, separators=(",", ":")).encode(), keep_alive=keep_alive)

    async def read_request(self):
        """(method, path, headers, body), or None at a clean end of the connection."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as partial:
            if partial.partial.strip():
                raise ClientGone() from None
            return None
        except asyncio.LimitOverrunError:
            await self.respond_json(431, "Request Header Fields Too Large", {"error": {"message": "head too large"}}, False)
            return None
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, path, _ = lines[0].split(" ", 2)
        except ValueError:
            await self.respond_json(400, "Bad Request", {"error": {"message": "bad request line"}}, False)
            return None
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("expect", "").lower() == "100-continue":
            await self.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self.read_chunked_body()
        else:
            length = int(headers.get("content-length", "0") or 0)
            if length > MAX_BODY:
                await self.respond_json(413, "Payload Too Large", {"error": {"message": "body too large"}}, False)
                return None
            body = await self.reader.readexactly(length) if length else b""
        return method, path.split("?", 1)[0], headers, body

    async def read_chunked_body(self):
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def serve(self):
        try:
            while True:
                request = await self.read_request()
                if request is None:
                    break
                method, path, headers, body = request
                keep_alive = headers.get("connection", "").lower() != "close"
                keep_alive = await self.route(method, path, body, keep_alive)
                if not keep_alive:
                    break
        except (ClientGone, ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            try:
                self.writer.close()
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    async def route(self, method, path, body, keep_alive):
        """Answers one request; returns whether the connection may carry another."""
        if method == "GET" and path in ("/healthz", "/v1/healthz"):
            await self.respond_json(200, "OK", {"status": "ok"}, keep_alive)
            return keep_alive
        if method != "POST" or path not in ("/v1/chat/completions", "/v1/embeddings", "/chat/completions", "/embeddings"):
            await self.respond_json(404, "Not Found", {"error": {"message": f"no route {method} {path}", "type": "not_found"}}, keep_alive)
            return keep_alive
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            await self.respond_json(400, "Bad Request", {"error": {"message": "the body is not a JSON object", "type": "invalid_request_error"}}, keep_alive)
            return keep_alive
        if self.stub.hang:
            # Silent until the client gives up and closes (then the read sees the end).
            await self.reader.read()
            return False
        if self.stub.first_byte_seconds > 0:
            await asyncio.sleep(self.stub.first_byte_seconds)
        if path.endswith("/embeddings"):
            await self.embeddings(payload, keep_alive)
            return keep_alive
        if payload.get("stream") is True:
            await self.stream_completion(payload)
            return False
        await self.completion(payload, keep_alive)
        return keep_alive

    async def embeddings(self, payload, keep_alive):
        inputs = payload.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not all(isinstance(text, str) for text in inputs):
            await self.respond_json(400, "Bad Request", {"error": {"message": "input must be a string or a list of strings", "type": "invalid_request_error"}}, keep_alive)
            return
        tokens = sum(token_count(text) for text in inputs)
        await self.respond_json(200, "OK", {
            "object": "list",
            "model": payload.get("model", "stub-embedding"),
            "data": [{"object": "embedding", "index": i, "embedding": embedding(text, self.stub.dim)} for i, text in enumerate(inputs)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }, keep_alive)

    def prompt_tokens(self, payload):
        messages = payload.get("messages")
        texts = [m.get("content") for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
        return sum(token_count(t) for t in texts if isinstance(t, str))

    async def completion(self, payload, keep_alive):
        text = "".join(self.stub.pieces)
        prompt = self.prompt_tokens(payload)
        completion = token_count(text)
        await self.respond_json(200, "OK", {
            "id": self.stub.next_id(), "object": "chat.completion", "created": int(time.time()),
            "model": payload.get("model", "stub"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }, keep_alive)

    async def stream_completion(self, payload):
        received = time.time()
        tag = tag_of(payload)
        ident = self.stub.next_id()
        model = payload.get("model", "stub")
        created = int(received)

        def chunk(choices, usage=None):
            value = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model, "choices": choices}
            if usage is not None:
                value["usage"] = usage
            return sse(value)

        def sse(value):
            data = b"data: " + (value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()) + b"\n\n"
            return f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n"

        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        ).encode("ascii")
        pieces = self.stub.pieces
        fail_after = self.stub.fail_after
        first_chunk = None
        start = time.monotonic()
        for index, piece in enumerate(pieces):
            if 0 <= fail_after <= index:
                self.cut(tag, received, first_chunk)
            content = chunk([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
            if index == 0:
                # The head, the role chunk and the first content chunk leave together, at once.
                await self.write(head + chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]) + content)
                first_chunk = time.time()
                start = time.monotonic()
                continue
            delay = start + self.stub.stream_seconds * index / (len(pieces) - 1) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self.write(content)
        if fail_after >= 0:
            self.cut(tag, received, first_chunk)
        prompt = self.prompt_tokens(payload)
        completion = len(pieces)
        await self.write(
            chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}])
            + chunk([], {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})
            + sse(b"[DONE]")
            + b"0\r\n\r\n"
        )
        self.log(tag, received, first_chunk, time.time())

    def cut(self, tag, received, first_chunk):
        """--fail-after: the connection closes without the stream's end, as a failing provider's would."""
        self.log(tag, received, first_chunk, None)
        raise ClientGone()

    def log(self, tag, received, first_chunk, done):
        if self.stub.log_file is None:
            return
        line = json.dumps({"tag": tag, "received": received, "first_chunk": first_chunk, "done": done})
        self.stub.log_file.write(line + "\n")


class Stub:
    def __init__(self, args):
        self.dim = args.dim
        self.stream_seconds = args.stream_seconds
        self.fail_after = args.fail_after
        self.hang = args.hang == 1
        self.first_byte_seconds = args.first_byte_seconds
        self.pieces = reply_pieces(args.chunks)
        self.counter = 0
        self.log_file = open(args.first_chunk_log, "a", buffering=1, encoding="utf-8") if args.first_chunk_log else None

    def next_id(self):
        self.counter += 1
        return f"chatcmpl-stub-{self.counter}"

    async def handle(self, reader, writer):
        await Connection(self, reader, writer).serve()


async def main():
    args = options()
    stub = Stub(args)
    server = await asyncio.start_server(stub.handle, args.host, args.port, backlog=4096, limit=MAX_HEAD)
    port = server.sockets[0].getsockname()[1]
    mode = " (silent: never answers a POST)" if stub.hang else ""
    if args.first_byte_seconds > 0:
        mode += f" (first byte after {args.first_byte_seconds:g} s)"
    print(f"stub-provider: listening on http://{args.host}:{port} "
          f"({args.chunks} chunks over {args.stream_seconds:g} s, embeddings of {args.dim}){mode}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()
    if stub.log_file is not None:
        stub.log_file.close()


if __name__ == "__main__":
    asyncio.run(main())
