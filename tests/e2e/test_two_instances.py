"""Two real `ocpi-hub serve` processes register with each other through the CLI, call each other with the
exchanged tokens, rotate credentials with PUT, unregister, and register the other way round."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.processes import HubProcess, running

pytestmark = pytest.mark.e2e

CPO = [{"country_code": "NL", "party_id": "CPA", "role": "CPO", "name": "Alpha CPO"}]
EMSP = [{"country_code": "DE", "party_id": "MSB", "role": "emsp", "name": "Beta eMSP"}]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def token_out(hub: HubProcess, partner_id: int) -> str:
    """The token `hub` calls the partner with (stored in clear because it has to be sent)."""
    with sqlite3.connect(hub.database) as db:
        (token,) = db.execute("SELECT token_out FROM partner WHERE id = ?", (partner_id,)).fetchone()
    assert isinstance(token, str)
    return token


def call_versions_and_details(caller_token: str, target: HubProcess) -> list[dict[str, str]]:
    versions = httpx.get(f"{target.base_url}/ocpi/versions", headers=auth(caller_token), timeout=10)
    assert versions.status_code == 200, versions.text
    [version] = versions.json()["data"]
    assert version == {"version": "2.2.1", "url": f"{target.base_url}/ocpi/2.2.1"}
    details = httpx.get(version["url"], headers=auth(caller_token), timeout=10)
    assert details.status_code == 200
    endpoints: list[dict[str, str]] = details.json()["data"]["endpoints"]
    return endpoints


def only_partner(hub: HubProcess) -> dict:
    partners = [p for p in hub.cli_json("partner", "list") if p["status"] == "REGISTERED"]
    assert len(partners) == 1, partners
    partner: dict = partners[0]
    return partner


def handshake(inviter: HubProcess, registrant: HubProcess) -> tuple[dict, dict]:
    invitation = inviter.cli_json("partner", "invite", "--name", registrant.name)
    assert set(invitation) == {"token", "versions_url"}
    assert invitation["versions_url"] == f"{inviter.base_url}/ocpi/versions"
    registered = registrant.cli_json(
        "partner", "register", "--versions-url", invitation["versions_url"], "--token", invitation["token"]
    )
    assert registered["status"] == "REGISTERED"
    return registered, only_partner(inviter)


def test_two_hubs_register_call_rotate_unregister_and_register_back(tmp_path: Path) -> None:
    alpha = HubProcess("alpha", tmp_path / "alpha", CPO)
    beta = HubProcess("beta", tmp_path / "beta", EMSP)
    with running(alpha, beta):
        # Beta registers with Alpha (Alpha issued token A).
        beta_view, alpha_view = handshake(alpha, beta)
        assert [(r["role"], r["country_code"], r["party_id"]) for r in beta_view["roles"]] == [
            ("CPO", "NL", "CPA")
        ]
        assert [(r["role"], r["country_code"], r["party_id"]) for r in alpha_view["roles"]] == [
            ("EMSP", "DE", "MSB")
        ]
        beta_to_alpha = token_out(beta, beta_view["id"])
        alpha_to_beta = token_out(alpha, alpha_view["id"])

        # Each calls the other's versions and details with the exchanged tokens.
        assert call_versions_and_details(beta_to_alpha, alpha)[0]["identifier"] == "credentials"
        assert call_versions_and_details(alpha_to_beta, beta)[0]["identifier"] == "credentials"

        # Beta rotates with PUT: both tokens change; the old ones are refused.
        rotated = beta.cli_json("partner", "update", str(beta_view["id"]))
        assert rotated["status"] == "REGISTERED"
        new_beta_to_alpha = token_out(beta, beta_view["id"])
        new_alpha_to_beta = token_out(alpha, alpha_view["id"])
        assert new_beta_to_alpha != beta_to_alpha
        assert new_alpha_to_beta != alpha_to_beta
        assert httpx.get(f"{alpha.base_url}/ocpi/versions", headers=auth(beta_to_alpha)).status_code == 401
        assert httpx.get(f"{beta.base_url}/ocpi/versions", headers=auth(alpha_to_beta)).status_code == 401
        call_versions_and_details(new_beta_to_alpha, alpha)
        call_versions_and_details(new_alpha_to_beta, beta)

        # Beta unregisters: Alpha is told with DELETE, and every token between them stops working.
        removed = beta.cli("partner", "remove", str(beta_view["id"]))
        assert removed.returncode == 0, removed.stderr
        assert '"notified": true' in removed.stdout
        assert (
            httpx.get(f"{alpha.base_url}/ocpi/versions", headers=auth(new_beta_to_alpha)).status_code == 401
        )
        assert httpx.get(f"{beta.base_url}/ocpi/versions", headers=auth(new_alpha_to_beta)).status_code == 401
        assert [p["status"] for p in alpha.cli_json("partner", "list")] == ["UNREGISTERED"]

        # The other way round: Beta invites, Alpha registers.
        alpha_view2, beta_view2 = handshake(beta, alpha)
        call_versions_and_details(token_out(alpha, alpha_view2["id"]), beta)
        call_versions_and_details(token_out(beta, beta_view2["id"]), alpha)
