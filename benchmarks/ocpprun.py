"""The processes of the OCPP benchmarks: the hub with its OCPP endpoint (`ocpi-hub serve`'s app), the bare
`ocpp`-library central system, the stations mapped to the seeded Locations, and the OCPP load generator
(`benchmarks.ocppload`) run to its end."""

from __future__ import annotations

import asyncio
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import seed
from benchmarks.core import Context
from benchmarks.processes import Process, clean_env, free_port, python, running, uvicorn_argv, wait_http
from hub.db import create_engine, create_sessionmaker
from hub.stations.imports import import_stations


def raise_file_limit() -> int:
    """Chargers are sockets: the servers started from here inherit our limit of open files, so raise it to
    the hard limit (10,000 chargers need 10,000 descriptors in the generator and as many in the server)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def hub_process(ctx: Context, url: str, name: str, **settings: str) -> tuple[Process, str]:
    """The hub and its OCPP endpoint in one uvicorn process (`ocpi-hub serve`), push worker on."""
    port = free_port()
    env = clean_env(
        OCPI_HUB_DATABASE_URL=url,
        OCPI_HUB_PARTIES=json.dumps([seed.CPO.model_dump(mode="json")]),
        OCPI_HUB_BASE_URL=f"http://127.0.0.1:{port}",
        OCPI_HUB_LOG_LEVEL="warning",
        **settings,
    )
    process = Process(name, uvicorn_argv("adapters.app:create_gateway", port), env, log=ctx.log(name))
    return process, f"127.0.0.1:{port}"


def central_process(ctx: Context, name: str) -> tuple[Process, str]:
    port = free_port()
    process = Process(
        name, python("-m", "benchmarks.ocpp_central", "--port", str(port)), clean_env(), log=ctx.log(name)
    )
    return process, f"127.0.0.1:{port}"


def wait_hub(process: Process, address: str) -> None:
    wait_http(f"http://{address}/readyz", process)


def wait_central(process: Process, address: str) -> None:
    wait_http(f"http://{address}/", process)


def station_mapping(stations: int, evses: int, prefix: str, first: int = 0) -> list[dict[str, Any]]:
    """Station `<prefix><n>` is Location number first + n; its OCPP connector (1.6) or EVSE (2.0.1) e is
    EVSE e."""
    return [
        {
            "station_id": f"{prefix}{n}",
            "location_id": f"L{first + n:06d}",
            "connectors": [
                {"evse": e, "connector": 1, "evse_uid": f"L{first + n:06d}-{e}", "connector_id": "1"}
                for e in range(1, evses + 1)
            ],
        }
        for n in range(stations)
    ]


async def _import_stations(url: str, items: list[dict[str, Any]]) -> None:
    engine = create_engine(url)
    try:
        report = await import_stations(create_sessionmaker(engine), seed.settings_for(url), items)
        if report.invalid:
            raise RuntimeError(f"station mapping refused: {report.invalid[:3]}")
    finally:
        await engine.dispose()


def seed_stations(url: str, evses: int, groups: dict[str, int]) -> None:
    """Locations L000000.. with `evses` EVSEs of one Connector each, and the stations of each group
    ({prefix: stations}) mapped to them, group after group."""
    total = sum(groups.values())
    seed.import_data(
        url, seed.ImportKind.LOCATIONS, [seed.location(i, evses=evses, connectors=1) for i in range(total)]
    )
    items: list[dict[str, Any]] = []
    for prefix, stations in groups.items():
        items += station_mapping(stations, evses, prefix, first=len(items))
    asyncio.run(_import_stations(url, items))


def run_generator(
    ctx: Context,
    name: str,
    address: str,
    args: list[str],
    *,
    timeout: float,
    on_ready: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Run `benchmarks.ocppload` against ws://<address>/ocpp to its end and return its JSON; `on_ready` is
    called once its chargers are all connected, and the generator then told to go on (status mode)."""
    out = ctx.workdir / f"{name}.json"
    ready, go = Path(f"{out}.ready"), Path(f"{out}.go")
    for stale in (out, ready, go):
        stale.unlink(missing_ok=True)
    argv = python("-m", "benchmarks.ocppload", "--url", f"ws://{address}/ocpp", "--out", str(out), *args)
    generator = Process(name, argv, clean_env(), log=ctx.log(name))
    deadline = time.monotonic() + timeout
    with running(generator):
        called = False
        while generator.alive():
            if on_ready is not None and not called and ready.exists():
                called = True
                on_ready()
                go.write_text("go\n")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not finish within {timeout:.0f} s (see {generator.log})")
            time.sleep(0.05)
    if generator.popen is None or generator.popen.returncode != 0 or not out.exists():
        raise RuntimeError(f"{name} failed (see {generator.log})")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def run_growing(
    ctx: Context,
    name: str,
    address: str,
    args: list[str],
    *,
    stages: int,
    timeout: float,
    on_ready: Callable[[int], None],
    on_held: Callable[[int, dict[str, Any]], None],
) -> dict[str, Any]:
    """Run `benchmarks.ocppload --grow` to its end: `on_ready(k)` once stage k's chargers are all connected
    (the generator then told to hold them), `on_held(k, stage)` once it held them."""
    out = ctx.workdir / f"{name}.json"
    marks = [Path(f"{out}.{kind}.{k}") for kind in ("ready", "go", "held") for k in range(stages)]
    for stale in (out, *marks):
        stale.unlink(missing_ok=True)
    argv = python("-m", "benchmarks.ocppload", "--url", f"ws://{address}/ocpp", "--out", str(out), *args)
    generator = Process(name, argv, clean_env(), log=ctx.log(name))
    deadline = time.monotonic() + timeout
    with running(generator):
        ready = held = 0
        while True:
            alive = generator.alive()
            if ready < stages and Path(f"{out}.ready.{ready}").exists():
                on_ready(ready)
                Path(f"{out}.go.{ready}").write_text("go\n")
                ready += 1
            held_mark = Path(f"{out}.held.{held}")
            if held < ready and held_mark.exists():
                on_held(held, json.loads(held_mark.read_text()))
                held += 1
                continue
            if not alive:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not finish within {timeout:.0f} s (see {generator.log})")
            time.sleep(0.05)
    if generator.popen is None or generator.popen.returncode != 0 or not out.exists():
        raise RuntimeError(f"{name} failed (see {generator.log})")
    result: dict[str, Any] = json.loads(out.read_text())
    return result
