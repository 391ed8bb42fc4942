"""`ocpi-hub serve` serves the OCPP endpoint next to the hub, and `ocpi-hub ocpp-gateway` serves it as a
process of its own on the same database: real processes, real stations."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures_locations import make_location
from tests.ocpp.chargers import station
from tests.ocpp.conftest import STATIONS
from tests.processes import HubProcess, free_port

pytestmark = pytest.mark.e2e


def _admin(hub: HubProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {hub.admin_token}"}


async def _status(hub: HubProcess, location_id: str, evse_uid: str) -> str:
    async with httpx.AsyncClient(base_url=hub.base_url, headers=_admin(hub)) as client:
        location = (await client.get(f"/admin/locations/NL/GWY/{location_id}")).json()["data"]
    return next(str(e["status"]) for e in location["evses"] if e["uid"] == evse_uid)


def _start_gateway(hub: HubProcess, port: int) -> subprocess.Popen[bytes]:
    with (hub.workdir / "gateway.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "ocpp-gateway", "--port", str(port)],
            env={**hub.env, "OCPI_HUB_OCPP_PING_INTERVAL": "0"},
            cwd=hub.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((hub.workdir / "gateway.log").read_text())
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # waiting for another process to listen: there is no event to await
    process.kill()
    raise RuntimeError("ocpp-gateway did not become ready")


async def test_serve_and_ocpp_gateway_both_take_stations(tmp_path: Path) -> None:
    hub = HubProcess(
        "hub", tmp_path, [{"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "CPO"}]
    )
    hub.start()
    gateway: subprocess.Popen[bytes] | None = None
    try:
        async with httpx.AsyncClient(base_url=hub.base_url, headers=_admin(hub)) as client:
            locations = [make_location(i) for i in ("LOC1", "LOC2", "LOC3")]
            assert (await client.post("/admin/import/locations", json=locations)).json()["created"] == 3
            assert (await client.post("/admin/stations", json=STATIONS)).json()["created"] == 4

        async with station(f"ws://127.0.0.1:{hub.port}/ocpp", "CP16") as cp:
            await cp.status(1, "Charging")
            assert await _status(hub, "LOC1", "LOC1-1") == "CHARGING"

        port = free_port()
        gateway = _start_gateway(hub, port)
        async with station(f"ws://127.0.0.1:{port}/ocpp", "CP201", version="2.0.1") as cp:
            await cp.boot()
            await cp.status(2, 1, "Faulted")
            assert await _status(hub, "LOC2", "LOC2-2") == "OUTOFORDER"
            async with httpx.AsyncClient() as client:
                metrics = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            assert 'ocpi_hub_ocpp_connections{protocol="ocpp2.0.1"} 1.0' in metrics  # its own process
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(timeout=10)
        hub.stop()
