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


def _held(ctx: Context, server: Process, address: str, name: str, count: int, source: int) -> dict[str, Any]:
    """Connect `count` chargers, then hold them with heartbeats; the server's RSS once all are booted and
    settled, its CPU share while holding."""
    hold = ctx.pick(5.0, 8.0)
    measured: dict[str, Any] = {}

    def on_ready() -> None:
        time.sleep(1.0)
        measured["rss_mib"] = server.rss_mib()
        measured["cpu_start"] = (server.cpu_seconds(), time.monotonic())

    result = ocpprun.run_generator(
        ctx,
        name,
        address,
        [
            "--mode",
            "connect",
            "--stations",
            str(count),
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
        timeout=120 + count / 50,
        on_ready=on_ready,
    )
    if "cpu_start" not in measured:
        raise RuntimeError(f"{name}: the chargers never were all connected")
    cpu, at = measured["cpu_start"]
    # The server is still up: the generator ended, the server's process did not.
    measured["cpu_percent"] = 100 * (server.cpu_seconds() - cpu) / (time.monotonic() - at)
    measured["errors"] = int(result["connect_errors"]) + int(result["errors"])
    measured["connect_seconds"] = float(result["connect_seconds"])
    measured["first_errors"] = result["first_errors"]
    return measured


@benchmark("ocpp-connections", "1.6 chargers connected to one hub process: RSS, CPU, errors, vs bare `ocpp`")
def run_connections(ctx: Context) -> list[Figure]:
    limit = ocpprun.raise_file_limit()
    ctx.say(f"  open files limit: {limit:,}")
    counts = ctx.pick((250, 500), (1_000, 5_000, 10_000))
    figures: list[Figure] = []
    source = 10
    migrated = seed.sqlite_database(ctx.workdir, "connections-migrated")
    for count in counts:
        source += 1
        url = seed.sqlite_copy(migrated, ctx.workdir, f"connections-{count}")
        hub, hub_address = ocpprun.hub_process(
            ctx, url, f"connections-hub-{count}", OCPI_HUB_OCPP_AUTO_REGISTER="true"
        )
        with running(hub):
            ocpprun.wait_hub(hub, hub_address)
            ctx.say(f"  {count:,} chargers to the hub")
            ours = _held(ctx, hub, hub_address, f"connections-gen-{count}", count, source)
        source += 1
        central, central_address = ocpprun.central_process(ctx, f"connections-central-{count}")
        with running(central):
            ocpprun.wait_central(central, central_address)
            ctx.say(f"  {count:,} chargers to the bare central system")
            base = _held(ctx, central, central_address, f"connections-base-{count}", count, source)
        extra = {
            "chargers": count,
            "connect_seconds": ours["connect_seconds"],
            "baseline_connect_seconds": base["connect_seconds"],
            "first_errors": ours["first_errors"],
        }
        figures += [
            Figure(
                benchmark="ocpp-connections",
                label=f"{count:,} chargers, hub RSS",
                unit="MiB",
                value=ours["rss_mib"],
                baseline=base["rss_mib"],
                baseline_label=BASELINE,
                target=Target.at_most(400, source="issue 7") if count >= 10_000 else None,
                extra=extra,
            ),
            Figure(
                benchmark="ocpp-connections",
                label=f"{count:,} chargers, hub CPU holding them (heartbeat every 30 s)",
                unit="% of a core",
                value=ours["cpu_percent"],
                baseline=base["cpu_percent"],
                baseline_label=BASELINE,
                extra=extra,
            ),
            Figure(
                benchmark="ocpp-connections",
                label=f"{count:,} chargers, connection or heartbeat errors",
                unit="errors",
                value=float(ours["errors"]),
                baseline=float(base["errors"]),
                baseline_label=BASELINE,
                target=Target.at_most(0, source="issue 7"),
                extra=extra,
            ),
        ]
    return figures


METER_ACTIONS = {"ocpp1.6": "MeterValues", "ocpp2.0.1": "TransactionEvent Updated"}


def _meter(ctx: Context, address: str, name: str, protocol: str, prefix: str, connections: int) -> float:
    runs_seconds = ctx.pick(3.0, 5.0)
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
