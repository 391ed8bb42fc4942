"""hub-forward: the latency the Hub role adds (transport_and_format message routing, "Party to Party via
Hub"): an eMSP's GET of a Location from a CPO party behind the hub, through the hub and straight to the CPO,
open loop at a fixed rate."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from dataclasses import dataclass

import httpx

from benchmarks import seed
from benchmarks.core import Context, Figure, Target, benchmark
from benchmarks.load import LoadResult, run_httpload
from benchmarks.processes import Process, clean_env, free_port, running, uvicorn_argv, wait_http
from hub.config import LocalParty
from hub.db import create_engine, create_sessionmaker
from hub.ocpi.enums import Role
from hub.partners.repository import PartnerRepository
from hub.tables import PartnerEndpointRecord, PartnerRoleRecord, PartnerStatus, TokenKind

HUB = LocalParty(country_code="NL", party_id="HUB", role=Role.HUB, name="Benchmark Hub")
CPO = ("NL", "CPF")
EMSP = ("DE", "EMF")
CPO_LOCATIONS = "/cpo/2.2.1/locations"
CONNECTIONS = 16


@dataclass(frozen=True)
class Party:
    token: str


async def _register(url: str, cpo_base: str) -> Party:
    """The CPO (Sender of Locations at the fake CPO app) and the eMSP that asks, as after the handshake."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            repo = PartnerRepository(session)
            emsp_token = secrets.token_urlsafe(24)
            for name, (country, party), role, token in (
                ("CPO behind the hub", CPO, Role.CPO, secrets.token_urlsafe(24)),
                ("eMSP behind the hub", EMSP, Role.EMSP, emsp_token),
            ):
                record = await repo.create(name=name, status=PartnerStatus.REGISTERED)
                assert record.id is not None
                record.version = "2.2.1"
                record.token_out = secrets.token_urlsafe(24)
                await repo.add_token(record, token, TokenKind.ACTIVE)
                session.add(
                    PartnerRoleRecord(
                        partner_id=record.id,
                        role=role.value,
                        country_code=country,
                        party_id=party,
                        business_details={"name": name},
                    )
                )
                if role is Role.CPO:
                    session.add(
                        PartnerEndpointRecord(
                            partner_id=record.id,
                            module="locations",
                            interface_role="SENDER",
                            url=f"{cpo_base}{CPO_LOCATIONS}",
                        )
                    )
            await session.commit()
    finally:
        await engine.dispose()
    return Party(emsp_token)


def _headers(token: str) -> tuple[str, ...]:
    return (
        "Authorization: Token " + base64.b64encode(token.encode()).decode(),
        f"OCPI-from-country-code: {EMSP[0]}",
        f"OCPI-from-party-id: {EMSP[1]}",
        f"OCPI-to-country-code: {CPO[0]}",
        f"OCPI-to-party-id: {CPO[1]}",
        "X-Request-ID: bench",
        "X-Correlation-ID: bench",
    )


def _check_forwarded(base: str, path: str, headers: tuple[str, ...], location_id: str) -> None:
    """The hub answers routing errors with HTTP 200 too: make sure the CPO's Location comes back."""
    answer = httpx.get(
        f"{base}/ocpi/2.2.1/sender/locations{path}",
        headers=dict(h.split(": ", 1) for h in headers),
        timeout=10,
    )
    envelope = answer.json()
    if envelope.get("status_code") != 1000 or envelope.get("data", {}).get("id") != location_id:
        raise RuntimeError(f"the hub did not forward the GET: {answer.status_code} {answer.text[:300]}")


@benchmark("hub-forward", "latency the Hub role adds to a forwarded Location GET at 200 requests/s")
def run(ctx: Context) -> list[Figure]:
    rate = 200.0
    runs, seconds = ctx.pick((1, 3.0), (3, 5.0))
    locations = [seed.location(i) | {"party_id": CPO[1]} for i in range(20)]
    for location in locations:
        for evse in location["evses"]:
            evse["evse_id"] = evse["evse_id"].replace("*BEN*", f"*{CPO[1]}*")
    paths = [f"/{CPO[0]}/{CPO[1]}/{loc['id']}" for loc in locations]
    body = {"status_code": 1000, "status_message": "Success", "timestamp": seed.STAMP}
    pages = {
        f"{CPO_LOCATIONS}{path}": {"body": json.dumps(body | {"data": loc}), "headers": {}}
        for path, loc in zip(paths, locations, strict=True)
    }
    pages_file = ctx.workdir / "cpo-pages.json"
    pages_file.write_text(json.dumps(pages))
    cpo_port = free_port()
    cpo_base = f"http://127.0.0.1:{cpo_port}"
    cpo = Process(
        "forward-cpo",
        uvicorn_argv("benchmarks.baselines:pages_app", cpo_port),
        clean_env(BENCH_PAGES=str(pages_file)),
        log=ctx.log("forward-cpo"),
    )
    url = seed.sqlite_database(ctx.workdir, "forward")
    caller = asyncio.run(_register(url, cpo_base))
    hub_port = free_port()
    hub_base = f"http://127.0.0.1:{hub_port}"
    hub = Process(
        "forward-hub",
        uvicorn_argv("adapters.app:create_gateway", hub_port),
        clean_env(
            OCPI_HUB_DATABASE_URL=url,
            OCPI_HUB_PARTIES=json.dumps([HUB.model_dump(mode="json")]),
            OCPI_HUB_BASE_URL=hub_base,
            OCPI_HUB_LOG_LEVEL="warning",
        ),
        log=ctx.log("forward-hub"),
    )
    hub_paths = ctx.workdir / "hub-paths.txt"
    hub_paths.write_text("\n".join(f"/ocpi/2.2.1/sender/locations{p}" for p in paths))
    cpo_paths = ctx.workdir / "cpo-paths.txt"
    cpo_paths.write_text("\n".join(f"{CPO_LOCATIONS}{p}" for p in paths))
    through: list[LoadResult] = []
    direct: list[LoadResult] = []
    headers = _headers(caller.token)
    with running(cpo, hub):
        wait_http(f"{cpo_base}/docs", cpo)
        wait_http(f"{hub_base}/readyz", hub)
        _check_forwarded(hub_base, paths[0], headers, locations[0]["id"])
        for n in range(runs):
            ctx.say(f"  run {n + 1}/{runs}: {rate:.0f} GETs/s through the hub and direct")
            through.append(
                run_httpload(
                    hub_base, hub_paths, connections=CONNECTIONS, seconds=seconds, headers=headers, rate=rate
                )
            )
            direct.append(
                run_httpload(
                    cpo_base, cpo_paths, connections=CONNECTIONS, seconds=seconds, headers=headers, rate=rate
                )
            )
    figures = []
    for name, bound in (("p50", 5.0), ("p99", 20.0)):
        ours = sorted(getattr(r, f"{name}_ms") for r in through)
        base = sorted(getattr(r, f"{name}_ms") for r in direct)
        added = [o - b for o, b in zip(ours, base, strict=True)]
        figures.append(
            Figure(
                benchmark="hub-forward",
                label=f"Location GET at {rate:.0f}/s, {name} added by forwarding (through minus direct)",
                unit="ms",
                value=sorted(added)[len(added) // 2],
                baseline=base[len(base) // 2],
                baseline_label="the same GETs straight to the fake CPO (an app answering from memory)",
                target=Target.at_most(bound, source="issue 8"),
                extra={f"through_{name}_ms": ours[len(ours) // 2], f"direct_{name}_ms": base[len(base) // 2]},
            )
        )
    return figures
