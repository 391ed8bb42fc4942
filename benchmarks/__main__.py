"""`python -m benchmarks [NAME ...] [--quick] [--json OUT.json] [--markdown BENCHMARKS.md]`: run the
benchmarks (all of them by default), print a table, write JSON (and the BENCHMARKS.md report)."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.core import REGISTRY, Context, Figure

# Registration order is the order of a full run.
MODULES = (
    "bench_locations",
    "bench_status",
    "bench_ocpp",
    "bench_push",
    "bench_forward",
    "bench_pricing",
    "bench_utilisation",
)


def _load_all() -> None:
    for module in MODULES:
        importlib.import_module(f"benchmarks.{module}")


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    _load_all()
    names = ", ".join(REGISTRY)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure ocpi-hub next to a baseline in the same run. Benchmarks: " + names,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller data and shorter runs (< 3 minutes)")
    parser.add_argument("--json", type=Path, help="write every figure and the machine to this JSON file")
    parser.add_argument("--markdown", type=Path, help="write the report (BENCHMARKS.md) and its plot here")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for bench in REGISTRY.values():
            out(f"{bench.name:18} {bench.summary}")
        return 0
    unknown = [n for n in args.names if n not in REGISTRY]
    if unknown:
        sys.stderr.write(f"error: unknown benchmark {', '.join(unknown)} (known: {names})\n")
        return 2
    selected = [REGISTRY[n] for n in (args.names or list(REGISTRY))]
    figures: list[Figure] = []
    failed: dict[str, str] = {}
    durations: dict[str, float] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ocpi-hub-bench-") as scratch:
        for bench in selected:
            out(f"{bench.name}: {bench.summary}")
            workdir = Path(scratch) / bench.name
            workdir.mkdir()
            ctx = Context(quick=args.quick, workdir=workdir, say=out)
            t0 = time.monotonic()
            try:
                figures += bench.run(ctx)
            except Exception as exc:
                failed[bench.name] = f"{type(exc).__name__}: {exc}"
                out(f"  failed: {failed[bench.name]}")
                for log in sorted(workdir.glob("*.log")):
                    tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                    if tail:
                        out(f"  {log.name}: " + "\n    ".join(tail))
            durations[bench.name] = time.monotonic() - t0
            out(f"  ({durations[bench.name]:.0f} s)")
    elapsed = time.monotonic() - started
    out()
    out(report.table(figures))
    out("\n" + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in durations.items()))
    out(f"{len(figures)} figures in {elapsed:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "seconds": elapsed,
        "benchmark_seconds": durations,
        "machine": machine(),
        "figures": [f.as_dict() for f in figures],
        "failed": failed,
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.markdown:
        report.write_markdown(args.markdown, result)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
