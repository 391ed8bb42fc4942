"""status-push: OCPP 1.6 StatusNotifications at a fixed total rate to one hub process, each pushed as an EVSE
PATCH (mod_locations Receiver interface) to 5 eMSP partners; latency from the charger's send to the
partner's receipt, on SQLite and PostgreSQL, against the round trip of a bare `ocpp`-library central
system."""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks import ocpprun, seed
from benchmarks.core import Context, Figure, Target, benchmark
from benchmarks.processes import Process, clean_env, free_port, running, uvicorn_argv, wait_http
from benchmarks.stats import percentile

PARTNERS = 5
STATIONS = 100
# Each status change goes to the next connector, and one EVSE changes again only after all 1,000 did: the
# outbox coalesces the queued PATCHes of one EVSE, which would otherwise hide deliveries. Each rate has
# stations of its own, so that its first change of every EVSE is a change.
EVSES = 10


def prefix(rate: int) -> str:
    return f"S{rate}-"


@dataclass(frozen=True)
class Delivery:
    p50_ms: float
    p99_ms: float
    max_ms: float
    delivered: float
    sent: int


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
    ]
    return args + (["--sends", str(sends)] if sends is not None else [])


def _receipts(path: Path, since: float) -> list[tuple[float, int, str]]:
    """(receipt time, partner, EVSE uid) of every EVSE PATCH received at or after `since`."""
    found: list[tuple[float, int, str]] = []
    if not path.exists():
        return found
    for line in path.read_text().splitlines():
        received, method, target = line.split(" ", 2)
        parts = target.strip("/").split("/")
        # /p<n>/locations/<country>/<party>/<location>/<evse>
        if method == "PATCH" and len(parts) == 6 and float(received) >= since:
            found.append((float(received), int(parts[0][1:]), parts[5]))
    return found


def _wait_quiet(path: Path) -> None:
    """Until no push arrived for 2 s (at most 30 s): the stations' disconnection is pushed too."""
    deadline = time.monotonic() + 30.0
    count, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = path.stat().st_size if path.exists() else 0
        if now != count:
            count, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > 2.0:
            return
        time.sleep(0.25)


def _deliveries(sends_file: Path, receipts_file: Path, first: int) -> Delivery:
    """Each send's latency is the time to the first receipt of its EVSE at each partner after it; a send
    without one is not delivered."""
    sends = []
    for line in sends_file.read_text().splitlines():
        sent, station, connector = line.split()
        sends.append((float(sent), f"L{first + int(station):06d}-{connector}"))
    if not sends:
        raise RuntimeError("the generator sent no StatusNotification")
    by_target: dict[tuple[int, str], list[float]] = defaultdict(list)
    for stamp, partner, evse in _receipts(receipts_file, sends[0][0]):
        by_target[(partner, evse)].append(stamp)
    for times in by_target.values():
        times.sort()
    latencies = []
    for stamp, evse in sends:
        for partner in range(PARTNERS):
            times = by_target.get((partner, evse), [])
            at = bisect.bisect_left(times, stamp)
            if at < len(times):
                latencies.append((times[at] - stamp) * 1000)
    return Delivery(
        p50_ms=percentile(latencies, 0.5),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=float("nan")),
        delivered=len(latencies) / (len(sends) * PARTNERS),
        sent=len(sends),
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
                try:
                    result = ocpprun.run_generator(
                        ctx,
                        f"status-gen-{engine}-{rate}",
                        hub_address,
                        _generator_args(rate, seconds, sends),
                        timeout=seconds + 120,
                        on_ready=lambda: _wait_quiet(receipts),
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
                _wait_quiet(receipts)
                delivery = _deliveries(sends, receipts, group * STATIONS)
                base = baselines[rate]
                extra = {
                    "rate": rate,
                    "engine": engine,
                    "p50_ms": delivery.p50_ms,
                    "p99_ms": delivery.p99_ms,
                    "max_ms": delivery.max_ms,
                    "delivered": delivery.delivered,
                    "sent_rate": result["rate"],
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
                        label=f"{where}, delivered fraction of {delivery.sent:,} changes",
                        unit="",
                        value=delivery.delivered,
                        target=Target.at_least(1.0, source="issue 6"),
                    ),
                ]
    return figures


BASELINE = "round trip of the same StatusNotifications to a bare `ocpp`-library central system"


@benchmark(
    "status-push", "StatusNotification → EVSE PATCH at 5 partners: latency by rate, SQLite and PostgreSQL"
)
def run(ctx: Context) -> list[Figure]:
    rates: tuple[int, ...] = ctx.pick((100,), (100, 500, 1_000))
    seconds = ctx.pick(3.0, 8.0)
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
    if seed.postgres_available():
        figures += _measure_engine(ctx, "postgresql", rates, seconds, baselines)
    else:
        ctx.say("  PostgreSQL not reachable at 127.0.0.1:5432: skipped")
    return figures
