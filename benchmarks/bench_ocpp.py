"""ocpp-connections and ocpp-metervalues: OCPP-J 1.6 chargers held by one hub process (its RSS, CPU and
errors), and MeterValues / TransactionEvent round trips per second through the hub (OCPP 1.6 §6.17, 2.0.1
E02), each against a bare `ocpp`-library central system in the same run."""

from __future__ import annotations

import time
from typing import Any

from benchmarks import ocpprun, seed
from benchmarks.core import Context, Figure, Target, benchmark
from benchmarks.processes import Process, running
from benchmarks.stats import Spread

BASELINE = "bare `ocpp`-library central system on a `websockets` server, answering only"


def _grown(
    ctx: Context, server: Process, address: str, name: str, counts: tuple[int, ...], source: int
) -> list[dict[str, Any]]:
    """Connect `counts[0]` chargers, hold them with heartbeats, add chargers up to `counts[1]`, hold them
    all, and so on, in one server process: its RSS once each stage is booted and settled, its CPU share
    while holding."""
    hold = ctx.pick(3.0, 5.0)
    measured: list[dict[str, Any]] = [{} for _ in counts]

    def on_ready(k: int) -> None:
        time.sleep(1.0)
        measured[k]["rss_mib"] = server.rss_mib()
        measured[k]["cpu_start"] = (server.cpu_seconds(), time.monotonic())

    def on_held(k: int, stage: dict[str, Any]) -> None:
        cpu, at = measured[k]["cpu_start"]
        measured[k]["cpu_percent"] = 100 * (server.cpu_seconds() - cpu) / (time.monotonic() - at)
        measured[k]["errors"] = int(stage["connect_errors"]) + int(stage["errors"])
        measured[k]["connect_seconds"] = float(stage["connect_seconds"])
        measured[k]["first_errors"] = stage["first_errors"]

    ocpprun.run_growing(
        ctx,
        name,
        address,
        [
            "--mode",
            "connect",
            "--stations",
            str(counts[-1]),
            "--grow",
            ",".join(str(c) for c in counts),
            "--duration",
            str(hold),
            "--heartbeat",
            "30",
            "--opening",
            "200",
            "--source",
            str(source),
            "--prefix",
            f"C{source}-",
        ],
        stages=len(counts),
        timeout=120 + counts[-1] / 30,
        on_ready=on_ready,
        on_held=on_held,
    )
    for k, stage in enumerate(measured):
        if "cpu_percent" not in stage:
            raise RuntimeError(f"{name}: the {counts[k]:,} chargers never were all connected and held")
    return measured


@benchmark("ocpp-connections", "1.6 chargers connected to one hub process: RSS, CPU, errors, vs bare `ocpp`")
def run_connections(ctx: Context) -> list[Figure]:
    limit = ocpprun.raise_file_limit()
    ctx.say(f"  open files limit: {limit:,}")
    counts: tuple[int, ...] = ctx.pick((250, 500), (1_000, 5_000, 10_000))
    url = seed.sqlite_database(ctx.workdir, "connections")
    hub, hub_address = ocpprun.hub_process(ctx, url, "connections-hub", OCPI_HUB_OCPP_AUTO_REGISTER="true")
    with running(hub):
        ocpprun.wait_hub(hub, hub_address)
        ctx.say(f"  {' then '.join(f'{c:,}' for c in counts)} chargers to one hub process")
        ours = _grown(ctx, hub, hub_address, "connections-gen", counts, 11)
    central, central_address = ocpprun.central_process(ctx, "connections-central")
    with running(central):
        ocpprun.wait_central(central, central_address)
        ctx.say(f"  {' then '.join(f'{c:,}' for c in counts)} chargers to one bare central system")
        base = _grown(ctx, central, central_address, "connections-base", counts, 12)
    figures: list[Figure] = []
    for count, our, bare in zip(counts, ours, base, strict=True):
        extra = {
            "chargers": count,
            "connect_seconds": our["connect_seconds"],
            "baseline_connect_seconds": bare["connect_seconds"],
            "first_errors": our["first_errors"],
        }
        figures += [
            Figure(
                benchmark="ocpp-connections",
                label=f"{count:,} chargers, hub RSS",
                unit="MiB",
                value=our["rss_mib"],
                baseline=bare["rss_mib"],
                baseline_label=BASELINE,
                target=Target.at_most(400, source="issue 7") if count >= 10_000 else None,
                extra=extra,
            ),
            Figure(
                benchmark="ocpp-connections",
                label=f"{count:,} chargers, hub CPU holding them (heartbeat every 30 s)",
                unit="% of a core",
                value=our["cpu_percent"],
                baseline=bare["cpu_percent"],
                baseline_label=BASELINE,
                extra=extra,
            ),
            Figure(
                benchmark="ocpp-connections",
                label=f"{count:,} chargers, connection or heartbeat errors",
                unit="errors",
                value=float(our["errors"]),
                baseline=float(bare["errors"]),
                baseline_label=BASELINE,
                target=Target.at_most(0, source="issue 7"),
                extra=extra,
            ),
        ]
    return figures


METER_ACTIONS = {"ocpp1.6": "MeterValues", "ocpp2.0.1": "TransactionEvent Updated"}


def _meter(ctx: Context, address: str, name: str, protocol: str, prefix: str, connections: int) -> float:
    runs_seconds = ctx.pick(2.0, 3.0)
    result = ocpprun.run_generator(
        ctx,
        name,
        address,
        [
            "--mode",
            "meter",
            "--protocol",
            protocol,
            "--stations",
            str(connections),
            "--prefix",
            prefix,
            "--duration",
            str(runs_seconds),
            "--settle",
            "1",
        ],
        timeout=120,
    )
    if result["connect_errors"] or result["errors"]:
        raise RuntimeError(f"{name}: errors {result['first_errors']}")
    return float(result["calls_per_second"])


@benchmark("ocpp-metervalues", "MeterValues round trips per second through the hub vs bare `ocpp`")
def run_metervalues(ctx: Context) -> list[Figure]:
    connections = 16
    runs = ctx.pick(1, 3)
    url = seed.sqlite_database(ctx.workdir, "metervalues")
    groups = {f"M16-{n}-": connections for n in range(runs)} | {
        f"M201-{n}-": connections for n in range(runs)
    }
    ocpprun.seed_stations(url, 1, groups)
    hub, hub_address = ocpprun.hub_process(ctx, url, "metervalues-hub")
    central, central_address = ocpprun.central_process(ctx, "metervalues-central")
    figures: list[Figure] = []
    with running(hub, central):
        ocpprun.wait_hub(hub, hub_address)
        ocpprun.wait_central(central, central_address)
        for protocol, tag in (("ocpp1.6", "M16"), ("ocpp2.0.1", "M201")):
            ours, base = [], []
            for n in range(runs):
                ctx.say(f"  {protocol}: run {n + 1}/{runs}")
                prefix = f"{tag}-{n}-"
                ours.append(_meter(ctx, hub_address, f"meter-hub-{tag}-{n}", protocol, prefix, connections))
                base.append(
                    _meter(ctx, central_address, f"meter-base-{tag}-{n}", protocol, prefix, connections)
                )
            spread = Spread(tuple(ours))
            figures.append(
                Figure(
                    benchmark="ocpp-metervalues",
                    label=f"OCPP {protocol.removeprefix('ocpp')} {METER_ACTIONS[protocol]}, SQLite, "
                    f"{connections} chargers, one CALL in flight each",
                    unit="calls/s",
                    value=spread.median,
                    spread=spread,
                    baseline=Spread(tuple(base)).median,
                    baseline_label=BASELINE,
                    target=Target.at_least(0.75, of_ratio=True, source="issue 7"),
                )
            )
    return figures
