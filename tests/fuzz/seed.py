"""Objects the fuzzed requests find (mod_locations, mod_tariffs, mod_tokens, mod_sessions): ours, stored
through the admin API, and the partner's, pushed through our Receiver interfaces."""

from __future__ import annotations

from typing import Any

from tests.fixtures_locations import evse_uid, make_location, make_tariff

OURS = ("NL", "GWY")
PARTNERS = ("DE", "MSP")
LOCATION_ID = "LOC1"
EVSE_UID = evse_uid(LOCATION_ID, 1)
CONNECTOR_ID = "1"
TARIFF_ID = "T1"
TOKEN_UID = "012345678"
SESSION_ID = "S1"
LAST_UPDATED = "2026-01-01T00:00:00Z"


def token(country_code: str, party_id: str) -> dict[str, Any]:
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": TOKEN_UID,
        "type": "RFID",
        "contract_id": f"{country_code}8ACC{TOKEN_UID}",
        "issuer": "Fuzz eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": LAST_UPDATED,
    }


def session(country_code: str, party_id: str) -> dict[str, Any]:
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": SESSION_ID,
        "start_date_time": LAST_UPDATED,
        "kwh": 1.5,
        "cdr_token": {
            "country_code": PARTNERS[0],
            "party_id": PARTNERS[1],
            "uid": TOKEN_UID,
            "type": "RFID",
            "contract_id": f"{PARTNERS[0]}8ACC{TOKEN_UID}",
        },
        "auth_method": "WHITELIST",
        "location_id": LOCATION_ID,
        "evse_uid": EVSE_UID,
        "connector_id": CONNECTOR_ID,
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": LAST_UPDATED,
    }


def ours() -> list[tuple[str, dict[str, Any]]]:
    """(admin API path, body) of our own CPO objects."""
    owner = "/".join(OURS)
    return [
        (f"/admin/locations/{owner}/{LOCATION_ID}", make_location(LOCATION_ID, tariff_ids=[TARIFF_ID])),
        (f"/admin/tariffs/{owner}/{TARIFF_ID}", make_tariff(TARIFF_ID)),
        (f"/admin/sessions/{owner}/{SESSION_ID}", session(*OURS)),
    ]


def partners() -> list[tuple[str, dict[str, Any]]]:
    """(Receiver path, body) of the partner's objects."""
    owner = "/".join(PARTNERS)
    receiver = "/ocpi/2.2.1/receiver"
    return [
        (f"{receiver}/locations/{owner}/{LOCATION_ID}", make_location(LOCATION_ID, 1, 1, *PARTNERS)),
        (f"{receiver}/tariffs/{owner}/{TARIFF_ID}", make_tariff(TARIFF_ID, *PARTNERS)),
        (f"{receiver}/tokens/{owner}/{TOKEN_UID}", token(*PARTNERS)),
        (f"{receiver}/sessions/{owner}/{SESSION_ID}", session(*PARTNERS)),
    ]


# Path parameters that name the seeded objects; the owner comes from the path's kind.
OBJECT_IDS = {
    "location_id": LOCATION_ID,
    "evse_uid": EVSE_UID,
    "connector_id": CONNECTOR_ID,
    "tariff_id": TARIFF_ID,
    "token_uid": TOKEN_UID,
    "session_id": SESSION_ID,
}
