"""The authorization log rows of station decisions (mod_tokens AllowedType): a station's Authorize and the
idToken check of a transaction the station began, at the Location its mapping names."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.analytics.history import log_authorization
from hub.ports import AuthorizationStatus
from hub.tables.stations import StationRecord

AUTHORIZE = "authorize"
START = "start"
REMOTE_START = "remote_start"

# The station's answer back in AllowedType terms: what the log keeps for a start.
_ALLOWED = {
    AuthorizationStatus.ACCEPTED: "ALLOWED",
    AuthorizationStatus.BLOCKED: "BLOCKED",
    AuthorizationStatus.EXPIRED: "EXPIRED",
    AuthorizationStatus.NO_CREDIT: "NO_CREDIT",
}


def allowed_of(status: AuthorizationStatus) -> str:
    """ALLOWED, BLOCKED, EXPIRED, NO_CREDIT; every other refusal (unknown, not here, invalid) NOT_ALLOWED."""
    return _ALLOWED.get(status, "NOT_ALLOWED")


def _evse_uid(station: StationRecord, evse: int | None) -> str | None:
    if not evse:
        return None
    uids = {str(row["evse_uid"]) for row in station.connectors if int(row["evse"]) == evse}
    return uids.pop() if len(uids) == 1 else None


def log_station_decision(
    session: AsyncSession,
    station: StationRecord | None,
    kind: str,
    outcome: str,
    *,
    evse: int | None = None,
    evse_uid: str | None = None,
) -> bool:
    """Log a decision at a mapped station; False (nothing logged) when the station names no Location of ours.
    `evse` is the OCPP evse, resolved through the mapping when `evse_uid` is not given."""
    if station is None or station.location_id is None or not station.country_code or not station.party_id:
        return False
    log_authorization(
        session,
        country_code=station.country_code.upper(),
        party_id=station.party_id.upper(),
        location_id=station.location_id,
        evse_uid=evse_uid if evse_uid is not None else _evse_uid(station, evse),
        station_id=station.station_id,
        kind=kind,
        outcome=outcome,
    )
    return True
