"""The announcement gate: OCPI_HUB_MODULES decides what the version details announce and what is mounted; a
deliberately broken module announced by a hub served with real uvicorn is failed by name; an announced
interface without checks fails the coverage check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import SecretStr, ValidationError
from typer.testing import CliRunner

from contracts import registry, samples
from contracts.callbacks import LocalServer
from contracts.checks import coverage
from contracts.context import Context, Endpoint, Party, RunConfig
from contracts.http import OcpiClient
from contracts.result import CheckFailedError, Outcome
from contracts.runner import run
from hub.cli import app
from hub.config import LocalParty, Settings
from hub.deps import CallerDep
from hub.main import create_app
from hub.modules import IMPLEMENTED
from hub.modules import tariffs as tariffs_package
from hub.modules.registry import OcpiModule
from hub.ocpi.enums import ModuleID, Role
from hub.transport import ocpi_response
from tests.conftest import ADMIN_TOKEN, Platform, invite, make_settings, ocpi_auth
from tests.network import PeerNetwork

# --- OCPI_HUB_MODULES ------------------------------------------------------------------------------


async def test_details_announce_and_app_mounts_only_switched_on_modules(
    network: PeerNetwork, sqlite_url: str
) -> None:
    settings = make_settings(sqlite_url, "gated.test").model_copy(
        update={"modules": ("locations", "tariffs:RECEIVER")}
    )
    app = create_app(settings, partner_transport=network)
    network.attach_app("gated.test", app)
    async with httpx.AsyncClient(transport=network, base_url=settings.base_url) as client:
        token = (await invite(Platform(app, client, settings)))["token"]

        details = await client.get("/ocpi/2.2.1", headers=ocpi_auth(token))
        paths = set((await client.get("/openapi.json")).json()["paths"])

    announced = [(e["identifier"], e["role"]) for e in details.json()["data"]["endpoints"]]
    assert announced == [
        ("credentials", "SENDER"),
        ("locations", "SENDER"),
        ("locations", "RECEIVER"),
        ("tariffs", "RECEIVER"),
    ]
    assert "/ocpi/2.2.1/receiver/tariffs/{country_code}/{party_id}/{tariff_id}" in paths
    assert not any(p.startswith(("/ocpi/2.2.1/sender/tariffs", "/ocpi/2.2.1/sender/sessions")) for p in paths)
    await app.state.partner_client.http.aclose()
    await app.state.engine.dispose()


def test_modules_setting_reads_commas_spaces_and_json() -> None:
    assert Settings.model_validate({"modules": "Locations, tariffs:receiver  cdrs"}).modules == (
        "locations",
        "tariffs:RECEIVER",
        "cdrs",
    )
    assert Settings.model_validate({"modules": '["sessions:SENDER"]'}).modules == ("sessions:SENDER",)
    assert Settings().modules == tuple(m.value for m in ModuleID)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("locations,locaions", "unknown module 'locaions'"),
        ("tariffs:PUSHER", "must be SENDER or RECEIVER"),
        (" , ", "must list at least one module"),
    ],
)
def test_modules_setting_refuses_unknown_ids_by_name(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings.model_validate({"modules": value})


def test_cli_reports_a_bad_modules_setting_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCPI_HUB_MODULES", "locations,nosuch")

    result = CliRunner().invoke(app, ["migrate"])

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: invalid configuration: OCPI_HUB_MODULES: Value error, unknown module 'nosuch' (known: "
        "cdrs, chargingprofiles, commands, credentials, hubclientinfo, locations, sessions, tariffs, tokens)"
    ]


# --- a broken module fails the gate -----------------------------------------------------------------


def broken_tariffs() -> OcpiModule:
    """Tariffs whose Sender list has no pagination headers and serves a Tariff without `elements`."""
    router = APIRouter()

    @router.get("")
    async def list_tariffs(request: Request, caller: CallerDep) -> Response:
        tariff = samples.tariff(Party("NL", "GWY"), "BROKEN", "2024-01-01T00:00:00Z")
        del tariff["elements"]
        return ocpi_response([tariff])

    real = tariffs_package.module
    return OcpiModule(id=ModuleID.TARIFFS, sender=router, receiver=real.receiver)


class Late:
    """An ASGI app set after the server socket is bound (the app's settings need the server's URL)."""

    app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


@pytest.fixture
async def broken_hub(sqlite_url: str) -> AsyncIterator[str]:
    """A hub with the broken Tariffs module in its registry, served by uvicorn; yields its base URL."""
    late = Late()
    server = LocalServer(late)
    base_url = f"http://127.0.0.1:{server.port}"
    settings = Settings(
        database_url=sqlite_url,
        base_url=base_url,
        parties=[LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO")],
        admin_token=SecretStr(ADMIN_TOKEN),
        push_worker=False,
    )
    modules = tuple(broken_tariffs() if m.id == ModuleID.TARIFFS else m for m in IMPLEMENTED)
    late.app = create_app(settings, modules=modules)
    await server.start()
    try:
        yield base_url
    finally:
        await server.stop()
        await late.app.state.partner_client.http.aclose()
        await late.app.state.engine.dispose()


async def test_suite_fails_a_deliberately_broken_announced_module_by_name(broken_hub: str) -> None:
    async with httpx.AsyncClient(base_url=broken_hub) as http:
        invitation = (
            await http.post(
                "/admin/partners/invite",
                json={"name": "suite"},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
        ).json()

    report = await run(RunConfig(versions_url=invitation["versions_url"], token=invitation["token"]))

    failed = {r.name: r.message for r in report.results if r.outcome == Outcome.FAIL}
    # No X-Total-Count or X-Limit, an invalid Tariff, and filters that are not applied.
    assert set(failed) == {
        "tariffs.sender.pagination_headers",
        "tariffs.sender.objects_valid",
        "tariffs.sender.pagination_date_to_exclusive",
        "versions.every_announced_interface_checked",
    }
    assert "BROKEN: elements: Field required" in failed["tariffs.sender.objects_valid"]
    assert (
        "tariffs SENDER: failing tariffs.sender.pagination_headers"
        in failed["versions.every_announced_interface_checked"]
    )
    assert not report.passed


async def test_an_announced_interface_without_checks_fails_coverage(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.all_checks()
    monkeypatch.setattr(
        registry, "CHECKS", [c for c in registry.CHECKS if not (c.module == "tariffs" and c.role == "SENDER")]
    )
    monkeypatch.setattr(coverage, "CHECKS", registry.CHECKS)
    async with httpx.AsyncClient() as http:
        ctx = Context(
            config=RunConfig(versions_url="http://partner.test/versions", token="t"),
            client=OcpiClient(http, token="t"),
            callbacks=None,
            endpoints=[Endpoint("tariffs", "SENDER", "http://partner.test/tariffs")],
        )

        with pytest.raises(CheckFailedError, match="tariffs SENDER: the suite has no check for it"):
            await coverage.every_announced_interface_checked(ctx)
