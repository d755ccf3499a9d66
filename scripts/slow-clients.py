#!/usr/bin/env python3
"""Measures what slow clients do to a normal one (issue 14, item 5).

Opens SLOW connections that trickle a request one byte every INTERVAL seconds (half of them stuck in
the head, half in the body, reconnecting when the server cuts them off), and meanwhile a normal
client sends GET requests one after another. Prints the normal client's p50/p99 latency and how many
slow connections the server closed. Run it against a server started with and without the read
timeouts (scripts/slow-clients.sh does both).

usage: slow-clients.py HOST PORT PATH [SLOW=500] [SECONDS=20] [INTERVAL=1] [TOKEN]
"""
import asyncio
import statistics
import sys
import time

host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
slow = int(sys.argv[4]) if len(sys.argv) > 4 else 500
seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 20
interval = float(sys.argv[6]) if len(sys.argv) > 6 else 1
token = sys.argv[7] if len(sys.argv) > 7 else ""

cut_off = 0
stop = False


async def trickler(index):
    global cut_off
    if index % 2 == 0:  # stuck in the head
        head, request = b"", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 10_000
    else:  # the head at once, then the body a byte at a time
        head = b"POST /api/aei HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n"
        request = b" " * 10_000
    while not stop:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(interval)
            continue
        try:
            if head:
                writer.write(head)
            for byte in request:
                if stop:
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(interval)
                if reader.at_eof():
                    break
        except (ConnectionError, OSError):
            pass
        if not stop:
            cut_off += 1
        writer.close()


async def normal_client(latencies):
    reader, writer = await asyncio.open_connection(host, port)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n".encode()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.perf_counter()
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - start)
    writer.close()


async def main():
    global stop
    tasks = [asyncio.create_task(trickler(i)) for i in range(slow)]
    await asyncio.sleep(min(3, seconds / 4))  # let the slow connections open first
    latencies = []
    await normal_client(latencies)
    stop = True
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"slow={slow} requests={len(latencies)} p50={p(0.50):.2f}ms p99={p(0.99):.2f}ms "
          f"max={latencies[-1] * 1000:.2f}ms mean={statistics.mean(latencies) * 1000:.2f}ms slow_cut_off={cut_off}")


asyncio.run(main())
