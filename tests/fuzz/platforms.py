"""The platforms under fuzzing: a hub on migrated SQLite with a partner registered through the credentials
handshake (credentials_registration), copied fresh for every operation."""

from __future__ import annotations

import asyncio
import base64
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from schemathesis.python import asgi

from hub.config import LocalParty, Settings
from hub.db import create_engine, create_sessionmaker
from hub.feeds import tokens as feed_tokens
from hub.main import create_app
from hub.ocpi.enums import Role
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.fuzz import seed
from tests.network import PeerNetwork

HUB_HOST = "hub.test"
PEER_HOST = "peer.test"
PEER_PARTIES = [LocalParty(country_code="DE", party_id="MSP", role=Role.EMSP, name="Peer eMSP")]
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def fuzz_settings(database_url: str, host: str, parties: list[LocalParty] | None = None) -> Settings:
    # No delivery worker: its pushes to the partner would race the requests under test. Warnings only: a
    # run makes thousands of requests.
    return make_settings(database_url, host, parties).model_copy(
        update={"push_worker": False, "log_level": "warning"}
    )


def platforms(hub_db: Path, peer_db: Path) -> tuple[FastAPI, FastAPI]:
    """The hub and the partner platform (another ocpi-hub, an eMSP), reaching each other in-process."""
    network = PeerNetwork()
    hub = create_app(fuzz_settings(f"sqlite:///{hub_db}", HUB_HOST), partner_transport=network)
    peer = create_app(
        fuzz_settings(f"sqlite:///{peer_db}", PEER_HOST, PEER_PARTIES), partner_transport=network
    )
    network.attach_app(HUB_HOST, hub)
    network.attach_app(PEER_HOST, peer)
    return hub, peer


@dataclass(frozen=True)
class Registered:
    """Database files of the hub and the partner after the handshake and the seeding, the partner's token
    with us, the token A of a second partner that was invited but has not registered yet, and a token of the
    availability feed."""

    hub_db: Path
    peer_db: Path
    token: str
    partner_id: int
    pending_token: str
    feed_token: str


def _ok(response: Any, *expected: int) -> Any:
    assert response.status_code in (expected or (200,)), f"{response.status_code} {response.text}"
    return response.json()


def register(directory: Path, template: Path) -> Registered:
    """The partner registers with the hub as an operator would do it (invite, then register), and the hub and
    the partner store the objects of `seed`."""
    hub_db, peer_db = directory / "hub.db", directory / "peer.db"
    shutil.copy(template, hub_db)
    shutil.copy(template, peer_db)
    hub, peer = platforms(hub_db, peer_db)
    # Through schemathesis' ASGI client, so the apps run on the event loop the fuzzing uses.
    with asgi.get_client(hub) as hub_client, asgi.get_client(peer) as peer_client:  # type: ignore[arg-type]
        invitation = _ok(
            hub_client.post("/admin/partners/invite", json={"name": "peer"}, headers=ADMIN_HEADERS)
        )
        _ok(
            peer_client.post(
                "/admin/partners/register",
                json={"versions_url": invitation["versions_url"], "token": invitation["token"]},
                headers=ADMIN_HEADERS,
            )
        )
        pending = _ok(
            hub_client.post("/admin/partners/invite", json={"name": "later"}, headers=ADMIN_HEADERS)
        )
        with sqlite3.connect(peer_db) as connection:
            (token,) = connection.execute("SELECT token_out FROM partner").fetchone()
        for path, body in seed.ours():
            _ok(hub_client.put(path, json=body, headers=ADMIN_HEADERS), 201)
        for path, body in seed.partners():
            _ok(hub_client.put(path, json=body, headers=ocpi_headers(token)), 201)
    asgi.shutdown_lifespans()
    with sqlite3.connect(hub_db) as connection:
        (partner_id,) = connection.execute("SELECT id FROM partner WHERE name = 'peer'").fetchone()
    return Registered(
        hub_db=hub_db,
        peer_db=peer_db,
        token=token,
        partner_id=partner_id,
        pending_token=pending["token"],
        feed_token=asyncio.run(_feed_token(hub_db)),
    )


async def _feed_token(hub_db: Path) -> str:
    """Issued as `ocpi-hub feed-token create` does."""
    engine = create_engine(f"sqlite:///{hub_db}")
    try:
        return (await feed_tokens.create(create_sessionmaker(engine), name="fuzz")).token
    finally:
        await engine.dispose()


def ocpi_headers(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


@dataclass(frozen=True)
class Target:
    """The hub under fuzzing and the partner whose token gets requests past authentication."""

    hub: FastAPI
    registered: Registered


def fresh_target(registered: Registered, directory: Path) -> Target:
    """Copies of the registered platforms, their lifespans started (`asgi.shutdown_lifespans` ends them)."""
    hub_db, peer_db = directory / "hub.db", directory / "peer.db"
    shutil.copy(registered.hub_db, hub_db)
    shutil.copy(registered.peer_db, peer_db)
    hub, peer = platforms(hub_db, peer_db)
    with asgi.get_client(peer):  # type: ignore[arg-type]
        pass  # the partner is only called through the network, but its lifespan must close its database
    return Target(hub=hub, registered=registered)
