"""CDRs, Receiver interface (mod_cdrs_emsp_interface): POST of the CDRs CPOs send us, and GET at the URL our
POST answer gave (`{cdrs}/{country_code}/{party_id}/{cdr_id}`: the spec leaves that URL's form to the eMSP)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from hub.deps import CallerDep, RoutingDep, SessionDep, SettingsDep
from hub.errors import InvalidParametersError
from hub.modules.cdrs.service import get_cdr, receive_cdr
from hub.modules.objects import Owner, object_response, require_owner
from hub.modules.sessions.visibility import token_owners
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.cdrs import CDR
from hub.transport import ocpi_response

router = APIRouter()


def _url(settings: SettingsDep, request: Request, owner: Owner, cdr_id: str) -> str:
    base = request.url.path.rstrip("/")
    return f"{settings.base_url}{base}/{owner.country_code}/{owner.party_id}/{quote(cdr_id, safe='')}"


@router.post("", response_model=OcpiResponse[None], status_code=201)
async def post_cdr(
    request: Request,
    cdr: CDR,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Store a new CDR (201); the Location header gives the URL to GET it at."""
    owner = Owner.of(cdr.country_code, cdr.party_id)
    # The module URL exists, so this is answered in OCPI (2001), not with an HTTP 404 as for a URL that
    # names another party (status_codes: "a HTTP error MUST NOT be returned").
    if owner not in await token_owners(session, caller, routing):
        raise InvalidParametersError(f"country_code/party_id: {owner} is not one of your credentials roles")
    location = _url(settings, request, owner, cdr.id)
    await receive_cdr(session, owner, cdr, caller.partner_id, location)
    return ocpi_response(http_status=201, headers={"Location": location})


@router.get("/{country_code}/{party_id}/{cdr_id:path}", response_model=OcpiResponse[CDR])
async def get_received_cdr(
    country_code: str,
    party_id: str,
    cdr_id: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """A CDR as we stored it, at the URL our answer to its POST gave."""
    owner = await require_owner(session, caller, country_code, party_id)
    return object_response(await get_cdr(session, owner, cdr_id, local=False))
