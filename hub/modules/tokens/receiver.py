"""Tokens, Receiver interface (mod_tokens_cpo_interface): GET, PUT and PATCH of the Tokens partners push."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from hub.deps import CallerDep, RoutingDep, SessionDep
from hub.modules.objects import object_response, partner_service
from hub.modules.tokens.service import TokenService
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.tokens import Token, TokenPatch, TokenType
from hub.transport import CREATED, ocpi_response

router = APIRouter()

TOKEN = "/{country_code}/{party_id}/{token_uid}"

TypeQuery = Annotated[
    TokenType,
    Query(alias="type", description="Token.type; RFID when left out (mod_tokens_cpo_get_request_parameters)"),
]


async def _service(session: SessionDep, caller: CallerDep, country_code: str, party_id: str) -> TokenService:
    return await partner_service(session, caller, country_code, party_id, TokenService)


@router.get(TOKEN, response_model=OcpiResponse[Token])
async def get_token(
    country_code: str,
    party_id: str,
    token_uid: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    token_type: TypeQuery = TokenType.RFID,
) -> Response:
    """The Token as we stored it, so its eMSP can check it."""
    service = await _service(session, caller, country_code, party_id)
    return object_response(await service.get(token_uid, token_type))


@router.put(TOKEN, response_model=OcpiResponse[None], responses=CREATED)
async def put_token(
    country_code: str,
    party_id: str,
    token_uid: str,
    token: Token,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    token_type: TypeQuery = TokenType.RFID,
) -> Response:
    """Create (201) or replace (200) a Token; invalidating one is a PUT or PATCH with valid=false."""
    service = await _service(session, caller, country_code, party_id)
    created, _changed = await service.put(token_uid, token_type, token)
    return ocpi_response(http_status=201 if created else 200)


@router.patch(TOKEN, response_model=OcpiResponse[None])
async def patch_token(
    country_code: str,
    party_id: str,
    token_uid: str,
    patch: TokenPatch,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    token_type: TypeQuery = TokenType.RFID,
) -> Response:
    """Update some fields of a Token (last_updated required), e.g. {"valid": false, ...}."""
    service = await _service(session, caller, country_code, party_id)
    await service.patch(token_uid, token_type, patch)
    return ocpi_response()
