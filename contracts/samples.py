"""Objects the suite pushes to a partner's Receiver interfaces, owned by the suite's own party: a Location
(mod_locations_location_object), Tariff, Session, CDR and Token, all valid 2.2.1 objects."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from contracts.context import Party
from hub.ocpi.base import format_datetime, utc_now


def now() -> str:
    return format_datetime(utc_now())


def at(moment: datetime) -> str:
    return format_datetime(moment)


def connector(connector_id: str, stamp: str) -> dict[str, Any]:
    return {
        "id": connector_id,
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "max_electric_power": 11000,
        "last_updated": stamp,
    }


def evse(evse_uid: str, connector_id: str, stamp: str, status: str = "AVAILABLE") -> dict[str, Any]:
    return {
        "uid": evse_uid,
        "status": status,
        "capabilities": ["RFID_READER"],
        "connectors": [connector(connector_id, stamp)],
        "last_updated": stamp,
    }


def location(party: Party, location_id: str, evse_uid: str, connector_id: str, stamp: str) -> dict[str, Any]:
    return {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": location_id,
        "publish": True,
        "name": "Conformance test site",
        "address": "Teststraat 1",
        "city": "Utrecht",
        "postal_code": "3511AA",
        "country": "NLD",
        "coordinates": {"latitude": "52.090700", "longitude": "5.121400"},
        "evses": [evse(evse_uid, connector_id, stamp)],
        "time_zone": "Europe/Amsterdam",
        "last_updated": stamp,
    }


def tariff(party: Party, tariff_id: str, stamp: str) -> dict[str, Any]:
    return {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 1}]}],
        "last_updated": stamp,
    }


def cdr_token(party: Party, uid: str) -> dict[str, Any]:
    return {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "uid": uid,
        "type": "RFID",
        "contract_id": f"{party.country_code}-{party.party_id}-C{uid[-8:]}",
    }


def charging_period(start: str, kwh: float) -> dict[str, Any]:
    return {"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": kwh}]}


# Where the suite's Sessions and CDRs take place when it pushed no Location of its own.
SITE = ("CTS-LOC", "CTS-EVSE", "1")


def session(
    party: Party,
    session_id: str,
    *,
    token_uid: str,
    site: tuple[str, str, str] = SITE,
    start: datetime,
    periods: list[dict[str, Any]],
    stamp: str,
    status: str = "ACTIVE",
) -> dict[str, Any]:
    return {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": session_id,
        "start_date_time": at(start),
        "kwh": sum(float(p["dimensions"][0]["volume"]) for p in periods),
        "cdr_token": cdr_token(party, token_uid),
        "auth_method": "WHITELIST",
        "location_id": site[0],
        "evse_uid": site[1],
        "connector_id": site[2],
        "currency": "EUR",
        "charging_periods": periods,
        "status": status,
        "last_updated": stamp,
    }


def cdr(
    party: Party,
    cdr_id: str,
    *,
    token_uid: str,
    start: datetime,
    stamp: str,
    site: tuple[str, str, str] = SITE,
    credit_for: str | None = None,
) -> dict[str, Any]:
    """A one-hour, 10 kWh CDR at 0.25/kWh; with `credit_for`, its Credit CDR (mod_cdrs_credit_cdrs: the same
    data with total_cost negated)."""
    sign = -1 if credit_for else 1
    body: dict[str, Any] = {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": cdr_id,
        "start_date_time": at(start),
        "end_date_time": at(start + timedelta(hours=1)),
        "cdr_token": cdr_token(party, token_uid),
        "auth_method": "WHITELIST",
        "cdr_location": {
            "id": site[0],
            "name": "Conformance test site",
            "address": "Teststraat 1",
            "city": "Utrecht",
            "postal_code": "3511AA",
            "country": "NLD",
            "coordinates": {"latitude": "52.090700", "longitude": "5.121400"},
            "evse_uid": site[1],
            "evse_id": f"{party.country_code}*{party.party_id}*E1",
            "connector_id": site[2],
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "charging_periods": [charging_period(at(start), 10.0)],
        "total_cost": {"excl_vat": sign * 2.5, "incl_vat": sign * 3.03},
        "total_energy": 10.0,
        "total_time": 1.0,
        "last_updated": stamp,
    }
    if credit_for:
        body["credit"] = True
        body["credit_reference_id"] = credit_for
    return body


def token(party: Party, uid: str, stamp: str, *, valid: bool = True) -> dict[str, Any]:
    return {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "uid": uid,
        "type": "RFID",
        "contract_id": f"{party.country_code}-{party.party_id}-C{uid[-8:]}",
        "issuer": "ocpi-hub conformance suite",
        "valid": valid,
        "whitelist": "ALLOWED",
        "last_updated": stamp,
    }
