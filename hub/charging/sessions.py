"""Our OCPI Session of one transaction (mod_sessions_session_object) and the PATCHes that keep the eMSP's copy
current (mod_sessions_patch_method: charging_periods are appended, so each period is sent once, when it is
over)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.charging.authorization import SessionAuth
from hub.charging.meter import Meter
from hub.ocpi.base import format_datetime, utc_now
from hub.ocpi.v221.sessions import Session, SessionPatch
from hub.tables.charging import TransactionRecord


def session(record: TransactionRecord, meter: Meter, auth: SessionAuth, currency: str) -> Session:
    """The whole Session with every period that is over (all of them once the transaction ended); marks
    them sent."""
    until = record.ended_at or meter.periods[-1].start
    count = len(meter.periods) if record.ended_at is not None else meter.closed()
    body: dict[str, Any] = {
        "country_code": record.country_code,
        "party_id": record.party_id,
        "id": record.session_id,
        "start_date_time": format_datetime(record.started_at),
        "end_date_time": None if record.ended_at is None else format_datetime(record.ended_at),
        "kwh": meter.kwh(),
        "cdr_token": auth.cdr_token,
        "auth_method": auth.auth_method.value,
        "authorization_reference": auth.authorization_reference,
        "location_id": record.location_id,
        "evse_uid": record.evse_uid,
        "connector_id": record.connector_id,
        "currency": currency,
        "charging_periods": meter.ocpi_periods(until, stop=count) or None,
        "status": record.status,
        "last_updated": format_datetime(utc_now()),
    }
    meter.sent = count
    return Session.model_validate({k: v for k, v in body.items() if v is not None})


def patch(record: TransactionRecord, meter: Meter) -> SessionPatch:
    """kwh, status, the end once there is one, and the periods that are over and not yet sent."""
    until = record.ended_at or meter.periods[-1].start
    count = len(meter.periods) if record.ended_at is not None else meter.closed()
    body: dict[str, Any] = {
        "country_code": record.country_code,
        "party_id": record.party_id,
        "id": record.session_id,
        "kwh": meter.kwh(),
        "status": record.status,
        "last_updated": format_datetime(utc_now()),
    }
    if record.ended_at is not None:
        body["end_date_time"] = format_datetime(record.ended_at)
    periods = meter.ocpi_periods(until, start=meter.sent, stop=count)
    if periods:
        body["charging_periods"] = periods
    meter.sent = max(meter.sent, count)
    return SessionPatch.model_validate(body)


def due(last_patch_at: datetime | None, now: datetime, interval: float) -> bool:
    return last_patch_at is None or (now - last_patch_at).total_seconds() >= interval


def cdr_draft(record: TransactionRecord, meter: Meter) -> dict[str, Any]:
    """The CDR of an ended transaction before pricing (mod_cdrs_cdr_object): our Session's id as the CDR's,
    the register's energy; produce_cdr takes the rest from the Session."""
    return {
        "country_code": record.country_code,
        "party_id": record.party_id,
        "id": record.session_id,
        "session_id": record.session_id,
        "total_energy": meter.kwh(),
        "cdr_location": {
            "id": record.location_id,
            "evse_uid": record.evse_uid,
            "connector_id": record.connector_id,
        },
    }
