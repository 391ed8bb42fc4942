"""Running the load generator (`benchmarks.httpload`) as its own process and reading its answer."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.processes import python


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    statuses: dict[str, int]
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float | None


def run_httpload(
    base: str,
    paths: Path,
    *,
    connections: int,
    seconds: float,
    headers: tuple[str, ...] = (),
    method: str = "GET",
    body: Path | None = None,
    rate: float | None = None,
    warmup: float = 1.0,
    expect: str = "200",
) -> LoadResult:
    """Load `base` + each path of the file `paths`; fails when a request errs or answers another status."""
    argv = python(
        "-m", "benchmarks.httpload", "--base", base, "--paths", str(paths), "--connections", str(connections),
        "--duration", str(seconds), "--warmup", str(warmup), "--method", method,
    )  # fmt: skip
    for header in headers:
        argv += ["--header", header]
    if body is not None:
        argv += ["--body", str(body)]
    if rate is not None:
        argv += ["--rate", str(rate)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=seconds + warmup + 60)
    raw = json.loads(done.stdout)
    result = LoadResult(
        requests=int(raw["requests"]),
        errors=int(raw["errors"]),
        statuses={str(k): int(v) for k, v in raw["statuses"].items()},
        requests_per_second=float(raw["requests_per_second"]),
        p50_ms=float(raw["latency_ms"]["p50"]),
        p99_ms=float(raw["latency_ms"]["p99"]),
        max_ms=raw["latency_ms"]["max"],
    )
    if result.errors or set(result.statuses) - {expect}:
        raise RuntimeError(f"{base}: errors under load: {raw}")
    return result
