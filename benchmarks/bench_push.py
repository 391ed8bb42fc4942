"""push-throughput: outbox deliveries per second (hub.outbox, DESIGN decision 5) by one `ocpi-hub worker`
process to one fast partner and to ten, against the same receiver driven by a plain load generator with the
worker's concurrency."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from benchmarks import seed
from benchmarks.core import Context, Figure, Target, benchmark
from benchmarks.load import run_httpload
from benchmarks.processes import Process, clean_env, free_port, python, running, uvicorn_argv, wait_http
from benchmarks.stats import Spread
from hub.db import create_engine, create_sessionmaker
from hub.modules.locations.service import repository
from hub.modules.objects import Owner
from hub.ocpi.base import format_datetime, utc_now
from hub.outbox.worker import WorkerOptions
from hub.tables.outbox import OutboxRecord

OWNER = Owner.of(seed.CPO.country_code, seed.CPO.party_id)


async def _enqueue(url: str, locations: int) -> int:
    """One EVSE status PATCH per EVSE of every Location, through the change funnel (a change event and one
    outbox row per entitled partner); returns the outbox rows made."""
    engine = create_engine(url)
    try:
        sessionmaker = create_sessionmaker(engine)
        stamp = format_datetime(utc_now())
        for start in range(0, locations, 500):
            async with sessionmaker() as session:
                repo = repository(session)
                for index in range(start, min(locations, start + 500)):
                    location_id = f"L{index:06d}"
                    for evse in (1, 2):
                        await repo.record_change(
                            "locations",
                            OWNER,
                            location_id,
                            "PATCH",
                            {"status": "CHARGING", "last_updated": stamp},
                            evse_uid=f"{location_id}-{evse}",
                        )
                await session.commit()
        async with sessionmaker() as session:
            return int((await session.exec(select(func.count()).select_from(OutboxRecord))).one())
    finally:
        await engine.dispose()


def _receipts(path: Path) -> list[float]:
    if not path.exists():
        return []
    return [float(line.split(" ", 1)[0]) for line in path.read_text().splitlines() if line]


def _drain(ctx: Context, url: str, receipts: Path, expected: int, name: str) -> float:
    """Run `ocpi-hub worker` until the receiver holds `expected` pushes; deliveries per second between the
    first and the last receipt."""
    env = clean_env(
        OCPI_HUB_DATABASE_URL=url,
        OCPI_HUB_PARTIES=json.dumps([seed.CPO.model_dump(mode="json")]),
        OCPI_HUB_LOG_LEVEL="warning",
    )
    worker = Process(name, python("-m", "hub", "worker"), env, log=ctx.log(name))
    deadline = time.monotonic() + max(60.0, expected / 200)
    with running(worker):
        while len(_receipts(receipts)) < expected:
            if not worker.alive():
                raise RuntimeError(f"{name} exited (see {worker.log})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: {len(_receipts(receipts))} of {expected} pushes arrived in time")
            time.sleep(0.2)
    times = _receipts(receipts)
    if len(times) != expected:
        raise RuntimeError(f"{name}: the receiver got {len(times)} pushes, {expected} were queued")
    return (len(times) - 1) / (times[-1] - times[0])


def _baseline(ctx: Context, base: str, connections: int, seconds: float) -> float:
    paths = ctx.workdir / "baseline-paths.txt"
    paths.write_text("\n".join(f"/p/NL/BEN/L{i:06d}/L{i:06d}-1" for i in range(200)))
    body = ctx.workdir / "baseline-body.json"
    body.write_text(json.dumps({"status": "CHARGING", "last_updated": "2026-01-01T00:00:00Z"}))
    return run_httpload(
        base, paths, connections=connections, seconds=seconds, method="PATCH", body=body, warmup=0.5
    ).requests_per_second


def measure(ctx: Context, partners: int, locations: int, runs: int) -> Figure:
    options = WorkerOptions()
    connections = min(options.max_in_flight, options.per_partner * partners)
    ours, base = [], []
    # The Locations are seeded once; every run starts from a copy of them.
    template = seed.sqlite_database(ctx.workdir, f"push-{partners}-seeded")
    seed.import_data(template, seed.ImportKind.LOCATIONS, [seed.location(i) for i in range(locations)])
    for run in range(runs):
        ctx.say(f"  {partners} partner(s): run {run + 1}/{runs}")
        receipts = ctx.workdir / f"receipts-{partners}-{run}.txt"
        port = free_port()
        receiver = Process(
            f"receiver-{partners}",
            uvicorn_argv("benchmarks.baselines:receiver_app", port),
            clean_env(BENCH_RECEIPTS=str(receipts)),
            log=ctx.log(f"push-receiver-{partners}"),
        )
        base_url = f"http://127.0.0.1:{port}"
        url = seed.sqlite_copy(template, ctx.workdir, f"push-{partners}-{run}")
        seed.add_partners(
            url,
            [
                (f"eMSP {n}", "DE", f"E{n:02d}", {"locations": f"{base_url}/p{n}/locations"})
                for n in range(partners)
            ],
        )
        rows = asyncio.run(_enqueue(url, locations))
        with running(receiver):
            wait_http(f"{base_url}/docs", receiver)
            ours.append(_drain(ctx, url, receipts, rows, f"push-worker-{partners}"))
            base.append(_baseline(ctx, base_url, connections, ctx.pick(2.0, 4.0)))
    spread = Spread(tuple(ours))
    return Figure(
        benchmark="push-throughput",
        label=f"SQLite, {partners} partner(s), {2 * locations:,} EVSE PATCHes each",
        unit="pushes/s",
        value=spread.median,
        spread=spread,
        baseline=Spread(tuple(base)).median,
        baseline_label=f"plain PATCHes to the same receiver, {connections} connections (the worker's concurrency)",
        target=Target.at_least(2000, source="issue 6") if partners == 1 else None,
    )


@benchmark("push-throughput", "outbox deliveries per second by one worker process to 1 and 10 fast partners")
def run(ctx: Context) -> list[Figure]:
    runs = ctx.pick(1, 3)
    return [
        measure(ctx, 1, ctx.pick(500, 2_500), runs),
        measure(ctx, 10, ctx.pick(100, 500), runs),
    ]
