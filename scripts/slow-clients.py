#!/usr/bin/env python3
"""Measures what slow clients do to a normal one (issue 14, item 5). Two modes, run as two processes
so that the slow connections' work does not delay the measuring client's own event loop:

  slow-clients.py trickle HOST PORT SLOW SECONDS INTERVAL
      SLOW connections trickle a request one byte every INTERVAL seconds (half stuck in the head,
      half in the body after a whole head), reconnecting when the server cuts them off; prints how
      many the server cut off.
  slow-clients.py measure HOST PORT PATH SECONDS [TOKEN]
      one keep-alive connection sends GET PATH back to back; prints p50/p99/max latency.

scripts/slow-clients.sh runs both against a server with and without the read timeouts.
"""
import asyncio
import statistics
import sys
import time

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
cut_off = 0
stop = False


async def trickler(index, interval):
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


async def normal_client(latencies, path, seconds, token):
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


async def trickle(slow, seconds, interval):
    global stop
    tasks = [asyncio.create_task(trickler(i, interval)) for i in range(slow)]
    await asyncio.sleep(seconds)
    stop = True
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(f"slow={slow} cut_off_by_server={cut_off}")


async def measure(path, seconds, token):
    latencies = []
    await normal_client(latencies, path, seconds, token)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"requests={len(latencies)} p50={p(0.50):.2f}ms p99={p(0.99):.2f}ms "
          f"max={latencies[-1] * 1000:.2f}ms mean={statistics.mean(latencies) * 1000:.2f}ms", end=" ")


if mode == "trickle":
    asyncio.run(trickle(int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])))
else:
    asyncio.run(measure(sys.argv[4], float(sys.argv[5]), sys.argv[6] if len(sys.argv) > 6 else ""))
