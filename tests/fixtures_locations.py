"""Factories of valid OCPI 2.2.1 Locations (with nested EVSEs and Connectors) and Tariffs, as plain JSON dicts.

Every factory returns a fresh dict that validates as its wire model (hub.ocpi.v221.locations.Location,
hub.ocpi.v221.tariffs.Tariff) and that the hub stores and serves back unchanged apart from the
`last_updated` fields: no field is None (the hub omits unset optional fields when it serves an object), and
every number survives the Decimal round trip of Tariff prices. Ids are CiStrings, so keep them at most 36
characters; EVSE uids derive from the Location id so they stay unique across Locations.

Build invalid objects by changing the returned dict (`loc["evses"][0]["status"] = "BROKEN"`) or with the
keyword overrides, which replace top-level fields (`make_location(city="x" * 46)`).

    make_location()                          # NL*GWY LOC1: 2 EVSEs x 2 Connectors
    make_location("LOC2", evses=1, connectors=3, name="Station 2")
    make_tariff("T1")                        # NL*GWY T1: 0.25 EUR/kWh
    make_tariff("T2", elements=[flat_element(1.5)])
    with_last_updated(make_location(), "2026-05-01T00:00:00Z")   # every level restamped
"""

from __future__ import annotations

import copy
from typing import Any

from sqlmodel import col, select

from hub.modules.objects import from_json
from hub.tables import ChangeEventRecord, LocationRecord, TariffRecord

DEFAULT_LAST_UPDATED = "2026-01-01T00:00:00Z"


def evse_uid(location_id: str, index: int) -> str:
    """The uid `make_location` gives its EVSE number `index` (1-based): `<location_id>-<index>`."""
    return f"{location_id[:30]}-{index}"


def make_connector(
    connector_id: str = "1",
    *,
    standard: str = "IEC_62196_T2",
    format: str = "SOCKET",
    power_type: str = "AC_3_PHASE",
    max_voltage: int = 230,
    max_amperage: int = 16,
    max_electric_power: int | None = 11000,
    tariff_ids: list[str] | None = None,
    last_updated: str = DEFAULT_LAST_UPDATED,
    **overrides: Any,
) -> dict[str, Any]:
    """A Connector (mod_locations_connector_object); optional fields given as None are left out."""
    connector: dict[str, Any] = {
        "id": connector_id,
        "standard": standard,
        "format": format,
        "power_type": power_type,
        "max_voltage": max_voltage,
        "max_amperage": max_amperage,
        "max_electric_power": max_electric_power,
        "tariff_ids": tariff_ids,
        "last_updated": last_updated,
        **overrides,
    }
    return {k: v for k, v in connector.items() if v is not None}


def make_evse(
    uid: str = "LOC1-1",
    *,
    connectors: int = 2,
    status: str = "AVAILABLE",
    evse_id: str | None = None,
    tariff_ids: list[str] | None = None,
    last_updated: str = DEFAULT_LAST_UPDATED,
    **overrides: Any,
) -> dict[str, Any]:
    """An EVSE (mod_locations_evse_object) with Connectors "1".."connectors" (the spec requires at least
    one: `connectors=0` gives an invalid EVSE). `evse_id` None leaves the optional field out."""
    evse: dict[str, Any] = {
        "uid": uid,
        "evse_id": evse_id,
        "status": status,
        "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
        "connectors": [
            make_connector(str(j), tariff_ids=tariff_ids, last_updated=last_updated)
            for j in range(1, connectors + 1)
        ],
        "physical_reference": uid[-16:],
        "last_updated": last_updated,
        **overrides,
    }
    return {k: v for k, v in evse.items() if v is not None}


def make_location(
    location_id: str = "LOC1",
    evses: int = 2,
    connectors: int = 2,
    country_code: str = "NL",
    party_id: str = "GWY",
    last_updated: str = DEFAULT_LAST_UPDATED,
    *,
    tariff_ids: list[str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A published Location (mod_locations_location_object) owned by `country_code`*`party_id` with
    `evses` EVSEs (uids `evse_uid(location_id, i)`, i = 1..evses; no `evses` field when 0), each with
    `connectors` Connectors "1".."connectors" referring to `tariff_ids` when given. Every level carries
    `last_updated`. `overrides` replace top-level fields (a None override removes the field)."""
    digits = "".join(c for c in location_id if c.isalnum()).upper()
    location: dict[str, Any] = {
        "country_code": country_code,
        "party_id": party_id,
        "id": location_id,
        "publish": True,
        "name": f"Station {location_id}",
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "postal_code": "1012AB",
        "country": "NLD",
        "coordinates": {"latitude": "52.378901", "longitude": "4.900210"},
        "parking_type": "ON_STREET",
        "evses": [
            make_evse(
                evse_uid(location_id, i),
                connectors=connectors,
                evse_id=f"{country_code}*{party_id}*E{digits}*{i}"[:48],
                tariff_ids=tariff_ids,
                last_updated=last_updated,
            )
            for i in range(1, evses + 1)
        ]
        or None,
        "operator": {"name": "Gateway CPO"},
        "facilities": ["CAFE"],
        "time_zone": "Europe/Amsterdam",
        "opening_times": {"twentyfourseven": True},
        "last_updated": last_updated,
        **overrides,
    }
    return {k: v for k, v in location.items() if v is not None}


def energy_element(price: float = 0.25, vat: float = 21.0, step_size: int = 1) -> dict[str, Any]:
    """A TariffElement with one ENERGY price component (price per kWh excl. VAT)."""
    return {"price_components": [{"type": "ENERGY", "price": price, "vat": vat, "step_size": step_size}]}


def flat_element(price: float = 1.0, vat: float = 21.0) -> dict[str, Any]:
    """A TariffElement with one FLAT price component (a start fee)."""
    return {"price_components": [{"type": "FLAT", "price": price, "vat": vat, "step_size": 1}]}


def parking_element(
    price: float = 2.0,
    vat: float = 21.0,
    step_size: int = 300,
    start_time: str = "09:00",
    end_time: str = "18:00",
) -> dict[str, Any]:
    """A TariffElement with a PARKING_TIME price component (per hour) restricted to a time of day."""
    return {
        "price_components": [{"type": "PARKING_TIME", "price": price, "vat": vat, "step_size": step_size}],
        "restrictions": {"start_time": start_time, "end_time": end_time},
    }


def make_tariff(
    tariff_id: str = "T1",
    country_code: str = "NL",
    party_id: str = "GWY",
    last_updated: str = DEFAULT_LAST_UPDATED,
    *,
    currency: str = "EUR",
    elements: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A REGULAR Tariff (mod_tariffs_tariff_object) owned by `country_code`*`party_id`; `elements`
    defaults to [energy_element()] (pass [] for an invalid Tariff without elements). `overrides` replace
    top-level fields (a None override removes the field)."""
    tariff: dict[str, Any] = {
        "country_code": country_code,
        "party_id": party_id,
        "id": tariff_id,
        "currency": currency,
        "type": "REGULAR",
        "tariff_alt_text": [{"language": "en", "text": f"Tariff {tariff_id}"}],
        "elements": [energy_element()] if elements is None else elements,
        "last_updated": last_updated,
        **overrides,
    }
    return {k: v for k, v in tariff.items() if v is not None}


def with_last_updated(value: Any, last_updated: str) -> Any:
    """A deep copy of `value` with every `last_updated`, at every level, set to `last_updated`."""
    if isinstance(value, dict):
        return {
            k: last_updated if k == "last_updated" else with_last_updated(v, last_updated)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [with_last_updated(v, last_updated) for v in value]
    return copy.deepcopy(value)


def last_updated_values(value: Any) -> set[str]:
    """Every `last_updated` found at any level of `value`."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "last_updated":
                found.add(v)
            else:
                found |= last_updated_values(v)
    elif isinstance(value, list):
        for v in value:
            found |= last_updated_values(v)
    return found


# --- reading back what a hub stored (for assertions) ----------------------------------------------


async def stored_bodies(platform: Any, record: type[LocationRecord] | type[TariffRecord]) -> dict[str, Any]:
    """{object id as stored: stored JSON body} of every row of `record`'s table on `platform`
    (a tests.conftest.Platform)."""
    async with platform.app.state.sessionmaker() as session:
        rows = (await session.exec(select(record))).all()
    return {row.object_key: from_json(row.body) for row in rows}


async def stored_rows(
    platform: Any, record: type[LocationRecord] | type[TariffRecord]
) -> list[tuple[Any, ...]]:
    """Every row of `record`'s table as (key, partner_id, last_updated column, body text), for
    "nothing changed" comparisons."""
    async with platform.app.state.sessionmaker() as session:
        rows = (await session.exec(select(record).order_by(col(record.id)))).all()
    return [(row.object_key, row.partner_id, row.last_updated, row.body) for row in rows]


async def change_events(platform: Any) -> list[dict[str, Any]]:
    """Every change_event row, oldest first, with its body parsed."""
    async with platform.app.state.sessionmaker() as session:
        rows = (await session.exec(select(ChangeEventRecord).order_by(col(ChangeEventRecord.id)))).all()
    return [
        {
            "module": row.module,
            "country_code": row.country_code,
            "party_id": row.party_id,
            "object_id": row.object_id,
            "evse_uid": row.evse_uid,
            "connector_id": row.connector_id,
            "method": row.method,
            "body": None if row.body is None else from_json(row.body),
        }
        for row in rows
    ]
