"""Admin API of our OCPP stations: the mapping (list, one, PUT one, import an array) and each station's
connection state (connected, silent, offline)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from hub.admin.router import SessionMakerDep, require_admin
from hub.deps import SettingsDep
from hub.errors import AdminBadRequestError, AdminNotFoundError
from hub.ocpi.base import utc_now
from hub.operator.imports import ImportFileError
from hub.stations.imports import import_stations
from hub.stations.repository import StationRepository, view_state
from hub.stations.settings import OcppSettings
from hub.tables.stations import ConnectionState, StationRecord

router = APIRouter(prefix="/admin", tags=["admin: stations"], dependencies=[Depends(require_admin)])


class StationView(BaseModel):
    """A station's mapping and connection. `statuses` are the OCPI statuses its connectors reported on the
    current connection, by OCPP address ("evse/connector"; "0/0" is the station itself)."""

    station_id: str
    country_code: str | None
    party_id: str | None
    location_id: str | None
    connectors: list[dict[str, Any]]
    password: bool
    upstream_url: str | None
    auto_registered: bool
    state: ConnectionState
    protocol: str | None
    connected_at: datetime | None
    disconnected_at: datetime | None
    last_seen_at: datetime | None
    heartbeat_interval: int | None
    boot: dict[str, Any] | None
    statuses: dict[str, Any]


def ocpp_settings(request: Request) -> OcppSettings:
    """The OCPP settings of this app (set by the OCPP composition), else from the environment."""
    existing: OcppSettings | None = getattr(request.app.state, "ocpp_settings", None)
    if existing is None:
        existing = OcppSettings()
        request.app.state.ocpp_settings = existing
    return existing


OcppSettingsDep = Annotated[OcppSettings, Depends(ocpp_settings)]


def view(record: StationRecord, stale_before: datetime) -> StationView:
    return StationView(
        station_id=record.station_id,
        country_code=record.country_code,
        party_id=record.party_id,
        location_id=record.location_id,
        connectors=record.connectors,
        password=record.password_hash is not None,
        upstream_url=record.upstream_url,
        auto_registered=record.auto_registered,
        state=ConnectionState(view_state(record, stale_before)),
        protocol=record.protocol if record.connection != ConnectionState.OFFLINE else None,
        connected_at=record.connected_at,
        disconnected_at=record.disconnected_at,
        last_seen_at=record.last_seen_at,
        heartbeat_interval=record.heartbeat_interval,
        boot=record.boot,
        statuses=record.statuses,
    )


def _stale_before(ocpp: OcppSettings) -> datetime:
    return utc_now() - timedelta(seconds=ocpp.stale_after)


@router.get("/stations")
async def list_stations(
    sessionmaker: SessionMakerDep,
    ocpp: OcppSettingsDep,
    state: Annotated[ConnectionState | None, Query(description="only stations in this state")] = None,
) -> list[StationView]:
    """Every station with its mapping and connection state."""
    async with sessionmaker() as session:
        records = await StationRepository(session).all()
    before = _stale_before(ocpp)
    views = [view(r, before) for r in records]
    return [v for v in views if state is None or v.state == state]


@router.get("/stations/{station_id}")
async def get_station(station_id: str, sessionmaker: SessionMakerDep, ocpp: OcppSettingsDep) -> StationView:
    """One station with its mapping and connection state."""
    async with sessionmaker() as session:
        record = await StationRepository(session).get(station_id)
    if record is None:
        raise AdminNotFoundError(f"station {station_id} is not in the station mapping")
    return view(record, _stale_before(ocpp))


def _report(report: Any) -> JSONResponse:
    return JSONResponse(report.as_dict(), status_code=200 if report.written else 422)


@router.put("/stations/{station_id}")
async def put_station(
    station_id: str,
    body: Annotated[dict[str, Any], Body()],
    sessionmaker: SessionMakerDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Create or replace one station's mapping (the body is one item of the import file; station_id may be
    left out). HTTP 422 with the reason when it is invalid."""
    given = body.get("station_id", station_id)
    if given != station_id:
        raise AdminBadRequestError(f"station_id {given!r} in the body differs from {station_id!r} in the URL")
    report = await import_stations(sessionmaker, settings, [{**body, "station_id": station_id}])
    return JSONResponse(
        report.as_dict(),
        status_code=(201 if report.created else 200) if report.written else 422,
    )


@router.post("/stations/import")
async def import_station_array(
    items: Annotated[list[Any], Body()],
    sessionmaker: SessionMakerDep,
    settings: SettingsDep,
    skip_invalid: Annotated[
        bool, Query(description="write the valid stations even when some are invalid")
    ] = False,
) -> JSONResponse:
    """Import a JSON array of stations; nothing is written when any is invalid, unless skip_invalid. HTTP 422
    with the report when nothing was written."""
    try:
        report = await import_stations(sessionmaker, settings, items, skip_invalid=skip_invalid)
    except ImportFileError as exc:
        raise AdminBadRequestError(str(exc)) from None
    return _report(report)
