"""Credentials endpoint (credentials_interfaces_and_endpoints); PATCH is not allowed."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hub.deps import ConfigCallerDep, PartnerClientDep, SessionDep, SettingsDep
from hub.identity import our_credentials
from hub.modules.credentials import service as credentials_service
from hub.ocpi.envelope import OcpiResponse, dump
from hub.ocpi.v221.credentials import Credentials
from hub.transport import ocpi_response

router = APIRouter()


@router.get("", response_model=OcpiResponse[Credentials])
async def get_credentials(caller: ConfigCallerDep, settings: SettingsDep) -> Response:
    """Our credentials, carrying the token the caller uses with us."""
    return ocpi_response(dump(our_credentials(settings, caller.token)))


@router.post("", response_model=OcpiResponse[Credentials])
async def post_credentials(
    credentials: Credentials,
    caller: ConfigCallerDep,
    session: SessionDep,
    client: PartnerClientDep,
    settings: SettingsDep,
) -> Response:
    """Register: we fetch your versions and details with your token, then answer with a new token for you."""
    ours = await credentials_service.register(session, client, settings, caller, credentials)
    return ocpi_response(dump(ours))


@router.put("", response_model=OcpiResponse[Credentials])
async def put_credentials(
    credentials: Credentials,
    caller: ConfigCallerDep,
    session: SessionDep,
    client: PartnerClientDep,
    settings: SettingsDep,
) -> Response:
    """Update: we re-fetch your versions and endpoints and issue a new token; the old one stops working."""
    ours = await credentials_service.update(session, client, settings, caller, credentials)
    return ocpi_response(dump(ours))


@router.delete("", response_model=OcpiResponse[None])
async def delete_credentials(caller: ConfigCallerDep, session: SessionDep, settings: SettingsDep) -> Response:
    """Unregister: your token stops working and we stop calling you."""
    await credentials_service.unregister(session, settings, caller)
    return ocpi_response()
