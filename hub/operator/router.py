"""Admin API for our own Locations, Tariffs and Tokens: PUT/PATCH a Location, EVSE, Connector, Tariff or
Token, set an EVSE's status, import arrays. Changes are stamped when made and recorded as change events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from hub.admin.bodies import request_body
from hub.admin.router import SessionMakerDep, require_admin
from hub.deps import SessionDep, SettingsDep
from hub.errors import AdminBadRequestError, AdminNotFoundError
from hub.modules.local_parties import cpo_owners, owners_with_role
from hub.modules.locations.service import LocationService
from hub.modules.objects import Owner, Writer, object_response, validate
from hub.modules.tariffs.service import TariffService
from hub.modules.tokens.service import AuthorizationPolicy, TokenService
from hub.ocpi.base import format_datetime, utc_now
from hub.ocpi.enums import Role
from hub.ocpi.envelope import OcpiResponse, dump
from hub.ocpi.v221.locations import (
    EVSE,
    Connector,
    ConnectorPatch,
    EVSEPatch,
    Location,
    LocationPatch,
    Status,
)
from hub.ocpi.v221.tariffs import Tariff
from hub.ocpi.v221.tokens import Token, TokenPatch, TokenType
from hub.operator.imports import ImportFileError, ImportKind, import_objects
from hub.transport import CREATED, ocpi_response

router = APIRouter(prefix="/admin", tags=["admin: own data"], dependencies=[Depends(require_admin)])

LOCATION = "/locations/{country_code}/{party_id}/{location_id}"
EVSE_PATH = LOCATION + "/{evse_uid}"
CONNECTOR = EVSE_PATH + "/{connector_id}"
TARIFF = "/tariffs/{country_code}/{party_id}/{tariff_id}"
TOKEN = "/tokens/{country_code}/{party_id}/{token_uid}"

JsonBody = Annotated[dict[str, Any], Body()]
TokenTypeQuery = Annotated[TokenType, Query(alias="type", description="Token.type; RFID when left out")]


def _owner(settings: SettingsDep, country_code: str, party_id: str) -> Owner:
    owner = Owner.of(country_code, party_id)
    if owner not in cpo_owners(settings):
        raise AdminNotFoundError(f"{owner} is not one of our CPO parties (OCPI_HUB_PARTIES)")
    return owner


def _locations(
    session: SessionDep, settings: SettingsDep, country_code: str, party_id: str
) -> LocationService:
    return LocationService(session, _owner(settings, country_code, party_id), Writer(None))


def _stamped(body: dict[str, Any]) -> dict[str, Any]:
    """We are the owner: a change through the admin API is stamped by us, so `last_updated` may be left out
    of the object and of its EVSEs and Connectors."""
    now = format_datetime(utc_now())

    def stamp(obj: Any) -> Any:
        if not isinstance(obj, dict):
            return obj
        stamped = {**obj, "last_updated": now if obj.get("last_updated") is None else obj["last_updated"]}
        for children in ("evses", "connectors"):
            if isinstance(obj.get(children), list):
                stamped[children] = [stamp(child) for child in obj[children]]
        return stamped

    result: dict[str, Any] = stamp(body)
    return result


def _result(created: bool) -> Response:
    return ocpi_response(http_status=201 if created else 200)


@router.get(LOCATION, response_model=OcpiResponse[Location])
async def get_location(
    country_code: str, party_id: str, location_id: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """One of our Locations as stored."""
    return object_response(await _locations(session, settings, country_code, party_id).get(location_id))


@router.put(
    LOCATION, response_model=OcpiResponse[None], responses=CREATED, openapi_extra=request_body(Location)
)
async def put_location(
    country_code: str,
    party_id: str,
    location_id: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Create (201) or replace (200) one of our Locations."""
    location = validate(Location, _stamped(body))
    created, _ = await _locations(session, settings, country_code, party_id).put_location(
        location_id, location
    )
    return _result(created)


@router.patch(LOCATION, response_model=OcpiResponse[None], openapi_extra=request_body(LocationPatch))
async def patch_location(
    country_code: str,
    party_id: str,
    location_id: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Change some fields of one of our Locations."""
    await _locations(session, settings, country_code, party_id).patch_location(
        location_id, validate(LocationPatch, _stamped(body))
    )
    return ocpi_response()


@router.put(EVSE_PATH, response_model=OcpiResponse[None], responses=CREATED, openapi_extra=request_body(EVSE))
async def put_evse(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Create or replace an EVSE of one of our Locations."""
    service = _locations(session, settings, country_code, party_id)
    return _result(await service.put_evse(location_id, evse_uid, validate(EVSE, _stamped(body))))


@router.patch(EVSE_PATH, response_model=OcpiResponse[None], openapi_extra=request_body(EVSEPatch))
async def patch_evse(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Change some fields of an EVSE."""
    service = _locations(session, settings, country_code, party_id)
    await service.patch_evse(location_id, evse_uid, validate(EVSEPatch, _stamped(body)))
    return ocpi_response()


@router.put(EVSE_PATH + "/status", response_model=OcpiResponse[None])
async def set_evse_status(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    status: Annotated[Status, Body(embed=True)],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Set an EVSE's status, e.g. {"status": "OUTOFORDER"}."""
    service = _locations(session, settings, country_code, party_id)
    await service.patch_evse(location_id, evse_uid, validate(EVSEPatch, _stamped({"status": status})))
    return ocpi_response()


@router.put(
    CONNECTOR, response_model=OcpiResponse[None], responses=CREATED, openapi_extra=request_body(Connector)
)
async def put_connector(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Create or replace a Connector of one of our EVSEs."""
    service = _locations(session, settings, country_code, party_id)
    return _result(
        await service.put_connector(location_id, evse_uid, connector_id, validate(Connector, _stamped(body)))
    )


@router.patch(CONNECTOR, response_model=OcpiResponse[None], openapi_extra=request_body(ConnectorPatch))
async def patch_connector(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Change some fields of a Connector."""
    service = _locations(session, settings, country_code, party_id)
    await service.patch_connector(
        location_id, evse_uid, connector_id, validate(ConnectorPatch, _stamped(body))
    )
    return ocpi_response()


@router.get(TARIFF, response_model=OcpiResponse[Tariff])
async def get_tariff(
    country_code: str, party_id: str, tariff_id: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """One of our Tariffs as stored."""
    service = TariffService(session, _owner(settings, country_code, party_id), Writer(None))
    return object_response(await service.get(tariff_id))


@router.put(TARIFF, response_model=OcpiResponse[None], responses=CREATED, openapi_extra=request_body(Tariff))
async def put_tariff(
    country_code: str,
    party_id: str,
    tariff_id: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Create (201) or replace (200) one of our Tariffs."""
    service = TariffService(session, _owner(settings, country_code, party_id), Writer(None))
    created, _ = await service.put(tariff_id, validate(Tariff, _stamped(body)))
    return _result(created)


@router.delete(TARIFF, response_model=OcpiResponse[None])
async def delete_tariff(
    country_code: str, party_id: str, tariff_id: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """Withdraw one of our Tariffs."""
    await TariffService(session, _owner(settings, country_code, party_id), Writer(None)).delete(tariff_id)
    return ocpi_response()


def _tokens(session: SessionDep, settings: SettingsDep, country_code: str, party_id: str) -> TokenService:
    owner = Owner.of(country_code, party_id)
    if owner not in owners_with_role(settings, Role.EMSP):
        raise AdminNotFoundError(f"{owner} is not one of our EMSP parties (OCPI_HUB_PARTIES)")
    return TokenService(session, owner, Writer(None))


@router.get(TOKEN, response_model=OcpiResponse[Token])
async def get_token(
    country_code: str,
    party_id: str,
    token_uid: str,
    session: SessionDep,
    settings: SettingsDep,
    token_type: TokenTypeQuery = TokenType.RFID,
) -> Response:
    """One of our Tokens as stored."""
    service = _tokens(session, settings, country_code, party_id)
    return object_response(await service.get(token_uid, token_type))


@router.put(TOKEN, response_model=OcpiResponse[None], responses=CREATED, openapi_extra=request_body(Token))
async def put_token(
    country_code: str,
    party_id: str,
    token_uid: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
    token_type: TokenTypeQuery = TokenType.RFID,
) -> Response:
    """Create (201) or replace (200) one of our Tokens."""
    service = _tokens(session, settings, country_code, party_id)
    created, _ = await service.put(token_uid, token_type, validate(Token, _stamped(body)))
    return _result(created)


@router.patch(TOKEN, response_model=OcpiResponse[None], openapi_extra=request_body(TokenPatch))
async def patch_token(
    country_code: str,
    party_id: str,
    token_uid: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
    token_type: TokenTypeQuery = TokenType.RFID,
) -> Response:
    """Change some fields of one of our Tokens, e.g. {"valid": false} to invalidate it."""
    service = _tokens(session, settings, country_code, party_id)
    await service.patch(token_uid, token_type, validate(TokenPatch, _stamped(body)))
    return ocpi_response()


@router.get(TOKEN + "/authorization", response_model=OcpiResponse[AuthorizationPolicy])
async def get_token_authorization(
    country_code: str,
    party_id: str,
    token_uid: str,
    session: SessionDep,
    settings: SettingsDep,
    token_type: TokenTypeQuery = TokenType.RFID,
) -> Response:
    """How our eMSP answers real-time authorizations of this Token."""
    service = _tokens(session, settings, country_code, party_id)
    return object_response(dump(await service.policy(token_uid, token_type)))


@router.put(
    TOKEN + "/authorization",
    response_model=OcpiResponse[None],
    openapi_extra=request_body(AuthorizationPolicy, stamped=False),
)
async def put_token_authorization(
    country_code: str,
    party_id: str,
    token_uid: str,
    body: JsonBody,
    session: SessionDep,
    settings: SettingsDep,
    token_type: TokenTypeQuery = TokenType.RFID,
) -> Response:
    """Set how our eMSP answers real-time authorizations of this Token: {"allowed": "NO_CREDIT"},
    {"location_ids": ["LOC1"]}, {"info": {"language": "en", "text": "..."}}; {} restores the default."""
    service = _tokens(session, settings, country_code, party_id)
    await service.set_policy(token_uid, token_type, validate(AuthorizationPolicy, body))
    return ocpi_response()


class InvalidItem(BaseModel):
    index: int
    reason: str


class ImportReportBody(BaseModel):
    """What an import did (ImportReport.as_dict)."""

    kind: ImportKind
    total: int
    created: int
    updated: int
    unchanged: int
    written: bool
    invalid: list[InvalidItem]


@router.post(
    "/import/{kind}",
    response_model=ImportReportBody,
    responses={422: {"model": ImportReportBody, "description": "Nothing was written: the report names why"}},
)
async def import_array(
    kind: ImportKind,
    items: Annotated[list[Any], Body()],
    sessionmaker: SessionMakerDep,
    settings: SettingsDep,
    skip_invalid: Annotated[
        bool, Query(description="write the valid objects even when some are invalid")
    ] = False,
) -> JSONResponse:
    """Import a JSON array of our Locations, Tariffs or Tokens; nothing is written when any is invalid, unless
    skip_invalid. HTTP 422 with the report when nothing was written."""
    try:
        report = await import_objects(sessionmaker, settings, kind, items, skip_invalid=skip_invalid)
    except ImportFileError as exc:
        raise AdminBadRequestError(str(exc)) from None
    return JSONResponse(report.as_dict(), status_code=200 if report.written else 422)
