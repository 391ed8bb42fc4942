"""utilisation: `ocpi-hub report utilisation` (hub/analytics) over a year of generated history (250 EVSEs in
a full run, 1,000 on request), on SQLite and PostgreSQL, against streaming the same status rows without
computing."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg

from benchmarks.core import Context, Figure, Target, benchmark
from benchmarks.seed import postgres_database, sqlite_database, with_postgres
from benchmarks.stats import Spread
from hub.analytics.history import STATUS_HISTORY
from hub.analytics.report import utilisation
from hub.db import create_engine

START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 365
EVSES_PER_SITE = 4
FULL_EVSES = 1000
# The full run reports over 250 EVSEs (100 with --quick): generating and copying a year at 1,000 took
# minutes of the 20 the full run has; the report's work grows with the status rows, so the promise is
# checked as a rate. `python -m benchmarks utilisation` alone with BENCH_UTILISATION_EVSES=1000 measures
# the whole fleet.
RUN_EVSES = int(os.environ.get("BENCH_UTILISATION_EVSES", "250"))
# The promise: a year at 1,000 EVSEs in 60 s, as a rate of status rows (the full run's row count / 60 s).
TARGET_SECONDS = 60.0
# Drivers arriving at a free EVSE per day (the busy time in between makes ~2.75 sessions a day, ~28 % occupancy).
ARRIVALS_PER_DAY = 4.0


def _stamp(value: datetime) -> str:
    # SQLAlchemy's SQLite DATETIME text (naive UTC), and what PostgreSQL's COPY reads as a timestamp;
    # isoformat is several times cheaper than strftime, and the history has millions of stamps.
    return value.isoformat(sep=" ", timespec="microseconds")[:26]


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")[:19] + "Z"


def generate(evses: int, seed: int = 7) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(table, row) for `evses` EVSEs over DAYS days: sessions arriving more at day than at night, each
    CHARGING then (a third of them) BLOCKED for a while, then AVAILABLE; an hour of OUTOFORDER now and
    then; a start row and, for some, a refused Authorize before it."""
    rng = random.Random(seed)
    end = START + timedelta(days=DAYS)
    n = 0
    for e in range(evses):
        site, uid = f"LOC{e // EVSES_PER_SITE:04d}", f"LOC{e // EVSES_PER_SITE:04d}-{e % EVSES_PER_SITE}"
        yield "status", ("NL", "BEN", site, uid, "AVAILABLE", _stamp(START - timedelta(days=1)))
        at = START
        while True:
            # Arrivals at 1.6x the mean rate from 07:00 to 22:00 UTC, 0.2x at night (a thinned Poisson process).
            at += timedelta(hours=rng.expovariate(ARRIVALS_PER_DAY * 1.6 / 24))
            if at >= end:
                break
            if not 7 <= at.hour < 22 and rng.random() >= 0.2 / 1.6:
                continue
            charge = timedelta(minutes=rng.uniform(20, 240))
            n += 1
            if rng.random() < 0.05:
                yield "decision", ("NL", "BEN", site, uid, "CP", "authorize", "BLOCKED", _stamp(at))
            yield "decision", ("NL", "BEN", site, uid, "CP", "start", "ALLOWED", _stamp(at))
            yield "status", ("NL", "BEN", site, uid, "CHARGING", _stamp(at))
            kwh = round(charge.total_seconds() / 3600 * rng.choice((7.4, 11.0, 22.0)), 3)
            body = {
                "country_code": "NL",
                "party_id": "BEN",
                "id": f"S{n}",
                "start_date_time": _iso(at),
                "end_date_time": _iso(at + charge),
                "kwh": kwh,
                "cdr_token": {"country_code": "DE", "party_id": "MSP", "uid": f"T{n % 5000}", "type": "RFID"},
                "auth_method": "WHITELIST",
                "location_id": site,
                "evse_uid": uid,
                "connector_id": "1",
                "currency": "EUR",
                "status": "COMPLETED",
                "last_updated": _iso(at + charge),
            }
            yield (
                "session",
                ("NL", "BEN", f"S{n}", _stamp(at + charge), orjson.dumps(body).decode(), "DE", "MSP"),
            )
            at += charge
            if rng.random() < 1 / 3:
                yield "status", ("NL", "BEN", site, uid, "BLOCKED", _stamp(at))
                at += timedelta(minutes=rng.uniform(5, 90))
            yield "status", ("NL", "BEN", site, uid, "AVAILABLE", _stamp(at))
            if rng.random() < 0.01:
                at += timedelta(minutes=rng.uniform(1, 10))
                yield "status", ("NL", "BEN", site, uid, "OUTOFORDER", _stamp(at))
                at += timedelta(hours=1)
                yield "status", ("NL", "BEN", site, uid, "AVAILABLE", _stamp(at))


def locations(evses: int) -> list[tuple[Any, ...]]:
    rows = []
    for s in range((evses + EVSES_PER_SITE - 1) // EVSES_PER_SITE):
        site = f"LOC{s:04d}"
        body = {
            "id": site,
            "name": f"Benchmark site {s}",
            "time_zone": "Europe/Amsterdam",
            "evses": [{"uid": f"{site}-{k}", "status": "AVAILABLE"} for k in range(EVSES_PER_SITE)],
        }
        rows.append(("NL", "BEN", site, _stamp(START), json.dumps(body)))
    return rows


COLUMNS = {
    "status": ("evse_status_history", "country_code, party_id, location_id, evse_uid, status, changed_at"),
    "decision": (
        "authorization_log",
        "country_code, party_id, location_id, evse_uid, station_id, kind, outcome, at",
    ),
    "session": (
        "session",
        "country_code, party_id, object_key, last_updated, body, token_country_code, token_party_id",
    ),
    "location": ("location", "country_code, party_id, object_key, last_updated, body"),
}


def _batches(evses: int, size: int = 50_000) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    batch: dict[str, list[tuple[Any, ...]]] = {k: [] for k in COLUMNS}
    batch["location"] = locations(evses)
    count = 0
    for table, row in generate(evses):
        batch[table].append(row)
        count += 1
        if count >= size:
            yield batch
            batch, count = {k: [] for k in COLUMNS}, 0
    yield batch


def fill_sqlite(url: str, evses: int) -> int:
    """Write the history straight into the migrated SQLite file; returns the status rows."""
    rows = 0
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        for batch in _batches(evses):
            for kind, values in batch.items():
                if values:
                    table, columns = COLUMNS[kind]
                    marks = ", ".join("?" * len(values[0]))
                    db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
            rows += len(batch["status"])
        db.execute("ANALYZE")
    return rows


def fill_postgres(url: str, evses: int, source: str | None = None) -> int:
    """Write the history into PostgreSQL with COPY: the rows of the filled SQLite file `source` (the same
    data without generating it again), else generated here."""
    rows = 0
    with psycopg.connect(url) as db:
        if source is not None:
            with sqlite3.connect(source.removeprefix("sqlite:///")) as lite:
                for table, columns in COLUMNS.values():
                    cursor = lite.execute(f"SELECT {columns} FROM {table}")
                    with db.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        while chunk := cursor.fetchmany(50_000):
                            for row in chunk:
                                copy.write_row(row)
                            if table == "evse_status_history":
                                rows += len(chunk)
        else:
            for batch in _batches(evses):
                for kind, values in batch.items():
                    if values:
                        table, columns = COLUMNS[kind]
                        with db.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            for row in values:
                                copy.write_row(row)
                rows += len(batch["status"])
        db.execute("ANALYZE")
    return rows


async def _report(url: str) -> float:
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        await utilisation(engine, START, START + timedelta(days=DAYS))
        return time.perf_counter() - started
    finally:
        await engine.dispose()


async def _stream(url: str) -> float:
    """The floor: the same status rows read in the same order, nothing computed."""
    from sqlalchemy import select

    h = STATUS_HISTORY.c
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        statement = (
            select(h.country_code, h.party_id, h.location_id, h.evse_uid, h.status, h.changed_at)
            .where(h.changed_at >= START, h.changed_at < START + timedelta(days=DAYS))
            .order_by(h.country_code, h.party_id, h.location_id, h.evse_uid, h.changed_at, h.id)
        )
        async with engine.connect() as connection:
            result = await connection.stream(statement.execution_options(yield_per=20_000))
            async for _batch in result.partitions(20_000):
                pass
        return time.perf_counter() - started
    finally:
        await engine.dispose()


def _measure(ctx: Context, engine: str, url: str, evses: int, runs: int, source: str | None = None) -> Figure:
    started = time.perf_counter()
    rows = fill_sqlite(url, evses) if engine == "sqlite" else fill_postgres(url, evses, source)
    how = "copied from the SQLite run's file" if source else "generated"
    ctx.say(
        f"  {engine}: {rows:,} status rows for {evses} EVSEs {how} in {time.perf_counter() - started:.0f} s"
    )
    ours, floor = [], []
    for n in range(runs):
        ours.append(asyncio.run(_report(url)))
        floor.append(asyncio.run(_stream(url)))
        ctx.say(
            f"  {engine} run {n + 1}/{runs}: report {ours[-1]:.1f} s, rows streamed only {floor[-1]:.1f} s"
        )
    seconds = Spread(tuple(ours))
    rate = rows / seconds.median
    return Figure(
        benchmark="utilisation",
        label=f"a year at {evses:,} EVSEs ({rows:,} status rows), {engine}",
        unit="status rows/s",
        value=rate,
        spread=Spread(tuple(rows / s for s in ours)),
        baseline=rows / Spread(tuple(floor)).median,
        baseline_label="the same status rows streamed in EVSE order, nothing computed",
        # Status rows per EVSE-year are the same at any scale (one generator, one seed): the full fleet's
        # rows in 60 s is the rate to meet.
        target=Target.at_least(
            round(rows * FULL_EVSES / evses / TARGET_SECONDS),
            source=f"a year at {FULL_EVSES:,} EVSEs in 60 s",
        ),
        notes=f"report {seconds.median:.1f} s (min {seconds.min:.1f}, max {seconds.max:.1f})",
        extra={"engine": engine, "evses": evses, "status_rows": rows, "seconds": seconds.median},
    )


@benchmark("utilisation", "utilisation report over a year of status history, sessions and authorizations")
def run(ctx: Context) -> list[Figure]:
    evses, runs = ctx.pick((100, 1), (RUN_EVSES, 1))
    lite = sqlite_database(ctx.workdir, "utilisation")
    figures = [_measure(ctx, "sqlite", lite, evses, runs)]
    if with_postgres(ctx):
        with postgres_database("utilisation") as url:
            figures.append(_measure(ctx, "postgresql", url, evses, runs, source=lite))
    return figures
