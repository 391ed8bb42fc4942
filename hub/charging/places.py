"""Our Locations as charging needs them (mod_locations): an EVSE's status and a Connector's Tariff currency
(mod_tariffs: a Session's currency is its Tariff's)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.modules.locations.service import repository as location_repository
from hub.modules.objects import Owner, from_json
from hub.modules.tariffs.service import repository as tariff_repository

# A Session must name a currency; with no Tariff on the Connector there is none to copy.
DEFAULT_CURRENCY = "EUR"


def _find(items: Any, field: str, value: str) -> dict[str, Any] | None:
    for item in items or []:
        if isinstance(item, dict) and str(item.get(field, "")).upper() == value.upper():
            return item
    return None


async def our_location(session: AsyncSession, owner: Owner, location_id: str) -> dict[str, Any] | None:
    record = await location_repository(session).get(owner, location_id)
    if record is None or record.partner_id is not None:
        return None
    return from_json(record.body)


def evse_statuses(location: dict[str, Any]) -> dict[str, str]:
    """EVSE uid (upper-cased) -> status."""
    return {str(e["uid"]).upper(): str(e.get("status")) for e in location.get("evses") or []}


async def currency(
    session: AsyncSession, owner: Owner, location: dict[str, Any], evse_uid: str, connector_id: str
) -> str:
    """The currency of the Connector's first Tariff of ours, else EUR."""
    connector = _find(
        (_find(location.get("evses"), "uid", evse_uid) or {}).get("connectors"), "id", connector_id
    )
    tariffs = tariff_repository(session)
    for tariff_id in (connector or {}).get("tariff_ids") or []:
        record = await tariffs.get(owner, tariff_id)
        if record is not None and record.partner_id is None:
            return str(from_json(record.body)["currency"])
    return DEFAULT_CURRENCY
