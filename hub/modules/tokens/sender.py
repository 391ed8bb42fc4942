"""Tokens, Sender interface (mod_tokens_emsp_interface): our eMSP parties' Tokens, real-time authorization."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from hub.deps import CallerDep, RoutingDep, SessionDep, SettingsDep
from hub.hub_role.get_all import get_all
from hub.hub_role.mode import addressed_to_hub
from hub.modules.local_parties import sender_owners
from hub.modules.sender_lists import owned_list
from hub.modules.tokens.repository import TokenRepository
from hub.modules.tokens.service import MODULE, authorize
from hub.ocpi.enums import Role
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.tokens import AuthorizationInfo, LocationReferences, Token, TokenType
from hub.tables.tokens import TokenRecord
from hub.transport import ocpi_response

router = APIRouter()

TypeQuery = Annotated[
    TokenType,
    Query(
        alias="type", description="Token.type; RFID when left out (mod_tokens_msp_post_request_parameters)"
    ),
]
LocationBody = Annotated[
    LocationReferences | None, Body(description="the Location (and EVSEs) the Token is to be authorized at")
]


# The spec's list URLs end in a slash (`.../tokens/?date_from=...`): serve both spellings.
@router.get("", response_model=OcpiResponse[list[Token]])
@router.get("/", response_model=OcpiResponse[list[Token]], include_in_schema=False)
async def list_tokens(
    request: Request, caller: CallerDep, routing: RoutingDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Our Tokens, paginated (date_from inclusive, date_to exclusive, offset, limit), invalid ones too; as a
    Hub, addressed to the hub, those of every connected eMSP too (GET All via Hubs)."""
    if addressed_to_hub(settings, routing):
        return await get_all(
            request,
            session,
            settings,
            caller,
            module=MODULE,
            table=TokenRecord,
            owner_role=Role.EMSP,
            routing=routing,
        )
    owners = sender_owners(settings, Role.EMSP, routing)
    return await owned_list(request, TokenRepository(session), owners, settings.base_url, settings.page_limit)


# The endpoint structure is `{tokens_endpoint_url}{token_uid}/authorize` (no slash) while the examples have
# `.../tokens/012345678/authorize`: accept both.
@router.post("/{token_uid}/authorize", response_model=OcpiResponse[AuthorizationInfo])
@router.post("{token_uid}/authorize", response_model=OcpiResponse[AuthorizationInfo], include_in_schema=False)
async def post_authorize(
    token_uid: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    settings: SettingsDep,
    token_type: TypeQuery = TokenType.RFID,
    location: LocationBody = None,
) -> Response:
    """Real-time authorization: may this Token charge (at this Location)? HTTP 404 with 2004 when unknown."""
    owners = sender_owners(settings, Role.EMSP, routing)
    return ocpi_response(await authorize(session, owners, token_uid, token_type, location))
