"""Secrets compared in constant time and stored hashed (issue 11, security): the admin token, the internal
CSMS API tokens and station passwords go through `hmac.compare_digest`; partner credentials tokens and feed
tokens are looked up by their SHA-256 hash, so no plaintext of them is stored or compared."""

from __future__ import annotations

import hmac
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url

from hub.config import LocalParty
from hub.feeds import tokens as feed_tokens
from hub.main import create_app
from hub.ocpi.enums import Role
from hub.security import hash_token
from hub.stations.passwords import PasswordChecker, hash_password, verify_password
from hub.tables import PartnerRecord
from tests.conftest import ADMIN_TOKEN, PlatformFactory, invite, ocpi_auth, register
from tests.security.conftest import INTERNAL_TOKEN, Served, secured_settings

PEER_PARTIES = [LocalParty(country_code="DE", party_id="MSP", role=Role.EMSP, name="Peer eMSP")]
Compared = list[tuple[bytes | str, bytes | str]]


@pytest.fixture
async def app(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Served]:
    """The OCPI service with an admin token and an internal CSMS token, lifespan started."""
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    hub = create_app(secured_settings(f"sqlite:///{path}"))
    async with LifespanManager(hub) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield Served(hub, client)


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> Compared:
    """Every pair `hmac.compare_digest` is given (it still answers as before)."""
    calls: Compared = []
    real = hmac.compare_digest

    def spy(a: bytes | str, b: bytes | str) -> bool:
        calls.append((a, b))
        return real(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


def saw(calls: Compared, presented: bytes) -> bool:
    return any(presented in (a, b) for a, b in calls)


@pytest.mark.parametrize("presented", [ADMIN_TOKEN, "admin-secreT", "x"], ids=["right", "near", "short"])
async def test_the_admin_token_is_compared_in_constant_time(
    app: Served, compared: Compared, presented: str
) -> None:
    response = await app.client.get("/admin/partners", headers={"Authorization": f"Bearer {presented}"})
    assert response.status_code == (200 if presented == ADMIN_TOKEN else 401)
    assert saw(compared, presented.encode()), compared


@pytest.mark.parametrize(
    "presented", [INTERNAL_TOKEN, "internal-secreT", "x"], ids=["right", "near", "short"]
)
async def test_the_internal_api_token_is_compared_in_constant_time(
    app: Served, compared: Compared, presented: str
) -> None:
    response = await app.client.post(
        "/internal/v1/events", json=[], headers={"Authorization": f"Bearer {presented}"}
    )
    assert (response.status_code == 401) == (presented != INTERNAL_TOKEN), response.text
    assert saw(compared, presented.encode()), compared


def test_station_passwords_are_compared_in_constant_time(compared: Compared) -> None:
    stored = hash_password("station-password-1", iterations=10)
    checker = PasswordChecker()
    assert not checker.check("station-password-2", stored)
    assert len(compared) == 1  # the PBKDF2 digests
    assert checker.check("station-password-1", stored)
    assert checker.check("station-password-1", stored)  # the memo, compared in constant time too
    assert not checker.check("station-password-2", stored)
    assert len(compared) == 5
    assert verify_password("station-password-1", stored)
    assert len(compared) == 6


def dump(database_url: str) -> str:
    """Every row of every table of a SQLite database, as SQL text."""
    path = make_url(database_url).database
    assert path is not None
    with sqlite3.connect(path) as connection:
        return "\n".join(connection.iterdump())


async def test_the_database_holds_no_plaintext_token_a_partner_calls_us_with(
    platforms: PlatformFactory, new_sqlite_url: Callable[[], str]
) -> None:
    """After the credentials handshake the hub stores only hashes of token A and of the token the partner
    now calls with (token C), and of feed tokens; token B, which the hub sends, is necessarily kept."""
    hub_url = new_sqlite_url()
    hub = platforms(hub_url, "hub.test")
    peer = platforms(new_sqlite_url(), "peer.test", PEER_PARTIES)
    invitation = await invite(hub)
    response = await register(peer, invitation["versions_url"], invitation["token"])
    assert response.status_code == 200, response.text
    async with peer.app.state.sessionmaker() as session:
        partner = await session.get(PartnerRecord, response.json()["id"])
    assert partner is not None
    assert partner.token_out
    token_a, token_c = invitation["token"], partner.token_out
    feed = await feed_tokens.create(hub.app.state.sessionmaker, name="board")
    text = dump(hub_url)
    for secret in (token_a, token_c, feed.token):
        assert secret not in text
    assert hash_token(token_c) in text
    assert hash_token(feed.token) in text
    # The hub still knows the partner by token C, through its hash.
    answer = await hub.client.get("/ocpi/2.2.1", headers=ocpi_auth(token_c))
    assert answer.json()["status_code"] == 1000
