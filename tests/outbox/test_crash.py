"""`kill -9` between commit and delivery loses nothing: the pushes a real `ocpi-hub serve` committed are
delivered by the next process (issue 6, "Bad input and faults"; DESIGN decision 5)."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.fixtures_locations import make_location, make_tariff
from tests.outbox.fake_partner import PREFIX, Fakes
from tests.processes import HubProcess

pytestmark = pytest.mark.fault

PARTIES = [{"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "Gateway CPO"}]


@dataclass
class ConfiguredHub(HubProcess):
    """A HubProcess with extra OCPI_HUB_* settings."""

    extra: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, **self.extra}


def pending(database: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT module, method, object_id FROM outbox WHERE state = 'PENDING' ORDER BY id")
        return [tuple(row) for row in rows.fetchall()]


async def test_pushes_committed_before_a_kill_9_are_delivered_after_the_restart(
    tmp_path: Path, fakes: Fakes
) -> None:
    emsp = await fakes("emsp", roles=[("EMSP", "DE", "MSP")], receivers=["locations", "tariffs"])
    hub = ConfiguredHub(
        "crash",
        tmp_path,
        PARTIES,
        extra={"OCPI_HUB_PUSH_WORKER": "false", "OCPI_HUB_PARTNER_TIMEOUT": "5"},
    )
    admin = {"Authorization": f"Bearer {hub.admin_token}"}
    await asyncio.to_thread(hub.start)
    try:
        async with httpx.AsyncClient(base_url=hub.base_url, headers=admin, timeout=10) as client:
            registered = await client.post(
                "/admin/partners/register", json={"versions_url": emsp.versions_url, "token": emsp.token_a}
            )
            assert registered.status_code == 200, registered.text
            for path, body in (
                ("/admin/tariffs/NL/GWY/T1", make_tariff("T1")),
                ("/admin/locations/NL/GWY/LOC1", make_location("LOC1", evses=1)),
                ("/admin/locations/NL/GWY/LOC1/LOC1-1/status", {"status": "CHARGING"}),
                ("/admin/locations/NL/GWY/LOC1/LOC1-1/status", {"status": "OUTOFORDER"}),
            ):
                response = await client.put(path, json=body)
                assert response.status_code in (200, 201), response.text
        assert pending(hub.database) == [("tariffs", "PUT", "T1"), ("locations", "PUT", "LOC1")]
        assert emsp.pushes() == []

        assert hub.process is not None
        hub.process.kill()
        await asyncio.to_thread(hub.process.wait)

        hub.extra["OCPI_HUB_PUSH_WORKER"] = "true"
        await asyncio.to_thread(hub.start)
        await emsp.until_accepted(2, within=20)
        async with httpx.AsyncClient(base_url=hub.base_url, headers=admin, timeout=10) as client:
            stored = (await client.get("/admin/locations/NL/GWY/LOC1")).json()["data"]
    finally:
        await asyncio.to_thread(hub.stop)

    assert sorted((r.method, r.path) for r in emsp.pushes()) == [
        ("PUT", f"{PREFIX}/locations/NL/GWY/LOC1"),
        ("PUT", f"{PREFIX}/tariffs/NL/GWY/T1"),
    ]
    assert emsp.model.get("locations", "NL", "GWY", "LOC1") == stored
    assert stored["evses"][0]["status"] == "OUTOFORDER"
    assert pending(hub.database) == []
