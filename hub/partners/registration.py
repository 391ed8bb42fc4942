"""Registration as the credentials Sender, invitations, rotation and removal (credentials_registration,
credentials_updating_the_credentials_and_resetting_the_token).

These flows commit in steps on purpose: while we POST or PUT our credentials, the partner calls our
versions endpoint with the token we offered, so that token must already be committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.config import Settings
from hub.db import SessionMaker
from hub.hub_role.client_info import announce
from hub.identity import our_credentials
from hub.ocpi.envelope import dump
from hub.ocpi.v221.credentials import Credentials
from hub.partners.client import PartnerClient, PartnerError
from hub.partners.discovery import Discovery, MissingEndpointsError, NoCommonVersionError, discover
from hub.partners.repository import PartnerRepository
from hub.security import new_token
from hub.tables import PartnerRecord, PartnerRoleRecord, PartnerStatus, TokenKind


class RegistrationError(Exception):
    """A registration step failed; the message is one line an operator can act on."""


class PartnerNotFoundError(RegistrationError):
    pass


class RoleInfo(BaseModel):
    role: str
    country_code: str
    party_id: str
    name: str


class EndpointInfo(BaseModel):
    identifier: str
    role: str
    url: str


class PartnerInfo(BaseModel):
    """A partner as the CLI and the admin API show it (no secrets)."""

    id: int
    name: str
    status: str
    version: str | None
    versions_url: str | None
    send_raw_token: bool
    roles: list[RoleInfo]
    endpoints: list[EndpointInfo]
    created_at: datetime
    updated_at: datetime


class Invitation(BaseModel):
    token: str
    versions_url: str


class RemoveResult(BaseModel):
    partner: PartnerInfo
    notified: bool
    detail: str


async def describe(repo: PartnerRepository, partner: PartnerRecord) -> PartnerInfo:
    assert partner.id is not None
    roles = await repo.roles(partner.id)
    endpoints = await repo.endpoints(partner.id)
    return PartnerInfo(
        id=partner.id,
        name=partner.name,
        status=partner.status,
        version=partner.version,
        versions_url=partner.versions_url,
        send_raw_token=partner.send_raw_token,
        roles=[
            RoleInfo(
                role=r.role,
                country_code=r.country_code,
                party_id=r.party_id,
                name=str(r.business_details.get("name", "")),
            )
            for r in roles
        ],
        endpoints=[EndpointInfo(identifier=e.module, role=e.interface_role, url=e.url) for e in endpoints],
        created_at=partner.created_at,
        updated_at=partner.updated_at,
    )


async def apply_credentials(
    repo: PartnerRepository, partner: PartnerRecord, credentials: Credentials, discovery: Discovery
) -> None:
    """Store what a completed handshake taught us: the partner's token, roles, version and endpoints."""
    partner.token_out = credentials.token
    partner.versions_url = credentials.url
    partner.version = discovery.version
    partner.send_raw_token = discovery.raw_token
    partner.status = PartnerStatus.REGISTERED
    if partner.name.startswith("invited ") or not partner.name:
        partner.name = credentials.roles[0].business_details.name
    await repo.save(partner)
    await repo.replace_roles(
        partner,
        [
            PartnerRoleRecord(
                partner_id=partner.id or 0,
                role=role.role,
                country_code=role.country_code,
                party_id=role.party_id,
                business_details=dump(role.business_details),
            )
            for role in credentials.roles
        ],
    )
    await repo.replace_endpoints(partner, discovery.endpoints)


def _discovery_failure(exc: Exception) -> RegistrationError:
    if isinstance(exc, PartnerError | NoCommonVersionError | MissingEndpointsError):
        return RegistrationError(str(exc))
    raise exc


def _parse_credentials(url: str, data: Any) -> Credentials:
    try:
        return Credentials.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "data"
        raise RegistrationError(
            f"{url}: the partner's credentials are invalid: {field}: {first['msg']}"
        ) from None


async def invite(sessionmaker: SessionMaker, settings: Settings, *, name: str | None) -> Invitation:
    """A pending registration: token A for the partner to POST its credentials with."""
    token_a = new_token()
    async with sessionmaker() as session:
        repo = PartnerRepository(session)
        partner = await repo.create(name=name or "invited partner", status=PartnerStatus.INVITED)
        await repo.add_token(partner, token_a, TokenKind.INVITATION)
        await session.commit()
    return Invitation(token=token_a, versions_url=settings.versions_url)


async def register(
    sessionmaker: SessionMaker,
    client: PartnerClient,
    settings: Settings,
    *,
    versions_url: str,
    token_a: str,
    name: str | None = None,
) -> PartnerInfo:
    """Register with a partner: discover with token A, POST our credentials with a fresh token B,
    store the token C it returns."""
    try:
        discovery = await discover(client, versions_url, token_a)
    except Exception as exc:
        raise _discovery_failure(exc) from None
    token_b = new_token()
    async with sessionmaker() as session:
        repo = PartnerRepository(session)
        partner = await repo.create(
            name=name or versions_url, status=PartnerStatus.CONNECTING, versions_url=versions_url
        )
        await repo.add_token(partner, token_b, TokenKind.PENDING)
        await session.commit()
        partner_id = partner.id
    assert partner_id is not None
    url = discovery.credentials_url
    try:
        reply = await client.call(
            "POST",
            url,
            token=token_a,
            raw_token=discovery.raw_token,
            json=dump(our_credentials(settings, token_b)),
        )
        credentials = _parse_credentials(url, reply.data)
    except (PartnerError, RegistrationError) as exc:
        async with sessionmaker() as session:
            repo = PartnerRepository(session)
            failed = await repo.get(partner_id)
            if failed is not None:
                await repo.delete(failed)
            await session.commit()
        raise RegistrationError(f"the partner refused our credentials: {exc}") from None
    async with sessionmaker() as session:
        repo = PartnerRepository(session)
        registered = await _load(repo, partner_id)
        if name:
            registered.name = name
        elif registered.name == versions_url:
            registered.name = credentials.roles[0].business_details.name
        await apply_credentials(repo, registered, credentials, discovery)
        await repo.activate_token(registered, token_b)
        await announce(session, settings, partner_id, joined=True)
        await session.commit()
        return await describe(repo, registered)


async def _load(repo: PartnerRepository, partner_id: int) -> PartnerRecord:
    partner = await repo.get(partner_id)
    if partner is None:
        raise PartnerNotFoundError(f"no partner with id {partner_id}")
    return partner


async def update(
    sessionmaker: SessionMaker, client: PartnerClient, settings: Settings, partner_id: int
) -> PartnerInfo:
    """PUT our credentials with a new token: the partner re-fetches our endpoints and rotates its token for us;
    we re-discover its endpoints too."""
    async with sessionmaker() as session:
        repo = PartnerRepository(session)
        partner = await _load(repo, partner_id)
        if partner.status != PartnerStatus.REGISTERED or not partner.token_out or not partner.versions_url:
            raise RegistrationError(f"partner {partner_id} is {partner.status}, not REGISTERED")
        token_out, versions_url, raw = partner.token_out, partner.versions_url, partner.send_raw_token
    try:
        discovery = await discover(client, versions_url, token_out, raw_token=raw)
    except Exception as exc:
        raise _discovery_failure(exc) from None
    new_b = new_token()
    async with sessionmaker() as session:
        repo = PartnerRepository(session)
        partner = await _load(repo, partner_id)
        await repo.add_token(partner, new_b, TokenKind.PENDING)
        await session.commit()
    url = discovery.credentials_url
    try:
        reply = await client.call(
            "PUT",
            url,
            token=token_out,
            raw_token=discovery.raw_token,
            json=dump(our_credentials(settings, new_b)),
        )
        credentials = _parse_credentials(url, reply.data)
    except (PartnerError, RegistrationError) as exc:
        async with sessionmaker() as session:
            repo = PartnerRepository(session)
            await repo.drop_token(new_b)
            await session.commit()
        raise RegistrationError(f"the partner refused our credentials update: {exc}") from None
    async with sessionmaker() as session:
        repo = PartnerRepository(session)
        partner = await _load(repo, partner_id)
        await apply_credentials(repo, partner, credentials, discovery)
        await repo.activate_token(partner, new_b)
        await announce(session, settings, partner_id)
        await session.commit()
        return await describe(repo, partner)


async def remove(
    sessionmaker: SessionMaker, client: PartnerClient, settings: Settings, partner_id: int
) -> RemoveResult:
    """Unregister: DELETE on the partner's credentials where reachable, then our tokens for it stop working."""
    async with sessionmaker() as session:
        repo = PartnerRepository(session)
        partner = await _load(repo, partner_id)
        credentials_url = next(
            (e.url for e in await repo.endpoints(partner_id) if e.module == "credentials"), None
        )
        token_out, raw, status = partner.token_out, partner.send_raw_token, partner.status
    notified, detail = False, "partner was not registered; nothing to tell it"
    if status == PartnerStatus.REGISTERED and token_out and credentials_url:
        try:
            await client.call("DELETE", credentials_url, token=token_out, raw_token=raw)
            notified, detail = True, f"DELETE {credentials_url} accepted"
        except PartnerError as exc:
            detail = f"could not notify the partner: {exc}"
    async with sessionmaker() as session:
        repo = PartnerRepository(session)
        partner = await _load(repo, partner_id)
        await repo.drop_tokens(partner)
        partner.status = PartnerStatus.UNREGISTERED
        partner.token_out = None
        await repo.save(partner)
        await announce(session, settings, partner_id)
        await session.commit()
        return RemoveResult(partner=await describe(repo, partner), notified=notified, detail=detail)


async def list_partners(sessionmaker: SessionMaker) -> list[PartnerInfo]:
    async with sessionmaker() as session:
        repo = PartnerRepository(session)
        return [await describe(repo, partner) for partner in await repo.list()]
