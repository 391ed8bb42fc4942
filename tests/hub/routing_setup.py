"""Parties around a hub under test: real ocpi-hub platforms registered through the credentials handshake, and
raw handler parties (registered directly in the hub's tables) that record what reaches them and answer,
hang or are down on demand."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from sqlmodel import col, select

from hub.config import LocalParty
from hub.ocpi.enums import InterfaceRole, Role
from hub.ocpi.v221.charging_profiles import ChargingProfileResultType
from hub.ocpi.v221.commands import CommandResultType
from hub.partners.repository import DiscoveredEndpoint, PartnerRepository
from hub.ports import ChargerTarget
from hub.security import new_token
from hub.tables import PartnerRecord, PartnerRoleRecord, PartnerStatus, TokenKind
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, ocpi_auth
from tests.network import PeerNetwork
from tests.spec import EXAMPLES

PREFIX = "/ocpi/2.2.1"
HUB = LocalParty(country_code="NL", party_id="HUB", role=Role.HUB, name="The Hub")
CPA = LocalParty(country_code="NL", party_id="CPA", role=Role.CPO, name="CPO A")
CPB = LocalParty(country_code="DE", party_id="CPB", role=Role.CPO, name="CPO B")
MSB = LocalParty(country_code="DE", party_id="MSB", role=Role.EMSP, name="eMSP B")
MSC = LocalParty(country_code="FR", party_id="MSC", role=Role.EMSP, name="eMSP C")
FUNCTIONAL = ("locations", "tariffs", "sessions", "cdrs", "tokens", "commands", "chargingprofiles")
OK = {"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}


def headers(
    token: str,
    *,
    to: tuple[str, str] | None = None,
    from_: tuple[str, str] | None = None,
) -> dict[str, str]:
    """Authorization and routing headers of a request to the hub."""
    result = ocpi_auth(token)
    if to is not None:
        result |= {"OCPI-to-country-code": to[0], "OCPI-to-party-id": to[1]}
    if from_ is not None:
        result |= {"OCPI-from-country-code": from_[0], "OCPI-from-party-id": from_[1]}
    return result


def party(local: LocalParty) -> tuple[str, str]:
    return (local.country_code, local.party_id)


def token_header(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


@dataclass
class RawParty:
    """A party the hub forwards to, as an httpx handler: records each request (body read), then answers
    `reply(request)`, waits forever (`hang`), or is not there at all (`down`: its host is detached)."""

    network: PeerNetwork
    host: str
    party: tuple[str, str]
    token: str = ""  # what it calls the hub with
    token_out: str = ""  # what the hub calls it with
    partner_id: int = 0
    requests: list[httpx.Request] = field(default_factory=list)
    reply: Callable[[httpx.Request], httpx.Response] = lambda _request: httpx.Response(200, json=OK)
    hang: bool = False
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.network.attach_handler(self.host, self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        self.arrived.set()
        if self.hang:
            await asyncio.Event().wait()
        return self.reply(request)

    def down(self) -> None:
        del self.network.hosts[self.host]

    def endpoint(self, module: str, role: InterfaceRole) -> str:
        return f"http://{self.host}{PREFIX}/{role.value.lower()}/{module}"


async def add_raw_party(
    hub: Platform,
    network: PeerNetwork,
    host: str,
    roles: list[tuple[str, str, Role]],
    *,
    modules: tuple[str, ...] = FUNCTIONAL,
) -> RawParty:
    """Register a raw party with the hub as the credentials handshake would have left it: REGISTERED, a
    token each way, its roles and an endpoint per module and interface role."""
    raw = RawParty(network, host, (roles[0][0], roles[0][1]), token=new_token(), token_out=new_token())
    async with hub.app.state.sessionmaker() as session:
        repo = PartnerRepository(session)
        partner = await repo.create(
            name=host, status=PartnerStatus.REGISTERED, versions_url=f"http://{host}/ocpi/versions"
        )
        partner.token_out = raw.token_out
        partner.version = "2.2.1"
        await repo.save(partner)
        await repo.add_token(partner, raw.token, TokenKind.ACTIVE)
        await repo.replace_roles(
            partner,
            [
                PartnerRoleRecord(
                    partner_id=0, role=role, country_code=cc, party_id=pid, business_details={"name": host}
                )
                for cc, pid, role in roles
            ],
        )
        await repo.replace_endpoints(
            partner,
            [
                DiscoveredEndpoint(module, role.value, raw.endpoint(module, role))
                for module in modules
                for role in InterfaceRole
            ],
        )
        await session.commit()
        assert partner.id is not None
        raw.partner_id = partner.id
    return raw


async def latest_partner_id(platform: Platform) -> int:
    """The platform's id of the partner registered last."""
    async with platform.app.state.sessionmaker() as session:
        partner = (await session.exec(select(PartnerRecord).order_by(col(PartnerRecord.id).desc()))).first()
    assert partner is not None
    assert partner.id is not None
    partner_id: int = partner.id
    return partner_id


@dataclass
class Connected:
    """A real ocpi-hub platform registered with the hub."""

    platform: Platform
    token: str  # what it calls the hub with
    partner_id: int  # the hub's id for it


async def join(hub: Platform, platform: Platform) -> Connected:
    token, _ = await connect(hub, platform)
    return Connected(platform, token, await latest_partner_id(hub))


def make_hub(platforms: PlatformFactory, database_url: str, **create: Any) -> Platform:
    return platforms(database_url, "hub.test", [HUB], **create)


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def make_token(owner: tuple[str, str], uid: str = "T1", **overrides: Any) -> dict[str, Any]:
    """An APP_USER Token (the spec's token_example_1) of the eMSP `owner`."""
    token: dict[str, Any] = orjson.loads((EXAMPLES / "token_example_1_app_user.json").read_bytes())
    return {**token, "country_code": owner[0], "party_id": owner[1], "uid": uid, **overrides}


def make_cdr(owner: tuple[str, str], emsp: tuple[str, str], cdr_id: str = "CDR1") -> dict[str, Any]:
    """The spec's cdr_example (at LOC1) as a CDR of the CPO `owner` billed to the eMSP `emsp`."""
    cdr: dict[str, Any] = orjson.loads((EXAMPLES / "cdr_example.json").read_bytes())
    cdr.update(country_code=owner[0], party_id=owner[1], id=cdr_id)
    cdr["cdr_token"].update(country_code=emsp[0], party_id=emsp[1])
    return cdr


def make_session(owner: tuple[str, str], emsp: tuple[str, str], session_id: str = "S1") -> dict[str, Any]:
    """The spec's session_example_1 (at LOC1, EVSE LOC1-1) as a Session of the CPO `owner` billed to `emsp`."""
    session: dict[str, Any] = orjson.loads((EXAMPLES / "session_example_1_simple_start.json").read_bytes())
    session.update(
        country_code=owner[0],
        party_id=owner[1],
        id=session_id,
        location_id="LOC1",
        evse_uid="LOC1-1",
        connector_id="1",
    )
    session["cdr_token"].update(country_code=emsp[0], party_id=emsp[1])
    return session


async def admin_put(platform: Platform, path: str, body: dict[str, Any]) -> None:
    """One of the platform's own objects, through its admin API (`/admin/locations/NL/CPA/LOC1`, ...)."""
    response = await platform.client.put(path, json=body, headers=ADMIN)
    assert response.status_code in (200, 201), response.text


class Charger:
    """A ChargerCommands port whose chargers accept everything; it records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ChargerTarget, dict[str, Any]]] = []

    async def reachable(self, target: ChargerTarget) -> str | None:
        return None

    def _accept(self, name: str, target: ChargerTarget, kwargs: dict[str, Any]) -> CommandResultType:
        self.calls.append((name, target, kwargs))
        return CommandResultType.ACCEPTED

    async def start_session(self, target: ChargerTarget, **kwargs: Any) -> CommandResultType:
        return self._accept("start_session", target, kwargs)

    async def stop_session(self, target: ChargerTarget, **kwargs: Any) -> CommandResultType:
        return self._accept("stop_session", target, kwargs)

    async def reserve_now(self, target: ChargerTarget, **kwargs: Any) -> CommandResultType:
        return self._accept("reserve_now", target, kwargs)

    async def cancel_reservation(self, target: ChargerTarget, **kwargs: Any) -> CommandResultType:
        return self._accept("cancel_reservation", target, kwargs)

    async def set_charging_profile(self, target: ChargerTarget, **kwargs: Any) -> ChargingProfileResultType:
        self.calls.append(("set_charging_profile", target, kwargs))
        return ChargingProfileResultType.ACCEPTED
