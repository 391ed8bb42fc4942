"""The hub side of the OCPP adapters (`hub.ports.HubPort`): admission of stations, their connection state, and
their connector statuses turned into EVSE status changes of our Locations (ocpp-notes §3.2, DESIGN decision 8).

EVSE changes go through the Locations service as our own writes, so they are stamped, recorded as change
events and pushed to partners through the outbox in the same transaction."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.charging.repository import ChargingRepository
from hub.charging.service import ChargingHub
from hub.config import Settings
from hub.db import SessionMaker
from hub.errors import ObjectNotFoundError
from hub.modules.locations.service import LocationService
from hub.modules.objects import Owner, Writer, key
from hub.ocpi.base import format_datetime, utc_now
from hub.ocpi.v221.locations import EVSEPatch, Status
from hub.ocpi.v221.tokens import Token
from hub.partners.client import PartnerClient
from hub.ports import (
    AuthorizationAnswer,
    BootInfo,
    ChargerAddress,
    ChargerTarget,
    ConnectorStatusReport,
    IdToken,
    RunningTransaction,
    StationAdmission,
    StationAuthError,
    TransactionEventKind,
    TransactionOutcome,
    TransactionReport,
    UnknownStationError,
)
from hub.signals import ChangeSignal
from hub.stations import metrics
from hub.stations.passwords import PasswordChecker
from hub.stations.repository import StationRepository, connector_addresses
from hub.stations.settings import OcppSettings
from hub.stations.status import LIFECYCLE, OCCUPIED, STATION, address, evse_status, reported_status
from hub.tables import LocationRecord
from hub.tables.stations import ConnectionState, StationRecord

logger = logging.getLogger(__name__)

MAX_STATION_ID = 64


def lock_key(station: StationRecord | None, station_id: str) -> str:
    """Stations of one Location share a lock: their EVSE changes rewrite the same Location row."""
    if station is None or station.location_id is None:
        return f"station:{station_id}"
    return f"location:{station.country_code}*{station.party_id}*{key(station.location_id)}"


class StationHub:
    """`HubPort` on the hub's database. `events` wakes its waiters after every committed change of a
    station's connection state or EVSE statuses (tests and the admin view wait on it)."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        settings: Settings,
        ocpp: OcppSettings,
        *,
        gateway_id: str | None = None,
        client: PartnerClient | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.ocpp = ocpp
        self.gateway_id = gateway_id or uuid.uuid4().hex
        self.events = ChangeSignal()
        self.passwords = PasswordChecker()
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._lock_keys: dict[str, str] = {}
        self.charging = ChargingHub(sessionmaker, settings, client, ocpp=ocpp)

    # -- admission -----------------------------------------------------------------------------------------

    async def admit(self, station_id: str, password: str | None) -> StationAdmission:
        if not station_id or len(station_id) > MAX_STATION_ID:
            raise UnknownStationError(f"station id must have 1 to {MAX_STATION_ID} characters")
        async with self.sessionmaker() as session:
            station = await StationRepository(session).get(station_id)
            if station is None:
                if not self.ocpp.auto_register:
                    raise UnknownStationError(f"station {station_id} is not in the station mapping")
                # Registered once its websocket is open, in the transaction that marks it connected.
                return StationAdmission(
                    station_id,
                    self.ocpp.heartbeat_interval,
                    (),
                    auto_registered=True,
                    upstream_url=self.ocpp.upstream_url,
                )
        if station.password_hash is not None:
            if password is None:
                raise StationAuthError(f"station {station_id} must send its password (HTTP Basic)")
            # Hashing takes milliseconds: off the event loop, so other stations' messages keep flowing.
            if not await asyncio.to_thread(self.passwords.check, password, station.password_hash):
                raise StationAuthError(f"station {station_id} sent a wrong password")
        return StationAdmission(
            station_id,
            self.ocpp.heartbeat_interval,
            connector_addresses(station.connectors),
            auto_registered=station.auto_registered,
            upstream_url=station.upstream_url or self.ocpp.upstream_url,
        )

    # -- connection state ----------------------------------------------------------------------------------

    @asynccontextmanager
    async def _station(self, station_id: str) -> AsyncIterator[tuple[AsyncSession, StationRecord | None]]:
        """The station row, locked (in this process by its Location's lock, on PostgreSQL also by row
        locks), in a transaction that commits when the block ends without an error."""
        while True:
            lock = self._lock_keys.get(station_id, f"station:{station_id}")
            async with self._locks[lock], self.sessionmaker() as session:
                station = await StationRepository(session).get(station_id, for_update=True)
                actual = lock_key(station, station_id)
                if actual != lock:
                    self._lock_keys[station_id] = actual
                    continue
                yield session, station
                await session.commit()
                break
        self.events.notify()

    async def station_connected(self, station_id: str, *, connection_id: str, protocol: str) -> None:
        try:
            await self._connected(station_id, connection_id, protocol)
        except IntegrityError:
            # Another process registered the same new station at the same moment: it is there now.
            await self._connected(station_id, connection_id, protocol)

    async def _connected(self, station_id: str, connection_id: str, protocol: str) -> None:
        async with self._station(station_id) as (session, station):
            if station is None:
                if not self.ocpp.auto_register:
                    return
                station = StationRecord(station_id=station_id, auto_registered=True)
                session.add(station)
                logger.warning(
                    "station %s registered automatically: map it with `ocpi-hub import stations`", station_id
                )
            now = utc_now()
            station.connection = ConnectionState.CONNECTED
            station.connection_id = connection_id
            station.gateway_id = self.gateway_id
            station.protocol = protocol
            station.connected_at = station.last_seen_at = station.updated_at = now
            station.heartbeat_interval = self.ocpp.heartbeat_interval
            # A reconnect does not restore the cached status: only fresh StatusNotifications count.
            await self._apply(session, station, forget=True)

    async def station_booted(self, station_id: str, *, connection_id: str, boot: BootInfo) -> int:
        async with self._station(station_id) as (_session, station):
            if station is not None and station.connection_id == connection_id:
                station.boot = {k: v for k, v in vars(boot).items() if v is not None}
                station.heartbeat_interval = self.ocpp.heartbeat_interval
                station.updated_at = utc_now()
        return self.ocpp.heartbeat_interval

    async def station_seen(self, station_id: str, *, connection_id: str) -> None:
        async with self.sessionmaker() as session:
            touched = await StationRepository(session).touch(station_id, connection_id, utc_now())
            await session.commit()
        if touched:
            return
        async with self._station(station_id) as (_session, station):
            if station is None or station.connection_id != connection_id:
                return
            # Back from silence (or marked silent by another process's sweep): connected again, the EVSEs
            # stay UNKNOWN until the station reports their status.
            station.connection = ConnectionState.CONNECTED
            station.last_seen_at = station.updated_at = utc_now()

    async def station_silent(self, station_id: str, *, connection_id: str) -> None:
        async with self._station(station_id) as (session, station):
            if station is None or station.connection_id != connection_id:
                return
            if station.connection != ConnectionState.CONNECTED:
                return
            logger.warning("station %s is silent: its EVSEs are UNKNOWN", station_id)
            station.connection = ConnectionState.SILENT
            station.updated_at = utc_now()
            await self._apply(session, station, forget=True)

    async def station_disconnected(self, station_id: str, *, connection_id: str) -> None:
        await self.charging.release(station_id)
        async with self._station(station_id) as (session, station):
            if station is None or station.connection_id != connection_id:
                return
            await self._offline(session, station)

    async def station_abandoned(self, station_id: str, *, gateway_id: str) -> bool:
        """The process `gateway_id` held the station and its lease expired (hub.cluster.lease): the station is
        offline and its EVSEs UNKNOWN until it connects again, to any process. False: it had moved on."""
        async with self._station(station_id) as (session, station):
            if station is None or station.gateway_id != gateway_id:
                return False
            if station.connection == ConnectionState.OFFLINE:
                return False
            logger.warning("station %s: the lease of its process expired; the station is offline", station_id)
            await self._offline(session, station)
        return True

    async def _offline(self, session: AsyncSession, station: StationRecord) -> None:
        """No websocket any more: the connection forgotten, the EVSEs UNKNOWN until fresh statuses arrive."""
        station.connection = ConnectionState.OFFLINE
        station.connection_id = station.gateway_id = None
        station.disconnected_at = station.updated_at = utc_now()
        await self._apply(session, station, forget=True)

    async def expire_stale(self) -> int:
        """Stations another process marked connected and nobody heard of for long: that process is gone, so
        they are silent and their EVSEs UNKNOWN. Returns how many."""
        before = utc_now() - timedelta(seconds=self.ocpp.stale_after)
        async with self.sessionmaker() as session:
            stale = await StationRepository(session).stale(before, not_gateway=self.gateway_id)
        expired = 0
        for station_id in stale:
            async with self._station(station_id) as (session, station):
                if station is None or station.connection != ConnectionState.CONNECTED:
                    continue
                if station.last_seen_at is None or station.last_seen_at >= before:
                    continue
                logger.warning("station %s: its process stopped answering; the station is silent", station_id)
                station.connection = ConnectionState.SILENT
                station.updated_at = utc_now()
                await self._apply(session, station, forget=True)
                expired += 1
        return expired

    # -- statuses ------------------------------------------------------------------------------------------

    async def connector_status(self, station_id: str, report: ConnectorStatusReport) -> None:
        async with self._station(station_id) as (session, station):
            if station is None:
                logger.warning("status of unknown station %s ignored", station_id)
                return
            slot = address(report.evse, report.connector)
            statuses = dict(station.statuses)
            previous = statuses.get(slot)
            at = format_datetime(report.timestamp) if report.timestamp is not None else None
            if previous is not None and at is not None and previous.get("at") and at < previous["at"]:
                logger.info("station %s: status of %s older than the last one ignored", station_id, slot)
                return
            if slot != STATION and (report.evse, report.connector) not in connector_addresses(
                station.connectors
            ):
                logger.warning(
                    "station %s reported evse %s connector %s, which is not in the station mapping",
                    station_id,
                    report.evse,
                    report.connector,
                )
            statuses[slot] = {"status": report.status.value, "ocpp": report.ocpp_status, "at": at}
            station.statuses = statuses
            station.updated_at = utc_now()
            await self._apply(session, station)

    async def _apply(self, session: AsyncSession, station: StationRecord, *, forget: bool = False) -> None:
        """Give every EVSE mapped to the station the status its connectors' reports make (UNKNOWN for all,
        after forgetting the reports of a connection that ended or fell silent)."""
        if forget:
            station.statuses = {}
        if station.location_id is None or station.country_code is None or station.party_id is None:
            return
        owner = Owner.of(station.country_code, station.party_id)
        # On PostgreSQL two processes may write the same Location: lock its row for this transaction. The
        # Location is read this once, before the station's row is written, and its EVSE changes are written
        # together at the end: on SQLite the write lock is held only for the writes.
        with session.no_autoflush:
            service = await self._evses(session, station, owner, station.location_id)
        if service is not None:
            await service.repo.flush_bulk()

    async def _evses(
        self, session: AsyncSession, station: StationRecord, owner: Owner, location_id: str
    ) -> LocationService | None:
        """The station's EVSE changes made on its Location in memory (None: the Location is gone)."""
        record = (
            await session.exec(
                select(LocationRecord)
                .where(
                    col(LocationRecord.country_code) == owner.country_code,
                    col(LocationRecord.party_id) == owner.party_id,
                    col(LocationRecord.object_key) == key(location_id),
                )
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).first()
        if record is None:
            logger.warning("station %s: Location %s is gone", station.station_id, location_id)
            return None
        service = LocationService(session, owner, Writer(None))
        service.repo.use_loaded(record)
        location = await service.get(location_id)
        occupied = any(report.get("ocpp") == OCCUPIED for report in station.statuses.values())
        ended = await ChargingRepository(session).last_ends(station.station_id) if occupied else {}
        reported: dict[str, list[Status | None]] = {}
        for connector in station.connectors:
            slot = address(int(connector["evse"]), int(connector.get("connector", 1)))
            reported.setdefault(connector["evse_uid"], []).append(
                reported_status(station.statuses.get(slot), ended.get(int(connector["evse"])))
            )
        station_level = station.statuses.get(STATION)
        station_status = Status(station_level["status"]) if station_level is not None else None
        for evse_uid, connectors in reported.items():
            wanted = evse_status(connectors, station_status)
            try:
                evse = service.evse(location, location_id, evse_uid)
            except ObjectNotFoundError:
                logger.warning("station %s: EVSE %s is gone from its Location", station.station_id, evse_uid)
                continue
            current = Status(evse["status"])
            if current in LIFECYCLE or current == wanted:
                continue
            await service.patch_evse(
                location_id, evse["uid"], EVSEPatch(status=wanted, last_updated=utc_now())
            )
            location = await service.get(location_id)
        return service

    async def housekeeping(self) -> None:
        await self.expire_stale()
        await self.refresh_metrics()

    # -- transactions (hub.charging) ---------------------------------------------------------------------

    async def authorize(
        self, station_id: str, token: IdToken, *, evse: int | None = None
    ) -> AuthorizationAnswer:
        return await self.charging.authorize(station_id, token, evse=evse)

    async def transaction_event(self, station_id: str, report: TransactionReport) -> TransactionOutcome:
        outcome = await self.charging.transaction_event(station_id, report)
        if report.kind != TransactionEventKind.UPDATED:
            await self.refresh_statuses(station_id)
        return outcome

    async def refresh_statuses(self, station_id: str) -> None:
        """A transaction started or ended: an EVSE still Occupied after its transaction ended is BLOCKED."""
        async with self._station(station_id) as (session, station):
            if station is None or not any(r.get("ocpp") == OCCUPIED for r in station.statuses.values()):
                return
            await self._apply(session, station)

    async def locate(self, target: ChargerTarget) -> ChargerAddress | None:
        return await self.charging.locate(target)

    async def running_transaction(self, session_id: str) -> RunningTransaction | None:
        return await self.charging.running_transaction(session_id)

    async def remote_start(
        self, address: ChargerAddress, *, token: Token, authorization_reference: str | None
    ) -> int:
        return await self.charging.remote_start(
            address, token=token, authorization_reference=authorization_reference
        )

    # -- views ---------------------------------------------------------------------------------------------

    async def counts(self) -> dict[str, int]:
        before = utc_now() - timedelta(seconds=self.ocpp.stale_after)
        async with self.sessionmaker() as session:
            return await StationRepository(session).count_by_state(before)

    async def refresh_metrics(self) -> None:
        """The station gauges as the database has them: at every scrape of /metrics and at housekeeping
        (counting every station at each connect and disconnect cost more than the connect itself)."""
        try:
            metrics.set_station_counts(await self.counts())
        except Exception:
            logger.exception("station metrics not refreshed")
