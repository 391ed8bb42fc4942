"""Tariffs, Receiver interface (mod_tariffs_emsp_interface): GET, PUT and DELETE of the Tariffs partners push."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hub.deps import CallerDep, RoutingDep, SessionDep
from hub.modules.objects import object_response, partner_service
from hub.modules.tariffs.service import TariffService
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.tariffs import Tariff
from hub.transport import CREATED, ocpi_response

router = APIRouter()

TARIFF = "/{country_code}/{party_id}/{tariff_id}"


async def _service(session: SessionDep, caller: CallerDep, country_code: str, party_id: str) -> TariffService:
    return await partner_service(session, caller, country_code, party_id, TariffService)


@router.get(TARIFF, response_model=OcpiResponse[Tariff])
async def get_tariff(
    country_code: str,
    party_id: str,
    tariff_id: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """The Tariff as we stored it."""
    service = await _service(session, caller, country_code, party_id)
    return object_response(await service.get(tariff_id))


@router.put(TARIFF, response_model=OcpiResponse[None], responses=CREATED)
async def put_tariff(
    country_code: str,
    party_id: str,
    tariff_id: str,
    tariff: Tariff,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Create (201) or replace (200) a Tariff."""
    service = await _service(session, caller, country_code, party_id)
    created, _changed = await service.put(tariff_id, tariff)
    return ocpi_response(http_status=201 if created else 200)


@router.delete(TARIFF, response_model=OcpiResponse[None])
async def delete_tariff(
    country_code: str,
    party_id: str,
    tariff_id: str,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
) -> Response:
    """Remove a Tariff that is no longer valid."""
    service = await _service(session, caller, country_code, party_id)
    await service.delete(tariff_id)
    return ocpi_response()
