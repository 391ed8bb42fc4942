"""An HTTP/1.1 load generator over raw asyncio streams (keep-alive, one request in flight per connection),
run as its own process so that it does not share the measured server's interpreter:

    python -m benchmarks.httpload --base http://127.0.0.1:8000 --paths paths.txt --connections 16 --duration 5

Closed loop by default (each connection sends its next request when the answer is in); `--rate R` sends R
requests per second in all, open loop, and measures each request from its planned start. Prints one JSON
object: requests, errors, statuses, seconds, requests_per_second, latency_ms p50/p90/p99/max."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

from benchmarks.stats import percentile


class Connection:
    def __init__(self, host: str, port: int, headers: bytes) -> None:
        self.host, self.port, self.headers = host, port, headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n".encode() + self.headers
        if body:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        self.writer.write(head + b"\r\n" + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed by the server")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value)
            elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif lowered == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            while (size := int((await self.reader.readline()).strip() or b"0", 16)) > 0:
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        elif length:
            await self.reader.readexactly(length)
        if close:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


class Run:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.errors = 0

    def record(self, started: float, status: int | None) -> None:
        if status is None:
            self.errors += 1
            return
        self.latencies.append(time.perf_counter() - started)
        self.statuses[status] += 1


async def _closed_loop(
    connection: Connection, paths: Iterator[str], method: str, body: bytes, until: float, run: Run
) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            status: int | None = await connection.request(method, next(paths), body)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            status = None
            await connection.close()
        run.record(started, status)


async def _open_loop(
    pool: asyncio.Queue[Connection],
    paths: Iterator[str],
    method: str,
    body: bytes,
    rate: float,
    until: float,
    run: Run,
) -> None:
    tasks: set[asyncio.Task[None]] = set()
    interval = 1.0 / rate
    planned = time.perf_counter()

    async def one(start: float, path: str) -> None:
        connection = await pool.get()
        try:
            status: int | None = await connection.request(method, path, body)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            status = None
            await connection.close()
        finally:
            pool.put_nowait(connection)
        run.record(start, status)

    while planned < until:
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(planned, next(paths)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        planned += interval
    await asyncio.gather(*tasks)


async def load(
    base: str,
    paths: list[str],
    *,
    connections: int,
    duration: float,
    headers: list[str],
    method: str = "GET",
    body: bytes = b"",
    rate: float | None = None,
    warmup: float = 0.0,
) -> dict[str, object]:
    split = urlsplit(base)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    prefix = split.path.rstrip("/")
    header_bytes = b"".join(f"{h}\r\n".encode() for h in headers)
    cycle = itertools.cycle([prefix + p for p in paths])
    pool = [Connection(host, port, header_bytes) for _ in range(connections)]
    if warmup:
        await asyncio.gather(
            *(_closed_loop(c, cycle, method, body, time.perf_counter() + warmup, Run()) for c in pool)
        )
    run = Run()
    started = time.perf_counter()
    until = started + duration
    if rate is None:
        await asyncio.gather(*(_closed_loop(c, cycle, method, body, until, run) for c in pool))
    else:
        queue: asyncio.Queue[Connection] = asyncio.Queue()
        for connection in pool:
            queue.put_nowait(connection)
        await _open_loop(queue, cycle, method, body, rate, until, run)
    elapsed = time.perf_counter() - started
    for connection in pool:
        await connection.close()
    ms = [latency * 1000 for latency in run.latencies]
    return {
        "requests": len(run.latencies),
        "errors": run.errors,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "seconds": elapsed,
        "requests_per_second": len(run.latencies) / elapsed if elapsed else 0.0,
        "latency_ms": {
            "p50": percentile(ms, 0.5),
            "p90": percentile(ms, 0.9),
            "p99": percentile(ms, 0.99),
            "max": max(ms) if ms else None,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.httpload", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--base", required=True, help="base URL, e.g. http://127.0.0.1:8000/ocpi/2.2.1")
    parser.add_argument("--paths", required=True, help="file with one path per line, cycled through")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring")
    parser.add_argument("--rate", type=float, default=None, help="requests per second in all (open loop)")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="", help="file whose bytes are sent as a JSON body")
    args = parser.parse_args(argv)
    with open(args.paths, encoding="utf-8") as handle:
        paths = [line.strip() for line in handle if line.strip()]
    body = b""
    if args.body:
        with open(args.body, "rb") as handle:
            body = handle.read()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(
        load(
            args.base,
            paths,
            connections=args.connections,
            duration=args.duration,
            headers=args.header,
            method=args.method,
            body=body,
            rate=args.rate,
            warmup=args.warmup,
        )
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
