"""GET /admin/reconciliation, POST /admin/reconciliation/fix (admin bearer token like every /admin route) and
the findings gauge of /metrics with its cache."""

from __future__ import annotations

import re

import pytest

from hub.reconcile.settings import ReconcileSettings
from tests.outbox.conftest import ADMIN
from tests.reconcile.conftest import Rig, cdrs, charge, give_loc3_a_tariff

pytestmark = pytest.mark.usefixtures("cards")


@pytest.fixture
async def cards(rig: Rig) -> None:
    await rig.push_token("CARD1", whitelist="ALWAYS")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/admin/reconciliation"), ("POST", "/admin/reconciliation/fix")]
)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Token x"}])
async def test_the_routes_refuse_a_missing_or_wrong_admin_token(
    rig: Rig, method: str, path: str, headers: dict[str, str]
) -> None:
    await charge(rig, "TX1", station="CP-FREE")

    response = await rig.hub.client.request(method, path, headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "findings" not in response.text
    assert await cdrs(rig.hub) == []


async def test_get_lists_the_findings_with_their_evidence_and_fix_makes_the_cdr(rig: Rig) -> None:
    missing = await charge(rig, "TX1", station="CP-FREE")
    await give_loc3_a_tariff(rig.hub)
    client = rig.hub.client

    listed = await client.get("/admin/reconciliation", params={"cdr_delay": "0"}, headers=ADMIN)
    chosen = await client.get(
        "/admin/reconciliation",
        params=[("kind", "meter_backwards"), ("kind", "session_without_cdr"), ("cdr_delay", "0")],
        headers=ADMIN,
    )
    defaults = await client.get("/admin/reconciliation", headers=ADMIN)
    invalid = await client.get("/admin/reconciliation", params={"stuck_hours": "0"}, headers=ADMIN)
    fixed = await client.post("/admin/reconciliation/fix", json={"cdr_delay": 0}, headers=ADMIN)
    again = await client.post("/admin/reconciliation/fix", json={"cdr_delay": 0}, headers=ADMIN)

    assert listed.status_code == 200, listed.text
    report = listed.json()
    assert report["counts"]["session_without_cdr"] == 1
    assert sum(report["counts"].values()) == 1
    (finding,) = report["findings"]
    assert (finding["kind"], finding["fixable"]) == ("session_without_cdr", True)
    assert finding["evidence"]["session_id"] == missing
    assert finding["evidence"]["transaction"]["meter_start_wh"] == "1000"
    assert finding["evidence"]["transaction"]["meter_last_wh"] == "3000"
    assert chosen.json()["counts"] == {"meter_backwards": 0, "session_without_cdr": 1}
    assert defaults.json()["counts"]["session_without_cdr"] == 0  # an hour's delay by default
    assert invalid.status_code == 400
    assert "stuck_hours" in invalid.json()["detail"]
    assert fixed.status_code == 200, fixed.text
    (outcome,) = fixed.json()["fixes"]
    assert (outcome["fixed"], outcome["cdr_id"]) == (True, missing)
    assert outcome["total_cost"] == {"excl_vat": 0.6, "incl_vat": 0.72}
    assert fixed.json()["remaining"]["counts"]["session_without_cdr"] == 0
    assert again.json()["fixes"] == []
    assert len(await cdrs(rig.hub)) == 1


def gauge(text: str, kind: str) -> float:
    match = re.search(rf'^ocpi_hub_reconciliation_findings{{kind="{kind}"}} (\S+)$', text, re.MULTILINE)
    assert match is not None, text
    return float(match.group(1))


async def test_metrics_has_a_gauge_per_kind_recomputed_after_its_max_age(rig: Rig) -> None:
    await charge(rig, "TX1", station="CP-FREE")
    await give_loc3_a_tariff(rig.hub)
    rig.hub.app.state.reconcile_settings = ReconcileSettings(cdr_delay=0, metrics_max_age=3600)

    first = (await rig.hub.client.get("/metrics")).text
    await rig.hub.client.post("/admin/reconciliation/fix", json={"cdr_delay": 0}, headers=ADMIN)
    cached = (await rig.hub.client.get("/metrics")).text
    rig.hub.app.state.reconcile_settings = ReconcileSettings(cdr_delay=0, metrics_max_age=0)
    recomputed = (await rig.hub.client.get("/metrics")).text

    assert gauge(first, "session_without_cdr") == 1
    assert gauge(first, "duplicate_transaction") == 0
    assert gauge(cached, "session_without_cdr") == 1  # within its max age: not computed again
    assert gauge(recomputed, "session_without_cdr") == 0
    assert "ocpi_hub_reconciliation_computed_timestamp_seconds" in recomputed
    assert "ocpi_hub_outbox_pending" in recomputed  # the rest of /metrics is still there
