"""Admin API of the Hub role: the parties behind the hub, and suspending or resuming one
(refused while OCPI_HUB_ADMIN_TOKEN is unset, like every /admin endpoint)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from hub.admin.router import require_admin
from hub.deps import SessionDep, SettingsDep
from hub.errors import AdminNotFoundError
from hub.hub_role.parties import HubParty, describe_party, hub_parties
from hub.hub_role.suspension import UnknownPartnerError, set_suspended
from hub.modules import registry

router = APIRouter(prefix="/admin", tags=["admin: hub"], dependencies=[Depends(require_admin)])

# A partner row id: SQL integers are 64-bit, so a larger number names no partner.
PartnerId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/hub/parties")
async def list_hub_parties(request: Request, session: SessionDep, settings: SettingsDep) -> list[HubParty]:
    """Every party behind the hub: roles, endpoints per module, registration and connection status."""
    return await hub_parties(session, settings, registry.endpoints(settings, request.app.state.modules))


async def _set(session: SessionDep, settings: SettingsDep, partner_id: int, *, suspended: bool) -> HubParty:
    try:
        partner = await set_suspended(session, settings, partner_id, suspended=suspended)
    except UnknownPartnerError as exc:
        raise AdminNotFoundError(str(exc)) from None
    return await describe_party(session, partner)


@router.post("/partners/{partner_id:int}/suspend")
async def suspend_partner(partner_id: PartnerId, session: SessionDep, settings: SettingsDep) -> HubParty:
    """Suspend a partner: its functional requests get HTTP 403, pushes to it wait, the others are told."""
    return await _set(session, settings, partner_id, suspended=True)


@router.post("/partners/{partner_id:int}/resume")
async def resume_partner(partner_id: PartnerId, session: SessionDep, settings: SettingsDep) -> HubParty:
    """End a partner's suspension: it may call again and what waited for it is sent."""
    return await _set(session, settings, partner_id, suspended=False)
