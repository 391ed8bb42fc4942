"""Admin API of our OCPP stations: the mapping (list, one, PUT one, POST an array to import) and each
station's connection state (connected, silent, offline)."""

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
from hub.stations.imports import StationEntry, import_stations
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


async def ocpp_settings(request: Request) -> OcppSettings:
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


class InvalidStation(BaseModel):
    index: int
    reason: str


class StationImportReport(BaseModel):
    """What an import of stations did."""

    kind: str
    total: int
    created: int
    updated: int
    unchanged: int
    written: bool
    invalid: list[InvalidStation]


REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"model": StationImportReport, "description": "Nothing was written: the report names why"}
}


@router.put(
    "/stations/{station_id}",
    response_model=StationImportReport,
    responses={201: {"model": StationImportReport, "description": "The station was created"}},
)
async def put_station(
    station_id: str, body: StationEntry, sessionmaker: SessionMakerDep, settings: SettingsDep
) -> JSONResponse:
    """Create (201) or replace (200) one station's mapping; HTTP 400 naming the reason when its Location,
    EVSEs or Connectors are not ours."""
    item = {**body.model_dump(exclude_none=True), "station_id": station_id}
    report = await import_stations(sessionmaker, settings, [item])
    if not report.written:
        raise AdminBadRequestError("; ".join(invalid.reason for invalid in report.invalid))
    return JSONResponse(report.as_dict(), status_code=201 if report.created else 200)


@router.post("/stations", response_model=StationImportReport, responses=REFUSED)
async def import_station_array(
    items: Annotated[list[Any], Body()],
    sessionmaker: SessionMakerDep,
    settings: SettingsDep,
    skip_invalid: Annotated[
        bool, Query(description="write the valid stations even when some are invalid")
    ] = False,
) -> JSONResponse:
    """Import a JSON array of stations (the `ocpi-hub import stations` file); nothing is written when any is
    invalid, unless skip_invalid. HTTP 422 with the report when nothing was written."""
    try:
        report = await import_stations(sessionmaker, settings, items, skip_invalid=skip_invalid)
    except ImportFileError as exc:
        raise AdminBadRequestError(str(exc)) from None
    return JSONResponse(report.as_dict(), status_code=200 if report.written else 422)
