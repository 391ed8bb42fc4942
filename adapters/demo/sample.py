"""The demo's sample data: our CPO's Locations and Tariff (mod_locations, mod_tariffs), the station mapping of
the two simulated chargers, and the demo eMSP's Tokens (mod_tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.config import LocalParty
from hub.ocpi.enums import Role

CPO = LocalParty(country_code="NL", party_id="DEM", role=Role.CPO, name="Demo CPO")
EMSP = LocalParty(country_code="DE", party_id="EMS", role=Role.EMSP, name="Demo eMSP")

TARIFF_ID = "DEMO-TARIFF"
CURRENCY = "EUR"
# Excl. VAT: per kWh, and per hour of charging time.
ENERGY_PRICE = Decimal("0.30")
TIME_PRICE = Decimal("2.00")
VAT = Decimal("21")
LAST_UPDATED = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class DemoStation:
    """One simulated charger: its OCPP id and version, its Location, and the idTag its driver presents."""

    station_id: str
    version: str
    location_id: str
    city: str
    id_tag: str

    def evse_uid(self, evse: int) -> str:
        return f"{self.location_id}-{evse}"


STATIONS = (
    DemoStation("DEMO-CP16", "1.6", "LOC-16", "Amsterdam", "DEMO-RFID-16"),
    DemoStation("DEMO-CP201", "2.0.1", "LOC-201", "Utrecht", "DEMO-RFID-201"),
)
EVSES_PER_STATION = 2


def _connector() -> dict[str, Any]:
    return {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "max_electric_power": 11000,
        "tariff_ids": [TARIFF_ID],
        "last_updated": LAST_UPDATED,
    }


def location(station: DemoStation) -> dict[str, Any]:
    """A published Location with one EVSE per OCPP connector (1.6) or EVSE (2.0.1), one Connector each."""
    return {
        "country_code": CPO.country_code,
        "party_id": CPO.party_id,
        "id": station.location_id,
        "publish": True,
        "name": f"Demo charging point {station.city}",
        "address": "Stationsplein 1",
        "city": station.city,
        "postal_code": "1012AB",
        "country": "NLD",
        "coordinates": {"latitude": "52.378901", "longitude": "4.900210"},
        "parking_type": "ON_STREET",
        "evses": [
            {
                "uid": station.evse_uid(evse),
                "evse_id": f"NL*DEM*E{station.location_id.replace('-', '')}*{evse}",
                "status": "UNKNOWN",
                "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
                "connectors": [_connector()],
                "last_updated": LAST_UPDATED,
            }
            for evse in range(1, EVSES_PER_STATION + 1)
        ],
        "operator": {"name": CPO.name},
        "time_zone": "Europe/Amsterdam",
        "opening_times": {"twentyfourseven": True},
        "last_updated": LAST_UPDATED,
    }


def tariff() -> dict[str, Any]:
    """A price per kWh and a price per hour of charging time, billed by the second."""
    return {
        "country_code": CPO.country_code,
        "party_id": CPO.party_id,
        "id": TARIFF_ID,
        "currency": CURRENCY,
        "type": "REGULAR",
        "tariff_alt_text": [
            {
                "language": "en",
                "text": f"{ENERGY_PRICE} {CURRENCY}/kWh + {TIME_PRICE} {CURRENCY}/h, excl. VAT",
            }
        ],
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": str(ENERGY_PRICE), "vat": str(VAT), "step_size": 1},
                    {"type": "TIME", "price": str(TIME_PRICE), "vat": str(VAT), "step_size": 1},
                ]
            }
        ],
        "last_updated": LAST_UPDATED,
    }


def station_mapping(station: DemoStation) -> dict[str, Any]:
    """1.6: connectorIds 1..n are the EVSEs; 2.0.1: evseIds 1..n, connector 1 each."""
    return {
        "station_id": station.station_id,
        "location_id": station.location_id,
        "connectors": [
            {"evse": evse, "connector": 1, "evse_uid": station.evse_uid(evse), "connector_id": "1"}
            for evse in range(1, EVSES_PER_STATION + 1)
        ],
    }


def token(station: DemoStation) -> dict[str, Any]:
    """An RFID Token of the demo eMSP that every CPO may accept without asking (whitelist ALWAYS)."""
    return {
        "country_code": EMSP.country_code,
        "party_id": EMSP.party_id,
        "uid": station.id_tag,
        "type": "RFID",
        "contract_id": f"DE-EMS-C{station.location_id.replace('-', '')}-1"[:36],
        "issuer": EMSP.name,
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": LAST_UPDATED,
    }
