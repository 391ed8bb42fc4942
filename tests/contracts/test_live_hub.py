"""The announcement gate in CI: `ocpi-hub conformance` against a live `ocpi-hub serve` (real uvicorn, real
handshake with a token A from `ocpi-hub partner invite`) passes every applicable check, proves every announced
module and interface role, and leaves no registration behind; a --read-only run sends only GETs."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contracts.callbacks import CallbackServer
from contracts.context import DEFAULT_PARTY, RunConfig
from contracts.http import encode_token
from contracts.result import Outcome
from contracts.runner import run
from tests.contracts.seed import PARTIES, seed
from tests.processes import HubProcess

pytestmark = pytest.mark.e2e


class PagedHub(HubProcess):
    """A hub with small pages, so the seeded lists span two pages."""

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "OCPI_HUB_PAGE_LIMIT": "3"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    process = PagedHub("hub", tmp_path_factory.mktemp("live-hub"), PARTIES)
    process.start()
    try:
        seed(process)
        yield process
    finally:
        process.stop()


def test_conformance_cli_against_live_hub_passes_and_unregisters(hub: HubProcess, tmp_path: Path) -> None:
    invitation = hub.cli_json("partner", "invite", "--name", "conformance")
    report_json, report_xml = tmp_path / "report.json", tmp_path / "report.xml"

    result = subprocess.run(
        [
            *(sys.executable, "-m", "hub", "conformance"),
            *("--versions-url", invitation["versions_url"], "--token", invitation["token"]),
            *("--json", str(report_json), "--junit", str(report_xml)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )

    report = json.loads(report_json.read_text())
    failures = [r for r in report["results"] if r["outcome"] == "fail"]
    assert result.returncode == 0, [(f["name"], f["message"]) for f in failures] or result.stderr
    assert failures == []
    outcomes = {r["name"]: r["outcome"] for r in report["results"]}
    assert outcomes["versions.every_announced_interface_checked"] == "pass"
    assert outcomes["credentials.post_registers"] == "pass"
    # The seeded lists really were walked over several pages and filtered.
    for module in ("locations", "tariffs", "sessions", "cdrs", "tokens"):
        assert outcomes[f"{module}.sender.pagination_link_filters"] == "pass", module
        assert outcomes[f"{module}.sender.pagination_date_to_exclusive"] == "pass", module
    announced = {(e["identifier"], e["role"]) for e in report["endpoints"]}
    assert ("locations", "RECEIVER") in announced
    assert "PASS:" in result.stdout
    suites = ET.parse(report_xml).getroot()
    assert suites.get("failures") == "0"
    assert int(suites.get("tests", "0")) == len(report["results"])
    # The suite unregistered at the end.
    admin = {"Authorization": f"Bearer {hub.admin_token}"}
    listed = httpx.get(f"{hub.base_url}/admin/partners", headers=admin, timeout=10).json()
    partners = {p["name"]: p["status"] for p in listed}
    assert partners["conformance"] == "UNREGISTERED"


async def test_read_only_run_against_live_hub_sends_only_gets(hub: HubProcess) -> None:
    token_b = "existing-partner-token-b"
    async with CallbackServer() as callbacks, httpx.AsyncClient() as http:
        admin = {"Authorization": f"Bearer {hub.admin_token}"}
        invited = await http.post(
            f"{hub.base_url}/admin/partners/invite", json={"name": "existing"}, headers=admin
        )
        invitation = invited.json()
        callbacks.tokens.add(token_b)
        details = (await http.get(f"{hub.base_url}/ocpi/2.2.1", headers=auth(invitation["token"]))).json()
        credentials_url = next(
            e["url"] for e in details["data"]["endpoints"] if e["identifier"] == "credentials"
        )
        body = callbacks.credentials(token_b, [("EMSP", DEFAULT_PARTY.country_code, DEFAULT_PARTY.party_id)])
        registered = await http.post(credentials_url, json=body, headers=auth(invitation["token"]))
    token_c = registered.json()["data"]["token"]
    transport = Recording()

    report = await run(
        RunConfig(versions_url=invitation["versions_url"], token=token_c, read_only=True), transport=transport
    )

    assert set(transport.methods) == {"GET"}
    assert [r.name for r in report.results if r.outcome == Outcome.FAIL] == []
    outcomes = {r.name: r for r in report.results}
    assert outcomes["locations.sender.pagination_walk"].outcome == Outcome.PASS
    assert outcomes["credentials.get"].outcome == Outcome.PASS
    assert outcomes["locations.receiver.put_and_get"].message.startswith("read-only run")
    assert outcomes["versions.every_announced_interface_checked"].outcome == Outcome.PASS


class Recording(httpx.AsyncHTTPTransport):
    """The real network, noting the method of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.methods: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.methods.append(request.method)
        return await super().handle_async_request(request)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": encode_token(token)}
