"""`TransactionPort` on the hub's database: authorization of station tokens (mod_tokens), transactions made
OCPI Sessions (mod_sessions) and, at their end, priced CDRs (mod_cdrs), and the lookups the charger side of
commands needs (mod_commands)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.analytics.decisions import AUTHORIZE, START, allowed_of, log_station_decision
from hub.charging import authorization as auth_map
from hub.charging import ordering, places
from hub.charging import sessions as documents
from hub.charging.authorization import SessionAuth
from hub.charging.live import LiveTransactions, Row, must_write, take
from hub.charging.meter import Meter
from hub.charging.observer import ChargingObserver, notify
from hub.charging.repository import ChargingRepository, find_connector, mapped_connectors
from hub.config import Settings
from hub.db import SessionMaker
from hub.errors import HubError
from hub.modules.cdrs.service import produce_cdr
from hub.modules.objects import Owner, Writer
from hub.modules.sessions.service import SessionService
from hub.modules.tokens.authorization import Authorization, authorize_token
from hub.ocpi.base import ci_equal, utc_now
from hub.ocpi.envelope import dump
from hub.ocpi.v221.cdrs import AuthMethod
from hub.ocpi.v221.locations import Status
from hub.ocpi.v221.sessions import SessionStatus
from hub.ocpi.v221.tokens import Token
from hub.partners.client import PartnerClient, PartnerReply, PartnerUnreachableError
from hub.ports import (
    AuthorizationAnswer,
    AuthorizationStatus,
    ChargerAddress,
    ChargerTarget,
    IdToken,
    MeterReading,
    RunningTransaction,
    TransactionEventKind,
    TransactionOutcome,
    TransactionReport,
)
from hub.stations.repository import StationRepository
from hub.stations.settings import OcppSettings
from hub.tables.charging import RemoteStartRecord, TransactionRecord
from hub.tables.stations import StationRecord

logger = logging.getLogger(__name__)

# At most one Session PATCH per transaction this often (state changes are sent at once).
PATCH_INTERVAL = 60.0
# 1.6 RemoteStartTransaction has no correlation id: the next StartTransaction with that idTag within this.
REMOTE_START_WINDOW = timedelta(minutes=10)
BEGIN = "Transaction.Begin"


class _NoPartners(PartnerClient):
    """A process without partner connections: every eMSP counts as unreachable, so only pushed Tokens
    decide (authorize_token's fallback per WhitelistType)."""

    def __init__(self) -> None:
        pass

    async def call(self, method: str, url: str, **_: Any) -> PartnerReply:
        raise PartnerUnreachableError(f"{method} {url}: this process has no partner connections")


@dataclass
class _Prepared:
    """What the read phase found out before the write transaction: the token's authorization (the one
    network call) and the remote start it matched."""

    auth: SessionAuth | None = None
    remote_start_id: int | None = None


def _owner(station: StationRecord) -> Owner | None:
    if station.location_id is None or station.country_code is None or station.party_id is None:
        return None
    return Owner.of(station.country_code, station.party_id)


def _begin_reading(report: TransactionReport) -> MeterReading | None:
    return next((r for r in report.meter if r.context == BEGIN and r.energy_wh is not None), None)


class ChargingHub:
    """Each event of a station runs under that station's lock (and, on PostgreSQL, its row lock), in one
    database transaction with the Session and CDR changes and their outbox records. `now` is the clock of
    the PATCH throttle and of remote-start matching."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        settings: Settings,
        client: PartnerClient | None,
        *,
        ocpp: OcppSettings | None = None,
        now: Callable[[], datetime] = utc_now,
        patch_interval: float = PATCH_INTERVAL,
        observer: ChargingObserver | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.client = client
        self.authorize_timeout = (ocpp or OcppSettings()).authorize_timeout
        self.now = now
        self.patch_interval = patch_interval
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Told after each committed transaction event (site load balancing); set after construction too.
        self.observer = observer
        self.live = LiveTransactions()

    # -- authorization -------------------------------------------------------------------------------------

    async def authorize(
        self, station_id: str, token: IdToken, *, evse: int | None = None
    ) -> AuthorizationAnswer:
        async with self.sessionmaker() as session:
            station = await StationRepository(session).get(station_id)
            authorization = await self._lookup(session, station, token, evse)
            outcome = "NOT_ALLOWED" if authorization is None else authorization.allowed.value
            if log_station_decision(session, station, AUTHORIZE, outcome, evse=evse):
                await session.commit()
        if authorization is None:
            return AuthorizationAnswer(AuthorizationStatus.INVALID)
        return auth_map.answer(authorization)

    async def _lookup(
        self, session: AsyncSession, station: StationRecord | None, token: IdToken, evse: int | None
    ) -> Authorization | None:
        location_id = None if station is None else station.location_id
        evse_uids: list[str] = []
        if station is not None and evse:
            for row in mapped_connectors(station, evse):
                if row["evse_uid"] not in evse_uids:
                    evse_uids.append(row["evse_uid"])
        try:
            authorization = await authorize_token(
                session,
                self.client or _NoPartners(),
                uid=token.id_token,
                token_type=auth_map.token_type(token),
                location_id=location_id,
                evse_uids=evse_uids or None,
                real_time_timeout=self.authorize_timeout,
            )
        except (HubError, ValueError) as exc:
            logger.warning("idToken of %s could not be looked up: %s", station and station.station_id, exc)
            return None
        logger.info(
            "station %s: token %s %s (%s)",
            None if station is None else station.station_id,
            authorization.allowed.value,
            authorization.source.value,
            authorization.reason,
        )
        return authorization

    async def _session_auth(
        self, session: AsyncSession, station: StationRecord, owner: Owner, report: TransactionReport
    ) -> _Prepared:
        """COMMAND when the event belongs to a START_SESSION (2.0.1 remoteStartId; 1.6 the idTag of a recent
        one on that connector), else the token lookup."""
        repo = ChargingRepository(session)
        remote: RemoteStartRecord | None = None
        if report.remote_start_id is not None:
            remote = await repo.remote_start(station.station_id, report.remote_start_id)
        elif report.id_token is not None:
            remote = await repo.recent_remote_start(
                station.station_id, report.evse, report.id_token.id_token, self.now() - REMOTE_START_WINDOW
            )
        if remote is not None and remote.token:
            return _Prepared(auth_map.from_command(remote.token, remote.authorization_reference), remote.id)
        if report.id_token is None:
            return _Prepared()
        authorization = await self._lookup(session, station, report.id_token, report.evse)
        if authorization is None:
            unknown = auth_map.ours(owner, report.id_token.id_token, auth_map.token_type(report.id_token))
            return _Prepared(
                SessionAuth(
                    unknown,
                    AuthMethod.WHITELIST,
                    None,
                    AuthorizationAnswer(AuthorizationStatus.INVALID),
                )
            )
        return _Prepared(auth_map.from_lookup(authorization, owner, report.id_token))

    # -- transaction events --------------------------------------------------------------------------------

    async def transaction_event(self, station_id: str, report: TransactionReport) -> TransactionOutcome:
        async with self._locks[station_id]:
            outcome = self._in_memory(station_id, report)
            if outcome is None:
                prepared, early = await self._read_phase(station_id, report)
                if early is not None:
                    return early
                try:
                    async with self.sessionmaker() as session:
                        outcome = await self._write_phase(session, station_id, report, prepared)
                        await session.commit()
                except BaseException:
                    self.live.abort(station_id)
                    raise
                self.live.commit(station_id)
            if self.observer is not None:
                notify(self.observer, station_id, report, outcome)
            return outcome

    def _in_memory(self, station_id: str, report: TransactionReport) -> TransactionOutcome | None:
        """The outcome of an event with nothing to send or keep, taken on the running transaction's copy in
        memory (hub.charging.live); None when the event needs the database."""
        live = self.live.get(station_id, report.transaction_id)
        if live is None:
            return None
        record = live.record
        if ordering.stale(record, report):
            return self._as_before(record, report)
        if must_write(record, live.meter, report, self.now(), self.patch_interval):
            return None
        take(record, live.meter, report)
        live.dirty = True
        answer = None
        if report.id_token is not None:
            answer = SessionAuth.load(record.state["auth"]).answer
        return TransactionOutcome(record.transaction_id, answer, record.session_id)

    async def release(self, station_id: str) -> None:
        """The station's connection to this process ended: what its running transactions' readings said
        since their last write is kept, and they are forgotten here (the station may come back through
        another process). A row written since by another process is left as it is."""
        async with self._locks[station_id]:
            dirty = [live for live in self.live.release(station_id) if live.dirty]
            if not dirty:
                return
            async with self.sessionmaker() as session:
                repo = ChargingRepository(session)
                for live in dirty:
                    assert live.record.transaction_id is not None
                    record = await repo.by_transaction_id(
                        station_id, live.record.transaction_id, for_update=True
                    )
                    if record is None or record.ended_at is not None or record.updated_at != live.version:
                        continue
                    live.onto(record)
                    record.updated_at = utc_now()
                    await repo.save(record)
                await session.commit()

    async def _find(
        self, session: AsyncSession, station: StationRecord, report: TransactionReport, *, for_update: bool
    ) -> TransactionRecord | None:
        repo = ChargingRepository(session)
        if report.transaction_id is not None:
            return await repo.by_transaction_id(
                station.station_id, report.transaction_id, for_update=for_update
            )
        if report.evse is None:
            return None
        record = await repo.open_on(station.station_id, report.evse)
        if record is None or report.kind != TransactionEventKind.STARTED:
            return record
        # A 1.6 StartTransaction sent again (its answer was lost): the same start on the same connector.
        same_token = report.id_token is not None and ci_equal(
            str(record.state.get("id_token") or ""), report.id_token.id_token
        )
        return record if same_token and record.started_at == report.timestamp else None

    async def _read_phase(
        self, station_id: str, report: TransactionReport
    ) -> tuple[_Prepared, TransactionOutcome | None]:
        async with self.sessionmaker() as session:
            station = await StationRepository(session).get(station_id)
            owner = None if station is None else _owner(station)
            if station is None or owner is None:
                logger.warning(
                    "station %s is not mapped to a Location: its %s transaction event makes no Session",
                    station_id,
                    report.kind.value,
                )
                answer = None
                if report.id_token is not None:
                    found = await self._lookup(session, station, report.id_token, report.evse)
                    answer = None if found is None else auth_map.answer(found)
                return _Prepared(), TransactionOutcome(
                    transaction_id=report.transaction_id, authorization=answer
                )
            record = await self._find(session, station, report, for_update=False)
            if record is not None and ordering.stale(record, report):
                return _Prepared(), self._as_before(record, report)
            pending = record is None or record.status == SessionStatus.PENDING
            if pending and (report.id_token is not None or report.remote_start_id is not None):
                return await self._session_auth(session, station, owner, report), None
            return _Prepared(), None

    def _as_before(self, record: Row, report: TransactionReport) -> TransactionOutcome:
        logger.info(
            "station %s transaction %s: %s event (seqNo %s) already applied, ignored",
            record.station_id,
            record.transaction_id,
            report.kind.value,
            report.seq_no,
        )
        answer = None
        if report.id_token is not None and record.state.get("auth"):
            answer = SessionAuth.load(record.state["auth"]).answer
        return TransactionOutcome(record.transaction_id, answer, record.session_id)

    async def _write_phase(
        self, session: AsyncSession, station_id: str, report: TransactionReport, prepared: _Prepared
    ) -> TransactionOutcome:
        station = await StationRepository(session).get(station_id, for_update=True)
        owner = None if station is None else _owner(station)
        if station is None or owner is None:
            return TransactionOutcome(transaction_id=report.transaction_id)
        record = await self._find(session, station, report, for_update=True)
        if record is None:
            return await self._create(session, station, owner, report, prepared)
        live = self.live.current(record)
        if live is not None:
            live.onto(record)
        if ordering.stale(record, report):
            return self._as_before(record, report)
        return await self._apply(session, station, owner, record, report, prepared)

    async def _create(
        self,
        session: AsyncSession,
        station: StationRecord,
        owner: Owner,
        report: TransactionReport,
        prepared: _Prepared,
    ) -> TransactionOutcome:
        started_at = report.timestamp
        if report.kind != TransactionEventKind.STARTED:
            # The Started event never came (2.0.1). Only an event naming its EVSE can be placed; an Ended
            # needs its Transaction.Begin reading, or the Session's energy and duration would be invented.
            begin = _begin_reading(report)
            if (
                report.transaction_id is None
                or report.evse is None
                # 1.6 (no seqNo): a transactionId we never gave or saw is not ours to guess at.
                or report.seq_no is None
                or station.protocol == "ocpp1.6"
                or (report.kind == TransactionEventKind.ENDED and begin is None)
            ):
                logger.warning(
                    "station %s: %s event for unknown transaction %s ignored",
                    station.station_id,
                    report.kind.value,
                    report.transaction_id,
                )
                answer = None if prepared.auth is None else prepared.auth.answer
                return TransactionOutcome(transaction_id=report.transaction_id, authorization=answer)
            started_at = (
                begin.timestamp
                if begin is not None
                else min([report.timestamp, *(r.timestamp for r in report.meter)])
            )
            logger.warning(
                "station %s: transaction %s first seen in a %s event: its Session starts there",
                station.station_id,
                report.transaction_id,
                report.kind.value,
            )
        answer = None if prepared.auth is None else prepared.auth.answer
        mapping = None if report.evse is None else find_connector(station, report.evse, report.connector)
        location = await places.our_location(session, owner, station.location_id or "")
        if mapping is None or location is None:
            logger.warning(
                "station %s: evse %s connector %s is not in the station mapping (or its Location is gone): "
                "the transaction makes no Session",
                station.station_id,
                report.evse,
                report.connector,
            )
            return TransactionOutcome(transaction_id=report.transaction_id, authorization=answer)
        auth = prepared.auth or auth_map.no_token(owner)
        currency = await places.currency(
            session, owner, location, mapping["evse_uid"], mapping["connector_id"]
        )
        record = TransactionRecord(
            station_id=station.station_id,
            transaction_id=report.transaction_id,
            evse=report.evse,
            connector=int(mapping.get("connector", 1)),
            country_code=owner.country_code,
            party_id=owner.party_id,
            session_id=str(uuid.uuid4()),
            location_id=station.location_id or "",
            evse_uid=mapping["evse_uid"],
            connector_id=mapping["connector_id"],
            status=SessionStatus.ACTIVE if prepared.auth is not None else SessionStatus.PENDING,
            started_at=started_at,
            last_seq_no=report.seq_no,
            last_event_at=report.timestamp,
        )
        repo = ChargingRepository(session)
        await repo.save(record)
        if prepared.auth is not None:
            log_station_decision(
                session, station, START, allowed_of(auth.answer.status), evse_uid=record.evse_uid
            )
        if record.transaction_id is None:
            # 1.6 standalone: the transactionId we tell the station is the row's id.
            record.transaction_id = str(record.id)
        meter = Meter.begin(started_at, report.charging_state)
        for reading in report.meter:
            meter.read(reading)
        if report.kind == TransactionEventKind.ENDED:
            record.ended_at = max(report.timestamp, meter.periods[-1].start)
            record.status = SessionStatus.COMPLETED
        record.state = {
            "currency": currency,
            "id_token": None if report.id_token is None else report.id_token.id_token,
            "auth": auth.dump(),
        }
        await self._use_remote_start(session, prepared)
        await self._put(session, record, meter, auth)
        if record.ended_at is not None:
            await self._end(session, record, meter, report)
        self._store(record, meter)
        await repo.save(record)
        logger.info(
            "station %s transaction %s: Session %s %s",
            station.station_id,
            record.transaction_id,
            record.session_id,
            record.status,
        )
        return TransactionOutcome(record.transaction_id, answer, record.session_id)

    async def _apply(
        self,
        session: AsyncSession,
        station: StationRecord,
        owner: Owner,
        record: TransactionRecord,
        report: TransactionReport,
        prepared: _Prepared,
    ) -> TransactionOutcome:
        meter = Meter.load(record.state.get("meter") or {})
        auth = SessionAuth.load(record.state["auth"])
        urgent = take(record, meter, report)
        state = dict(record.state)
        replace = False
        if prepared.auth is not None and record.status == SessionStatus.PENDING:
            auth = prepared.auth
            state["auth"] = auth.dump()
            state["id_token"] = None if report.id_token is None else report.id_token.id_token
            record.status = SessionStatus.ACTIVE
            replace = True
            await self._use_remote_start(session, prepared)
        ended = report.kind == TransactionEventKind.ENDED
        if ended:
            record.ended_at = max(report.timestamp, meter.periods[-1].start, record.started_at)
            record.status = SessionStatus.COMPLETED
            if report.stopped_reason:
                state["stopped_reason"] = report.stopped_reason
        record.state = state
        now = self.now()
        if replace:
            await self._put(session, record, meter, auth)
            record.last_patch_at = now
        elif ended or urgent or documents.due(record.last_patch_at, now, self.patch_interval):
            service = SessionService(session, owner, Writer(None))
            await service.patch(record.session_id, documents.patch(record, meter))
            record.last_patch_at = now
        if ended:
            await self._end(session, record, meter, report)
        self._store(record, meter)
        await ChargingRepository(session).save(record)
        answer = None
        if report.id_token is not None:
            answer = (prepared.auth or auth).answer
        return TransactionOutcome(record.transaction_id, answer, record.session_id)

    def _store(self, record: TransactionRecord, meter: Meter) -> None:
        record.state = {**record.state, "meter": meter.dump()}
        record.updated_at = utc_now()
        self.live.stage(record, meter)

    async def _put(
        self, session: AsyncSession, record: TransactionRecord, meter: Meter, auth: SessionAuth
    ) -> None:
        service = SessionService(session, Owner.of(record.country_code, record.party_id), Writer(None))
        currency = str(record.state.get("currency") or places.DEFAULT_CURRENCY)
        await service.put(record.session_id, documents.session(record, meter, auth, currency))

    async def _use_remote_start(self, session: AsyncSession, prepared: _Prepared) -> None:
        if prepared.remote_start_id is None:
            return
        remote = await session.get(RemoteStartRecord, prepared.remote_start_id)
        if remote is not None:
            remote.used_at = self.now()
            session.add(remote)

    async def _end(
        self, session: AsyncSession, record: TransactionRecord, meter: Meter, report: TransactionReport
    ) -> None:
        """The CDR of a transaction that ended, in the same database transaction. One that cannot be made
        (no Tariff, a Location without time zone) is logged and kept on the transaction; the Session is
        complete either way."""
        fields = documents.cdr_draft(record, meter)
        try:
            async with session.begin_nested():
                cdr = await produce_cdr(session, self.settings, fields)
        except HubError as exc:
            logger.error(
                "station %s transaction %s: no CDR for Session %s: %s",
                record.station_id,
                record.transaction_id,
                record.session_id,
                exc,
            )
            record.state = {**record.state, "cdr_error": str(exc)}
            return
        record.cdr_id = cdr["id"]
        logger.info(
            "station %s transaction %s: CDR %s, total_cost %s %s",
            record.station_id,
            record.transaction_id,
            cdr["id"],
            cdr["total_cost"].get("excl_vat"),
            cdr["currency"],
        )

    # -- lookups for commands ------------------------------------------------------------------------------

    async def locate(self, target: ChargerTarget) -> ChargerAddress | None:
        async with self.sessionmaker() as session:
            stations = await ChargingRepository(session).stations_at(
                target.country_code, target.party_id, target.location_id
            )
            rows = [(station, row) for station in stations for row in station.connectors]
            if target.evse_uid is not None:
                for station, row in rows:
                    if ci_equal(row["evse_uid"], target.evse_uid) and (
                        target.connector_id is None or ci_equal(row["connector_id"], target.connector_id)
                    ):
                        return _address(station, row)
                return None
            if not rows:
                return None
            location = await places.our_location(
                session, Owner.of(target.country_code, target.party_id), target.location_id
            )
            statuses = {} if location is None else places.evse_statuses(location)
            for station, row in rows:
                if statuses.get(str(row["evse_uid"]).upper()) == Status.AVAILABLE:
                    return _address(station, row)
            return _address(*rows[0])

    async def running_transaction(self, session_id: str) -> RunningTransaction | None:
        async with self.sessionmaker() as session:
            record = await ChargingRepository(session).by_session_id(session_id)
        if record is None or record.ended_at is not None or record.transaction_id is None:
            return None
        return RunningTransaction(
            session_id=record.session_id,
            station_id=record.station_id,
            transaction_id=record.transaction_id,
            evse=record.evse or 0,
            connector=record.connector or 1,
        )

    async def remote_start(
        self, address: ChargerAddress, *, token: Token, authorization_reference: str | None
    ) -> int:
        async with self.sessionmaker() as session:
            remote_start_id = await ChargingRepository(session).add_remote_start(
                RemoteStartRecord(
                    station_id=address.station_id,
                    evse=address.evse or None,
                    connector=address.connector,
                    id_token=token.uid,
                    token=dump(token),
                    authorization_reference=authorization_reference,
                    created_at=self.now(),
                )
            )
            await session.commit()
        return remote_start_id


def _address(station: StationRecord, row: dict[str, Any]) -> ChargerAddress:
    return ChargerAddress(
        station_id=station.station_id,
        evse=int(row["evse"]),
        connector=int(row.get("connector", 1)),
        protocol=station.protocol,
    )
