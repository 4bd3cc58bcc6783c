"""The HTTP client of the burst benchmarks: N requests from one asyncio loop, either from C clients released
together on their own keep-alive connections (closed loop) or arriving evenly over S seconds, each on a new
connection (open loop). Standard library only, so the client costs little CPU next to the server.

Used by bench/registration_rush.py (the /healthz ceiling and the sign-ups go through the same code).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable


async def _exchange(reader, writer, method: str, path: str, body: bytes) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 request on a keep-alive connection: (status, body, server keeps the connection)."""
    content = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if method == "POST" else ""
    writer.write(
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{content}Connection: keep-alive\r\n\r\n".encode() + body
    )
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed before an answer")
    status = int(status_line.split()[1])
    length, keep = 0, True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _sep, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        elif name.strip().lower() == "connection" and value.strip().lower() == "close":
            keep = False
    payload = await reader.readexactly(length) if length else b""
    return status, payload, keep


async def _one(port: int, request: tuple[str, str, bytes], i: int, conn: list) -> dict:
    """Send request i on the connection held in conn[0] (opened if None; dropped when closed)."""
    began = time.perf_counter()
    try:
        if conn[0] is None:
            conn[0] = await asyncio.open_connection("127.0.0.1", port)
        reader, writer = conn[0]
        status, payload, keep = await asyncio.wait_for(_exchange(reader, writer, *request), timeout=120)
        result = {
            "i": i,
            "status": status,
            "seconds": time.perf_counter() - began,
            "answer": json.loads(payload or b"{}"),
        }
        if not keep:
            writer.close()
            conn[0] = None
        return result
    except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as err:
        if conn[0] is not None:
            conn[0][1].close()
            conn[0] = None
        return {"i": i, "status": 0, "seconds": time.perf_counter() - began, "error": repr(err)}


async def _fire(port: int, request: Callable, count: int, concurrency: int, spread: float) -> tuple[list[dict], float]:
    results: list[dict] = []
    pending = iter(range(count))
    start = asyncio.Event()

    async def client() -> None:
        conn: list = [None]
        await start.wait()
        for i in pending:  # shared iterator: each request is sent once, by whichever client is free
            results.append(await _one(port, request(i), i, conn))
        if conn[0] is not None:
            conn[0][1].close()

    async def arrival(i: int, at: float) -> None:
        # Open loop: request i arrives at its time whatever happened to the others, on its own connection.
        await start.wait()
        await asyncio.sleep(max(0.0, at - (time.perf_counter() - began)))
        conn: list = [None]
        results.append(await _one(port, request(i), i, conn))
        if conn[0] is not None:
            conn[0][1].close()

    if spread > 0:
        tasks = [asyncio.create_task(arrival(i, i * spread / count)) for i in range(count)]
    else:
        tasks = [asyncio.create_task(client()) for _ in range(concurrency)]
    await asyncio.sleep(0)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return results, time.perf_counter() - began


def fire(port: int, request: Callable, count: int, concurrency: int, spread: float = 0) -> tuple[list[dict], float]:
    """`count` requests (request(i) gives method, path, body) through one asyncio loop; returns the results and
    the wall time. spread == 0: `concurrency` clients released together, each on its own keep-alive
    connection, each sending its next request as soon as it has an answer (closed loop).
    spread > 0: request i arrives at i * spread / count seconds on a new connection (open loop)."""
    return asyncio.run(_fire(port, request, count, concurrency, spread))
