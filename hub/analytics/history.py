"""The rows utilisation reports are computed from: an EVSE status history row per status an EVSE of ours
enters (mod_locations_evse_object `status`) and an authorization log row per authorization or start decided
at one of our Locations.

Both are written in the transaction of the change or decision they record, without reading anything."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.tables.operator import AuthorizationEventRecord, EvseStatusChangeRecord

LOCATIONS = "locations"
# The Core table: rows go in by a plain INSERT, without the ORM's unit of work on the status hot path.
STATUS_HISTORY: Table = EvseStatusChangeRecord.__table__  # type: ignore[attr-defined]


def status_rows(
    country_code: str,
    party_id: str,
    location_id: str,
    method: str,
    body: dict[str, Any],
    evse_uid: str | None,
    changed_at: datetime,
) -> list[dict[str, Any]]:
    """The statuses one change of our Location gives, as `evse_status_history` rows.

    An EVSE PUT or PATCH names its EVSE; a Location PUT carries every EVSE, of which those stamped with the
    Location's new last_updated are the ones created or changed (our own data is stamped per level only
    where content changed); a Location PATCH the EVSEs it replaces. A row may repeat the EVSE's previous
    status (another field changed): intervals are computed the same with or without it."""
    given: list[tuple[str, str]] = []
    if evse_uid is not None:
        if isinstance(body.get("status"), str):
            given.append((evse_uid, body["status"]))
    elif method in ("PUT", "PATCH"):
        stamp = body.get("last_updated")
        for evse in body.get("evses") or []:
            if not isinstance(evse, dict) or not isinstance(evse.get("status"), str):
                continue
            if method == "PUT" and evse.get("last_updated") != stamp:
                continue
            given.append((str(evse["uid"]), evse["status"]))
    return [
        {
            "country_code": country_code,
            "party_id": party_id,
            "location_id": location_id,
            "evse_uid": uid,
            "status": status,
            "changed_at": changed_at,
        }
        for uid, status in given
    ]


def log_authorization(
    session: AsyncSession,
    *,
    country_code: str,
    party_id: str,
    location_id: str,
    kind: str,
    outcome: str,
    evse_uid: str | None = None,
    station_id: str | None = None,
) -> None:
    """Add one `authorization_log` row to the session's transaction (kind authorize, start or remote_start;
    outcome an OCPI AllowedType or CommandResponseType)."""
    session.add(
        AuthorizationEventRecord(
            country_code=country_code,
            party_id=party_id,
            location_id=location_id,
            evse_uid=evse_uid,
            station_id=station_id,
            kind=kind,
            outcome=outcome,
        )
    )
