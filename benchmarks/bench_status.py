"""status-push: OCPP 1.6 StatusNotifications at a fixed total rate to one hub process, each pushed as an EVSE
PATCH (mod_locations Receiver interface) to 5 eMSP partners; latency from the charger's send to the
partner's receipt, on SQLite and PostgreSQL, against the round trip of a bare `ocpp`-library central
system."""

from __future__ import annotations

import asyncio
import bisect
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from benchmarks import ocpprun, seed
from benchmarks.core import Context, Figure, Target, benchmark
from benchmarks.processes import Process, clean_env, free_port, running, uvicorn_argv, wait_http
from benchmarks.stats import percentile
from hub.db import create_engine, create_sessionmaker
from hub.tables.outbox import OPEN_STATES, OutboxRecord

PARTNERS = 5
STATIONS = 100
# Each status change goes to the next connector, and one EVSE changes again only after all 1,000 did: the
# outbox coalesces the queued PATCHes of one EVSE, which would otherwise hide deliveries. Each rate has
# stations of its own, so that its first change of every EVSE is a change.
EVSES = 10
PATIENCE = 10.0


def prefix(rate: int) -> str:
    return f"S{rate}-"


@dataclass(frozen=True)
class Delivery:
    p50_ms: float
    p99_ms: float
    max_ms: float
    sent: int
    # Of the (change, partner) pairs: carried by a PATCH of their own, merged into a later PATCH of the same
    # EVSE, carried only by a PATCH that came after the benchmark stopped waiting, never carried.
    own: int
    coalesced: int
    late: int
    lost: int
    # PATCHes that carried an older state of their EVSE than one the partner had already received.
    backwards: int

    @property
    def pairs(self) -> int:
        return self.sent * PARTNERS

    @property
    def delivered(self) -> float:
        """Own or coalesced, in time."""
        return (self.own + self.coalesced) / self.pairs if self.pairs else float("nan")

    def fraction(self, count: int) -> float:
        return count / self.pairs if self.pairs else float("nan")


@dataclass(frozen=True)
class _Send:
    at: float
    wall: float


@dataclass(frozen=True)
class _Receipt:
    at: float
    status: str
    stamp: float | None


def _generator_args(rate: int, seconds: float, sends: Path | None) -> list[str]:
    args = [
        "--mode",
        "status",
        "--stations",
        str(STATIONS),
        "--connectors",
        str(EVSES),
        "--prefix",
        prefix(rate),
        "--rate",
        str(rate),
        "--duration",
        str(seconds),
        "--settle",
        "0.5",
        # An overloaded hub answers late: a notification not answered within this counts as sent and
        # unanswered, so that the run ends in bounded time.
        "--patience",
        str(PATIENCE),
    ]
    return args + (["--sends", str(sends)] if sends is not None else [])


def _wall(stamp: str) -> float | None:
    if stamp == "-":
        return None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _receipts(path: Path, since: float) -> dict[tuple[int, str], list[_Receipt]]:
    """The EVSE PATCHes received at or after `since`, by (partner, EVSE uid), in the order received."""
    found: dict[tuple[int, str], list[_Receipt]] = defaultdict(list)
    if not path.exists():
        return found
    for line in path.read_text().splitlines():
        received, method, target, status, stamp = line.split(" ", 4)
        parts = target.strip("/").split("/")
        # /p<n>/locations/<country>/<party>/<location>/<evse>
        if method == "PATCH" and len(parts) == 6 and float(received) >= since:
            found[(int(parts[0][1:]), parts[5])].append(_Receipt(float(received), status, _wall(stamp)))
    for receipts in found.values():
        receipts.sort(key=lambda r: r.at)
    return found


def _wait_quiet(path: Path, *, longest: float = 15.0) -> None:
    """Until no push arrived for 2 s (at most `longest` s): the stations' disconnection is pushed too."""
    deadline = time.monotonic() + longest
    count, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = path.stat().st_size if path.exists() else 0
        if now != count:
            count, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > 2.0:
            return
        time.sleep(0.25)


def _open_pushes(url: str) -> int:
    async def count() -> int:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                statement = select(func.count()).where(col(OutboxRecord.state).in_(OPEN_STATES))
                return int((await session.exec(statement)).one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


def _drain(url: str, path: Path, *, stalled: float, longest: float) -> int:
    """After the benchmark stopped waiting: until the outbox holds no open push, or nothing new arrived and
    no open push closed for `stalled` s, or `longest` s passed, so that what comes late is told from what
    does not come; returns the pushes still open then."""
    deadline = time.monotonic() + longest
    seen: tuple[int, int] | None = None
    since = time.monotonic()
    while True:
        open_pushes = _open_pushes(url)
        if not open_pushes:
            break
        now = (path.stat().st_size if path.exists() else 0, open_pushes)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since > stalled:
            break
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    _wait_quiet(path, longest=5.0)
    return _open_pushes(url)


def _carried(sends: list[_Send], receipt: _Receipt) -> int | None:
    """Which change of its EVSE a PATCH carries, or a later state of it: the hub stamps a state while the
    charger waits for the answer, so between that change's send and the next one. The UNKNOWN of the
    connection's end comes after the last change: a change still queued then is merged into it (None: a
    state from before the first change)."""
    if receipt.stamp is None:
        return None
    # The stamp has milliseconds; a change is stamped after its send.
    index = bisect.bisect_right([s.wall for s in sends], receipt.stamp + 0.001) - 1
    return index if index >= 0 else None


def _deliveries(sends_file: Path, receipts_file: Path, first: int, window_end: float) -> Delivery:
    """Each change at each partner: delivered by the first PATCH of its EVSE carrying it or a later change
    (merged into it: coalesced), late when that PATCH came after `window_end`, lost without one; its latency
    is from the send to that PATCH."""
    by_evse: dict[str, list[_Send]] = defaultdict(list)
    first_send = float("inf")
    for line in sends_file.read_text().splitlines():
        sent, station, connector, wall = line.split()
        by_evse[f"L{first + int(station):06d}-{connector}"].append(_Send(float(sent), float(wall)))
        first_send = min(first_send, float(sent))
    if not by_evse:
        raise RuntimeError("the generator sent no StatusNotification")
    receipts = _receipts(receipts_file, first_send)
    latencies: list[float] = []
    own = coalesced = late = lost = backwards = 0
    for evse, sends in by_evse.items():
        sends.sort(key=lambda s: s.at)
        for partner in range(PARTNERS):
            carried = [
                (receipt, index)
                for receipt in receipts.get((partner, evse), [])
                if (index := _carried(sends, receipt)) is not None
            ]
            highest = -1
            for _, index in carried:
                backwards += index < highest
                highest = max(highest, index)
            position = 0
            for k, send in enumerate(sends):
                while position < len(carried) and carried[position][1] < k:
                    position += 1
                if position == len(carried):
                    lost += 1
                    continue
                receipt, index = carried[position]
                latencies.append((receipt.at - send.at) * 1000)
                if receipt.at > window_end:
                    late += 1
                elif index == k and receipt.status != "UNKNOWN":
                    own += 1
                else:
                    coalesced += 1
    return Delivery(
        p50_ms=percentile(latencies, 0.5),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=float("nan")),
        sent=sum(len(s) for s in by_evse.values()),
        own=own,
        coalesced=coalesced,
        late=late,
        lost=lost,
        backwards=backwards,
    )


@contextmanager
def _database(ctx: Context, engine: str) -> Iterator[str]:
    if engine == "sqlite":
        yield seed.sqlite_database(ctx.workdir, "status")
    else:
        with seed.postgres_database("status") as url:
            yield url


def _measure_engine(
    ctx: Context, engine: str, rates: tuple[int, ...], seconds: float, baselines: dict[int, dict[str, float]]
) -> list[Figure]:
    figures: list[Figure] = []
    receipts = ctx.workdir / f"receipts-{engine}.txt"
    port = free_port()
    receiver = Process(
        f"status-receiver-{engine}",
        uvicorn_argv("benchmarks.baselines:receiver_app", port),
        clean_env(BENCH_RECEIPTS=str(receipts)),
        log=ctx.log(f"status-receiver-{engine}"),
    )
    receiver_base = f"http://127.0.0.1:{port}"
    with _database(ctx, engine) as url:
        ctx.say(f"  {engine}: {STATIONS} stations of {EVSES} EVSEs, {PARTNERS} partners")
        ocpprun.seed_stations(url, EVSES, {prefix(rate): STATIONS for rate in rates})
        seed.add_partners(
            url,
            [
                (f"eMSP {n}", "DE", f"E{n:02d}", {"locations": f"{receiver_base}/p{n}/locations"})
                for n in range(PARTNERS)
            ],
        )
        hub, hub_address = ocpprun.hub_process(ctx, url, f"status-hub-{engine}")
        with running(receiver, hub):
            wait_http(f"{receiver_base}/docs", receiver)
            ocpprun.wait_hub(hub, hub_address)
            for group, rate in enumerate(rates):
                ctx.say(f"  {engine}: {rate} StatusNotifications/s")
                sends = ctx.workdir / f"sends-{engine}-{rate}.txt"
                where = f"{engine}, {rate}/s to {PARTNERS} partners"
                cpu: list[tuple[float, float]] = []

                def go(cpu: list[tuple[float, float]] = cpu) -> None:
                    _wait_quiet(receipts, longest=10.0)
                    # The hub's CPU share while the notifications are sent (from the go to the last send).
                    cpu.append((hub.cpu_seconds(), time.monotonic()))
                    timer = threading.Timer(
                        0.6 + seconds, lambda cpu=cpu: cpu.append((hub.cpu_seconds(), time.monotonic()))
                    )
                    timer.daemon = True
                    timer.start()

                try:
                    result = ocpprun.run_generator(
                        ctx,
                        f"status-gen-{engine}-{rate}",
                        hub_address,
                        _generator_args(rate, seconds, sends),
                        timeout=seconds + PATIENCE + 60,
                        on_ready=go,
                    )
                except RuntimeError as exc:
                    # The hub could not keep up: say so in the report and keep the other rates' figures.
                    ctx.say(f"  {where}: failed: {exc}")
                    figures.append(
                        Figure(
                            benchmark="status-push",
                            label=f"{where}: the run did not finish (the hub fell behind)",
                            unit="",
                            value=float("nan"),
                            target=Target.at_least(1.0, source="issue 6"),
                            notes=str(exc),
                        )
                    )
                    continue
                if result["connect_errors"] or result["errors"]:
                    raise RuntimeError(f"status-push {engine} {rate}/s: errors {result}")
                unanswered = int(result.get("unanswered", 0))
                _wait_quiet(receipts)
                window_end = time.monotonic()
                hub_cpu = (
                    100 * (cpu[1][0] - cpu[0][0]) / (cpu[1][1] - cpu[0][1]) if len(cpu) == 2 else float("nan")
                )
                drain_started = time.monotonic()
                still_open = _drain(url, receipts, stalled=5.0, longest=10.0)
                ctx.say(
                    f"  {where}: hub CPU {hub_cpu:.0f} % of a core while sending; drained for "
                    f"{time.monotonic() - drain_started:.0f} s, {still_open:,} pushes still open"
                )
                delivery = _deliveries(sends, receipts, group * STATIONS, window_end)
                base = baselines[rate]
                extra = {
                    "rate": rate,
                    "engine": engine,
                    "p50_ms": delivery.p50_ms,
                    "p99_ms": delivery.p99_ms,
                    "max_ms": delivery.max_ms,
                    "delivered": delivery.delivered,
                    "own": delivery.fraction(delivery.own),
                    "coalesced": delivery.fraction(delivery.coalesced),
                    "late": delivery.fraction(delivery.late),
                    "lost": delivery.fraction(delivery.lost),
                    "backwards": delivery.backwards,
                    "sent_rate": result["rate"],
                    "open_after_drain": still_open,
                    "unanswered": unanswered,
                    "hub_cpu_percent": hub_cpu,
                    "hub_round_trip_ms": result["rtt_ms"],
                }
                at_target = rate <= 500
                figures += [
                    Figure(
                        benchmark="status-push",
                        label=f"{where}, p50 send → receipt",
                        unit="ms",
                        value=delivery.p50_ms,
                        baseline=base["p50"],
                        baseline_label=BASELINE,
                        target=Target.at_most(20, source="issue 6") if at_target else None,
                        extra=extra,
                    ),
                    Figure(
                        benchmark="status-push",
                        label=f"{where}, p99 send → receipt (max {delivery.max_ms:,.0f} ms)",
                        unit="ms",
                        value=delivery.p99_ms,
                        baseline=base["p99"],
                        baseline_label=BASELINE,
                        target=Target.at_most(100, source="issue 6") if at_target else None,
                        extra={"engine": engine, "p99_ms": delivery.p99_ms, "max_ms": delivery.max_ms},
                    ),
                    Figure(
                        benchmark="status-push",
                        label=(
                            f"{where}, delivered fraction of {delivery.sent:,} changes (own PATCH "
                            f"{delivery.fraction(delivery.own):.3f}, coalesced "
                            f"{delivery.fraction(delivery.coalesced):.3f}; late "
                            f"{delivery.fraction(delivery.late):.3f}, not arrived "
                            f"{delivery.fraction(delivery.lost):.3f}"
                            + (
                                f", {still_open:,} pushes still queued when it stopped waiting)"
                                if still_open
                                else ")"
                            )
                        ),
                        unit="",
                        value=delivery.delivered,
                        target=Target.at_least(1.0, source="issue 6"),
                    ),
                    Figure(
                        benchmark="status-push",
                        label=f"{where}, hub CPU while the notifications are sent (hub round trip p50 "
                        f"{result['rtt_ms']['p50']:,.0f} ms, {result['rate']:.0f} sent/s"
                        + (f", {unanswered:,} not answered within {PATIENCE:g} s)" if unanswered else ")"),
                        unit="% of a core",
                        value=hub_cpu,
                    ),
                    Figure(
                        benchmark="status-push",
                        label=f"{where}, PATCHes carrying an older state than one already received",
                        unit="",
                        value=float(delivery.backwards),
                        target=Target.at_most(0, source="DESIGN decision 5"),
                    ),
                ]
    return figures


BASELINE = "round trip of the same StatusNotifications to a bare `ocpp`-library central system"


@benchmark(
    "status-push", "StatusNotification → EVSE PATCH at 5 partners: latency by rate, SQLite and PostgreSQL"
)
def run(ctx: Context) -> list[Figure]:
    rates: tuple[int, ...] = ctx.pick((100,), (100, 500, 1_000))
    seconds = ctx.pick(3.0, 5.0)
    baselines: dict[int, dict[str, float]] = {}
    central, central_address = ocpprun.central_process(ctx, "status-central")
    with running(central):
        ocpprun.wait_central(central, central_address)
        for rate in rates:
            ctx.say(f"  bare central system: {rate} StatusNotifications/s")
            result = ocpprun.run_generator(
                ctx,
                f"status-base-{rate}",
                central_address,
                _generator_args(rate, seconds, None),
                timeout=seconds + 60,
                on_ready=lambda: None,
            )
            baselines[rate] = result["rtt_ms"]
    figures = _measure_engine(ctx, "sqlite", rates, seconds, baselines)
    if seed.with_postgres(ctx):
        figures += _measure_engine(ctx, "postgresql", rates, seconds, baselines)
    return figures
