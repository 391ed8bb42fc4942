"""Admin API: what the `ocpi-hub partner` commands do, over HTTP; refused while OCPI_HUB_ADMIN_TOKEN is unset."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from hub.config import Settings
from hub.db import SessionMaker
from hub.deps import PartnerClientDep, SettingsDep
from hub.errors import AdminAuthError, AdminBadRequestError, AdminDisabledError, AdminNotFoundError
from hub.partners import registration
from hub.partners.registration import (
    Invitation,
    PartnerInfo,
    PartnerNotFoundError,
    RegistrationError,
    RemoveResult,
)


async def require_admin(request: Request) -> None:
    settings: Settings = request.app.state.settings
    if settings.admin_token is None:
        raise AdminDisabledError()
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    expected = settings.admin_token.get_secret_value()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise AdminAuthError(headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])

# An id of one of our rows in an admin URL: SQL integers are 64-bit, so a larger number names no row (and
# SQLite refuses to compare with it). Paths that also have words in that segment (/partners/invite) match
# it with `{name:int}`, so that the word's other methods get 405, not a complaint about the id.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


async def get_sessionmaker(request: Request) -> SessionMaker:
    sessionmaker: SessionMaker = request.app.state.sessionmaker
    return sessionmaker


SessionMakerDep = Annotated[SessionMaker, Depends(get_sessionmaker)]


class InviteRequest(BaseModel):
    name: str | None = Field(default=None, max_length=255)


class RegisterRequest(BaseModel):
    versions_url: str = Field(max_length=255)
    token: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=255)


def _failed(exc: RegistrationError) -> Exception:
    if isinstance(exc, PartnerNotFoundError):
        return AdminNotFoundError(str(exc))
    return AdminBadRequestError(str(exc))


@router.get("/partners")
async def list_partners(sessionmaker: SessionMakerDep) -> list[PartnerInfo]:
    """Every partner, with its roles and discovered endpoints."""
    return await registration.list_partners(sessionmaker)


@router.post("/partners/invite")
async def invite_partner(
    body: InviteRequest, sessionmaker: SessionMakerDep, settings: SettingsDep
) -> Invitation:
    """Create a pending registration: hand the token and versions URL to the partner."""
    return await registration.invite(sessionmaker, settings, name=body.name)


@router.post("/partners/register")
async def register_partner(
    body: RegisterRequest, sessionmaker: SessionMakerDep, client: PartnerClientDep, settings: SettingsDep
) -> PartnerInfo:
    """Register with a partner that gave us its versions URL and a token A."""
    try:
        return await registration.register(
            sessionmaker, client, settings, versions_url=body.versions_url, token_a=body.token, name=body.name
        )
    except RegistrationError as exc:
        raise _failed(exc) from None


@router.post("/partners/{partner_id:int}/update")
async def update_partner(
    partner_id: RowId, sessionmaker: SessionMakerDep, client: PartnerClientDep, settings: SettingsDep
) -> PartnerInfo:
    """PUT our credentials to the partner: rotate both tokens and re-discover its endpoints."""
    try:
        return await registration.update(sessionmaker, client, settings, partner_id)
    except RegistrationError as exc:
        raise _failed(exc) from None


@router.delete("/partners/{partner_id:int}")
async def remove_partner(
    partner_id: RowId, sessionmaker: SessionMakerDep, client: PartnerClientDep, settings: SettingsDep
) -> RemoveResult:
    """Unregister a partner: DELETE on its credentials where reachable; its tokens stop working."""
    try:
        return await registration.remove(sessionmaker, client, settings, partner_id)
    except RegistrationError as exc:
        raise _failed(exc) from None
