"""No secret in the logs at INFO (issue 11, security): a credentials handshake, a Token push, a charger's
Authorize and transaction with that idTag, its CDR, a START_SESSION with another Token and a feed client
with `?token=`, every logger captured at INFO, uvicorn's access log included; no credentials token, feed
token, Token uid or idTag appears in any record."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.config import LocalParty
from hub.feeds import tokens as feed_tokens
from hub.log_redaction import redact
from hub.ocpi.enums import Role
from hub.security import hash_token
from hub.tables.partner import PartnerTokenRecord, TokenKind
from tests.conftest import ADMIN_TOKEN, PlatformFactory, connect, invite, ocpi_auth, register, settle
from tests.fixtures_locations import make_location, make_tariff
from tests.ocpp.chargers import station
from tests.ocpp.conftest import Gateway, MakeGateway
from tests.outbox.conftest import PushHub
from tests.outbox.fake_partner import Fakes
from tests.security.test_secrets import PEER_PARTIES

OTHER_PARTIES = [LocalParty(country_code="FR", party_id="OTH", role=Role.EMSP, name="Other eMSP")]
LOGGERS = ("", "hub", "adapters", "ocpp", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "websockets")


def uid() -> str:
    return "04" + secrets.token_hex(5).upper()


def rfid(token_uid: str) -> dict[str, Any]:
    return {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": token_uid,
        "type": "RFID",
        "contract_id": f"DE-MSP-C{token_uid}",
        "issuer": "MSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-01-01T00:00:00Z",
    }


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at INFO into caplog, the access log too (uvicorn does not propagate it)."""
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    access = logging.getLogger("uvicorn.access")
    access.addHandler(caplog.handler)
    yield caplog
    access.removeHandler(caplog.handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    started = Fakes()
    yield started
    await started.close()


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{record.name} {record.getMessage()}" for record in caplog.records]


async def test_no_token_or_id_tag_is_logged_at_info(
    make_gateway: MakeGateway,
    sqlite_url: str,
    new_sqlite_url: Callable[[], str],
    platforms: PlatformFactory,
    fakes: Fakes,
    captured: pytest.LogCaptureFixture,
) -> None:
    # The credentials handshake: token A, then the tokens each side calls the other with.
    hub = platforms(new_sqlite_url(), "hub.test")
    peer = platforms(new_sqlite_url(), "peer.test", PEER_PARTIES)
    invitation = await invite(hub, "a-partner")
    secrets_seen = [invitation["token"]]
    assert (await register(peer, invitation["versions_url"], invitation["token"])).status_code == 200
    other = platforms(new_sqlite_url(), "other.test", OTHER_PARTIES)
    secrets_seen += await connect(hub, other)

    gateway: Gateway = await make_gateway(sqlite_url)
    emsp = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
    # The gateway's settings log at WARNING, and each uvicorn server's logging config replaced the access log's handlers.
    for name in ("hub", "adapters", "uvicorn", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.INFO)
    logging.getLogger("uvicorn.access").addHandler(captured.handler)
    partner_id = await PushHub(gateway.app, gateway.client, gateway.settings).add_partner(emsp)
    partner_token = secrets.token_urlsafe(24)
    async with gateway.app.state.sessionmaker() as session:
        session.add(
            PartnerTokenRecord(
                token_hash=hash_token(partner_token), partner_id=partner_id, kind=TokenKind.ACTIVE
            )
        )
        await session.commit()
    # A Tariff on LOC1, so that the transaction's CDR can be priced.
    await gateway.admin("PUT", "tariffs/NL/GWY/T1", make_tariff("T1"), expect=None)
    await gateway.admin("PUT", "locations/NL/GWY/LOC1", make_location("LOC1", tariff_ids=["T1"]), expect=None)
    pushed, commanded = uid(), uid()
    feed = await feed_tokens.create(gateway.app.state.sessionmaker, name="board")
    secrets_seen += [emsp.token, partner_token, pushed, commanded, feed.token, ADMIN_TOKEN]

    put = await gateway.client.put(
        f"/ocpi/2.2.1/receiver/tokens/DE/MSP/{pushed}", json=rfid(pushed), headers=ocpi_auth(partner_token)
    )
    assert put.json()["status_code"] == 1000, put.text
    async with station(gateway.ws, "CP16") as cp:
        await cp.heartbeat()
        assert (await cp.authorize(pushed)).id_tag_info["status"] == "Accepted"
        started = await cp.start_transaction(1, pushed, 1000, datetime.now(UTC).isoformat())
        await cp.stop_transaction(started.transaction_id, 5000, datetime.now(UTC).isoformat(), id_tag=pushed)
        start = {
            "response_url": f"{emsp.endpoint('commands')}/START_SESSION/RESULT/1",
            "token": rfid(commanded),
            "location_id": "LOC1",
            "evse_uid": "LOC1-2",
            "connector_id": "1",
        }
        answer = await gateway.client.post(
            "/ocpi/2.2.1/receiver/commands/START_SESSION", json=start, headers=ocpi_auth(partner_token)
        )
        assert answer.json()["data"]["result"] == "ACCEPTED", answer.text
        await settle(gateway.app)
    async with asyncio.timeout(10):
        while not [r for r in emsp.accepted("cdrs") if r.method == "POST"]:  # the CDR reaches the eMSP
            await settle(gateway.app)
            await asyncio.sleep(0.05)
    async with gateway.client.stream("GET", f"/feeds/availability?token={feed.token}") as stream:
        assert stream.status_code == 200
    got = await gateway.client.get(
        f"/admin/tokens/NL/GWY/{pushed}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert got.status_code in (200, 404)

    logged = lines(captured)
    assert any("uvicorn.access" in line and "/feeds/availability" in line for line in logged), logged[-20:]
    assert any("uvicorn.access" in line and "/receiver/tokens/DE/MSP/" in line for line in logged)
    leaks = [(secret, line) for secret in secrets_seen for line in logged if secret in line]
    assert not leaks, leaks


def test_redaction_keeps_what_is_not_secret() -> None:
    assert redact("/feeds/availability?token=abc&since=1") == "/feeds/availability?token=***&since=1"
    assert redact("/ocpi/2.2.1/receiver/tokens/DE/MSP/04A1") == "/ocpi/2.2.1/receiver/tokens/DE/MSP/***"
    assert redact("/ocpi/2.2.1/sender/tokens/04A1/authorize?type=RFID") == (
        "/ocpi/2.2.1/sender/tokens/***/authorize?type=RFID"
    )
    assert redact("/ocpi/2.2.1/sender/tokens04A1/authorize") == "/ocpi/2.2.1/sender/tokens***/authorize"
    for kept in ("/ocpi/2.2.1/sender/tokens?offset=10&limit=5", "/ocpi/2.2.1/receiver/locations/DE/MSP/L1"):
        assert redact(kept) == kept
