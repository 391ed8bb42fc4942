"""One query per finding kind over transactions, Sessions, CDRs and CDR pushes (mod_sessions, mod_cdrs,
DESIGN decision 5), each returning its findings with their evidence; `reconcile` runs the chosen kinds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, and_, cast, exists, func, or_, type_coerce
from sqlalchemy import select as columns
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.charging.meter import WH_PER_KWH, Meter
from hub.modules.objects import from_json
from hub.ocpi.base import format_datetime, utc_now
from hub.reconcile.findings import Finding, FindingKind
from hub.reconcile.settings import ReconcileSettings
from hub.tables import PartnerRecord
from hub.tables.cdrs import CdrRecord
from hub.tables.charging import TransactionRecord
from hub.tables.outbox import OPEN_STATES, OutboxRecord, PushAttemptRecord, PushState
from hub.tables.sessions import SessionRecord

_CHUNK = 500
# The register a CDR can be made from must have been read at the transaction's end; a station may stamp its
# stop reading a little before the stop itself.
END_READING_SLACK = timedelta(minutes=5)
_EXCERPT = 200


@dataclass(frozen=True)
class Thresholds:
    """The limits one run applies: `cdr_delay` seconds, `stuck_hours` hours, `energy_tolerance` kWh."""

    cdr_delay: float
    stuck_hours: float
    energy_tolerance: Decimal

    @classmethod
    def of(
        cls,
        settings: ReconcileSettings,
        *,
        cdr_delay: float | None = None,
        stuck_hours: float | None = None,
        energy_tolerance: Decimal | None = None,
    ) -> Thresholds:
        return cls(
            cdr_delay=settings.cdr_delay if cdr_delay is None else cdr_delay,
            stuck_hours=settings.stuck_hours if stuck_hours is None else stuck_hours,
            energy_tolerance=settings.energy_tolerance if energy_tolerance is None else energy_tolerance,
        )

    def dump(self) -> dict[str, Any]:
        return {
            "cdr_delay": self.cdr_delay,
            "stuck_hours": self.stuck_hours,
            "energy_tolerance": str(self.energy_tolerance),
        }


class Report(BaseModel):
    """What one run found: counts per kind (every kind chosen, zeros included) and the findings."""

    generated_at: datetime
    thresholds: dict[str, Any]
    counts: dict[FindingKind, int]
    findings: list[Finding]

    @property
    def found(self) -> int:
        return len(self.findings)


# --- helpers -----------------------------------------------------------------------------------------------


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _json_body(session: AsyncSession, column: Any) -> Any:
    """A Text column holding JSON, as a JSON expression: PostgreSQL needs the cast, SQLite reads text as is."""
    if _dialect(session) == "postgresql":
        return cast(column, JSONB)
    return type_coerce(column, JSON)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _when(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _kwh(first_wh: Decimal | None, last_wh: Decimal | None) -> Decimal | None:
    if first_wh is None or last_wh is None:
        return None
    return (last_wh - first_wh) / WH_PER_KWH


def meter_of(record: TransactionRecord) -> Meter:
    return Meter.load(record.state.get("meter") or {})


def transaction_evidence(record: TransactionRecord) -> dict[str, Any]:
    """The ids, times and registers of one transaction."""
    meter = meter_of(record)
    kwh = _kwh(meter.first_wh, meter.last_wh)
    return {
        "transaction_row": record.id,
        "station_id": record.station_id,
        "transaction_id": record.transaction_id,
        "evse": record.evse,
        "connector": record.connector,
        "country_code": record.country_code,
        "party_id": record.party_id,
        "session_id": record.session_id,
        "location_id": record.location_id,
        "evse_uid": record.evse_uid,
        "connector_id": record.connector_id,
        "status": record.status,
        "started_at": _when(record.started_at),
        "ended_at": _when(record.ended_at),
        "last_event_at": _when(record.last_event_at),
        "last_reading_at": _when(meter.last_reading_at),
        "meter_start_wh": None if meter.first_wh is None else str(meter.first_wh),
        "meter_last_wh": None if meter.last_wh is None else str(meter.last_wh),
        "meter_kwh": None if kwh is None else str(kwh),
        "cdr_id": record.cdr_id,
        "cdr_error": record.state.get("cdr_error"),
    }


def _name(record: TransactionRecord) -> str:
    return f"{record.station_id}/{record.transaction_id}"


def fix_blocker(record: TransactionRecord | None) -> str | None:
    """Why no CDR can be made from this transaction's meter, or None when it can: the transaction ended, its
    register was read at the start and at the end, and it never went backwards."""
    if record is None:
        return "no OCPP transaction made this Session: its meter values are unknown"
    if record.ended_at is None:
        return f"transaction {_name(record)} has not ended"
    meter = meter_of(record)
    if meter.first_wh is None or meter.last_wh is None or meter.last_reading_at is None:
        return f"transaction {_name(record)} has no start and end meter values"
    if meter.backwards:
        first = meter.backwards[0]
        return (
            f"the meter of transaction {_name(record)} went backwards ({first['wh']} Wh at {first['at']} after "
            f"{first['highest_wh']} Wh): its energy cannot be trusted, make the CDR by hand (POST /admin/cdrs)"
        )
    if meter.last_wh < meter.first_wh:
        return (
            f"transaction {_name(record)} ends at {meter.last_wh} Wh, below its start at {meter.first_wh} Wh"
        )
    if meter.last_reading_at < record.ended_at - END_READING_SLACK:
        return (
            f"transaction {_name(record)} ended at {format_datetime(record.ended_at)} but its meter was last read "
            f"at {format_datetime(meter.last_reading_at)}: no end meter value"
        )
    return None


# --- the queries -------------------------------------------------------------------------------------------


async def transactions_without_session(
    session: AsyncSession, thresholds: Thresholds, now: datetime
) -> list[Finding]:
    """Transactions whose OCPI Session (our own, same party and id) is not stored."""
    statement = (
        select(TransactionRecord)
        .outerjoin(
            SessionRecord,
            and_(
                col(SessionRecord.country_code) == col(TransactionRecord.country_code),
                col(SessionRecord.party_id) == col(TransactionRecord.party_id),
                col(SessionRecord.object_key) == func.upper(col(TransactionRecord.session_id)),
                col(SessionRecord.partner_id).is_(None),
            ),
        )
        .where(col(SessionRecord.id).is_(None))
        .order_by(col(TransactionRecord.id))
    )
    return [
        Finding(
            kind=FindingKind.TRANSACTION_WITHOUT_SESSION,
            subject=f"transaction {_name(record)}",
            message=f"started {format_datetime(record.started_at)} ({record.status}): its Session "
            f"{record.session_id} is not stored",
            evidence=transaction_evidence(record),
        )
        for record in (await session.exec(statement)).all()
    ]


async def _transactions_of(
    session: AsyncSession, keys: Sequence[str]
) -> dict[tuple[str, str, str], TransactionRecord]:
    """The latest transaction of each Session key (upper-cased id), by (country_code, party_id, key)."""
    found: dict[tuple[str, str, str], TransactionRecord] = {}
    for chunk in _chunks(keys):
        statement = (
            select(TransactionRecord)
            .where(func.upper(col(TransactionRecord.session_id)).in_(chunk))
            .order_by(col(TransactionRecord.id))
        )
        for record in (await session.exec(statement)).all():
            found[(record.country_code, record.party_id, record.session_id.upper())] = record
    return found


async def sessions_without_cdr(session: AsyncSession, thresholds: Thresholds, now: datetime) -> list[Finding]:
    """Our Sessions COMPLETED (last changed) more than `cdr_delay` ago with no CDR of ours: none with the
    Session's id (the CDRs of our chargers carry it) and none naming it in `session_id`."""
    cutoff = now - timedelta(seconds=thresholds.cdr_delay)
    body = _json_body(session, col(SessionRecord.body))
    statement = (
        select(SessionRecord)
        .outerjoin(
            CdrRecord,
            and_(
                col(CdrRecord.country_code) == col(SessionRecord.country_code),
                col(CdrRecord.party_id) == col(SessionRecord.party_id),
                col(CdrRecord.object_key) == col(SessionRecord.object_key),
                col(CdrRecord.partner_id).is_(None),
            ),
        )
        .where(
            col(SessionRecord.partner_id).is_(None),
            body["status"].as_string() == "COMPLETED",
            col(SessionRecord.last_updated) <= cutoff,
            col(CdrRecord.id).is_(None),
        )
        .order_by(col(SessionRecord.id))
    )
    candidates = list((await session.exec(statement)).all())
    if not candidates:
        return []
    keys = sorted({record.object_key for record in candidates})
    cdr_session = func.upper(_json_body(session, col(CdrRecord.body))["session_id"].as_string())
    referenced: set[tuple[str, str, str]] = set()
    for chunk in _chunks(keys):
        rows = await session.exec(
            select(col(CdrRecord.country_code), col(CdrRecord.party_id), cdr_session).where(
                col(CdrRecord.partner_id).is_(None), cdr_session.in_(chunk)
            )
        )
        referenced.update((str(c), str(p), str(s)) for c, p, s in rows.all())
    transactions = await _transactions_of(session, keys)
    findings = []
    for record in candidates:
        owner_key = (record.country_code, record.party_id, record.object_key)
        if owner_key in referenced:
            continue
        stored = from_json(record.body)
        transaction = transactions.get(owner_key)
        blocker = fix_blocker(transaction)
        evidence: dict[str, Any] = {
            "country_code": record.country_code,
            "party_id": record.party_id,
            "session_id": stored.get("id"),
            "start_date_time": stored.get("start_date_time"),
            "end_date_time": stored.get("end_date_time"),
            "kwh": stored.get("kwh"),
            "session_last_updated": _when(record.last_updated),
            "transaction": None if transaction is None else transaction_evidence(transaction),
            "not_fixable": blocker,
        }
        reason = "" if transaction is None else transaction.state.get("cdr_error")
        findings.append(
            Finding(
                kind=FindingKind.SESSION_WITHOUT_CDR,
                subject=f"session {stored.get('id')}"
                + ("" if transaction is None else f" (transaction {_name(transaction)})"),
                message=f"COMPLETED {stored.get('end_date_time') or _when(record.last_updated)}, "
                f"{stored.get('kwh')} kWh, no CDR" + (f": {reason}" if reason else ""),
                evidence=evidence,
                fixable=blocker is None,
            )
        )
    return findings


async def cdrs_not_accepted(session: AsyncSession, thresholds: Thresholds, now: datetime) -> list[Finding]:
    """Pushes of our CDRs that the eMSP refused for good (at once), or that are still waiting or being sent
    `cdr_delay` after they were queued; a CDR the same partner has accepted in another push is not one."""
    cutoff = now - timedelta(seconds=thresholds.cdr_delay)
    delivered = aliased(OutboxRecord)
    statement = (
        select(OutboxRecord, col(PartnerRecord.name))
        .join(PartnerRecord, col(PartnerRecord.id) == col(OutboxRecord.partner_id))
        .where(
            col(OutboxRecord.module) == "cdrs",
            or_(
                col(OutboxRecord.state).in_((PushState.DEAD, PushState.GAVE_UP)),
                and_(col(OutboxRecord.state).in_(OPEN_STATES), col(OutboxRecord.created_at) <= cutoff),
            ),
            ~exists().where(
                col(delivered.module) == "cdrs",
                col(delivered.partner_id) == col(OutboxRecord.partner_id),
                col(delivered.country_code) == col(OutboxRecord.country_code),
                col(delivered.party_id) == col(OutboxRecord.party_id),
                func.upper(col(delivered.object_id)) == func.upper(col(OutboxRecord.object_id)),
                col(delivered.state) == PushState.DELIVERED,
            ),
        )
        .order_by(col(OutboxRecord.id))
    )
    rows = list((await session.exec(statement)).all())
    ids = [row.id for row, _ in rows if row.id is not None]
    last: dict[int, PushAttemptRecord] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        latest = (
            select(func.max(col(PushAttemptRecord.id)))
            .where(col(PushAttemptRecord.outbox_id).in_(chunk))
            .group_by(col(PushAttemptRecord.outbox_id))
        )
        attempts = await session.exec(select(PushAttemptRecord).where(col(PushAttemptRecord.id).in_(latest)))
        last.update((a.outbox_id, a) for a in attempts.all())
    findings = []
    for push, partner_name in rows:
        attempt = last.get(push.id or 0)
        refused = push.state in (PushState.DEAD, PushState.GAVE_UP)
        evidence: dict[str, Any] = {
            "cdr_id": push.object_id,
            "country_code": push.country_code,
            "party_id": push.party_id,
            "partner_id": push.partner_id,
            "partner": partner_name,
            "to": None if push.to_country_code is None else f"{push.to_country_code}*{push.to_party_id}",
            "outbox_id": push.id,
            "state": push.state,
            "attempts": push.attempts,
            "queued_at": _when(push.created_at),
            "next_attempt_at": None if refused else _when(push.next_attempt_at),
            "last_error": push.last_error,
            "last_attempt": None
            if attempt is None
            else {
                "at": _when(attempt.at),
                "outcome": attempt.outcome,
                "http_status": attempt.http_status,
                "ocpi_status": attempt.ocpi_status,
                "reply": None if attempt.excerpt is None else attempt.excerpt[:_EXCERPT],
            },
        }
        if refused:
            what = f"refused by partner {push.partner_id} ({partner_name})"
            if push.last_error:
                what += f": {push.last_error}"
        else:
            what = (
                f"not accepted by partner {push.partner_id} ({partner_name}) since "
                f"{format_datetime(push.created_at)}, {push.attempts} attempts"
            )
            if attempt is not None:
                what += f", last {attempt.outcome}" + (
                    "" if attempt.http_status is None else f" HTTP {attempt.http_status}"
                )
        findings.append(
            Finding(
                kind=FindingKind.CDR_NOT_ACCEPTED,
                subject=f"CDR {push.object_id}",
                message=what,
                evidence=evidence,
            )
        )
    return findings


async def stuck_active(session: AsyncSession, thresholds: Thresholds, now: datetime) -> list[Finding]:
    """Open ACTIVE transactions whose last meter reading (or, with none, their start) is `stuck_hours` old."""
    cutoff = now - timedelta(hours=thresholds.stuck_hours)
    statement = (
        select(TransactionRecord)
        .where(
            col(TransactionRecord.ended_at).is_(None),
            col(TransactionRecord.status) == "ACTIVE",
            col(TransactionRecord.started_at) <= cutoff,
        )
        .order_by(col(TransactionRecord.id))
    )
    findings = []
    for record in (await session.exec(statement)).all():
        meter = meter_of(record)
        last = meter.last_reading_at or record.started_at
        if last > cutoff:
            continue
        hours = Decimal((now - last).total_seconds()) / Decimal(3600)
        evidence = transaction_evidence(record)
        evidence["hours_without_meter_data"] = str(hours.quantize(Decimal("0.01")))
        findings.append(
            Finding(
                kind=FindingKind.STUCK_ACTIVE,
                subject=f"transaction {_name(record)}",
                message=f"ACTIVE since {format_datetime(record.started_at)}, "
                + (
                    f"last meter reading {format_datetime(meter.last_reading_at)}"
                    if meter.last_reading_at is not None
                    else "no meter reading"
                )
                + f" ({evidence['hours_without_meter_data']} h ago)",
                evidence=evidence,
            )
        )
    return findings


async def energy_mismatches(session: AsyncSession, thresholds: Thresholds, now: datetime) -> list[Finding]:
    """CDRs of our transactions whose total_energy differs from the register (last - first) by more than
    `energy_tolerance` kWh."""
    state = col(TransactionRecord.state)
    statement = (
        columns(
            col(TransactionRecord.id),
            col(TransactionRecord.station_id),
            col(TransactionRecord.transaction_id),
            col(TransactionRecord.session_id),
            col(TransactionRecord.country_code),
            col(TransactionRecord.party_id),
            col(TransactionRecord.cdr_id),
            state[("meter", "first_wh")].as_string(),
            state[("meter", "last_wh")].as_string(),
        )
        .where(col(TransactionRecord.cdr_id).is_not(None))
        .order_by(col(TransactionRecord.id))
    )
    connection = await session.connection()
    rows = (await connection.execute(statement)).all()
    # Every CDR of the owners involved in one scan each: a join lets SQLite's planner scan the transactions
    # once per CDR, and key lists in IN cost PostgreSQL more than the scan.
    owners = {(str(row[4]), str(row[5])) for row in rows}
    totals: dict[tuple[str, str, str], Any] = {}
    energy = _json_body(session, col(CdrRecord.body))["total_energy"].as_string()
    for country_code, party_id in sorted(owners):
        found = await connection.execute(
            columns(col(CdrRecord.object_key), energy).where(
                col(CdrRecord.country_code) == country_code,
                col(CdrRecord.party_id) == party_id,
                col(CdrRecord.partner_id).is_(None),
            )
        )
        totals.update(((country_code, party_id, key), total) for key, total in found.all())
    findings = []
    for row_id, station, transaction_id, session_id, country_code, party_id, cdr_id, first, last in rows:
        total = totals.get((country_code, party_id, str(cdr_id).upper()))
        first_wh, last_wh, cdr_kwh = _decimal(first), _decimal(last), _decimal(total)
        meter_kwh = _kwh(first_wh, last_wh)
        if meter_kwh is None or cdr_kwh is None:
            continue
        difference = cdr_kwh - meter_kwh
        if abs(difference) <= thresholds.energy_tolerance:
            continue
        findings.append(
            Finding(
                kind=FindingKind.ENERGY_MISMATCH,
                subject=f"CDR {cdr_id} (transaction {station}/{transaction_id})",
                message=f"total_energy {cdr_kwh} kWh, meter register {first_wh} → {last_wh} Wh = {meter_kwh} kWh "
                f"(off by {difference} kWh, tolerance {thresholds.energy_tolerance})",
                evidence={
                    "transaction_row": row_id,
                    "station_id": station,
                    "transaction_id": transaction_id,
                    "session_id": session_id,
                    "cdr_id": cdr_id,
                    "cdr_total_energy": str(cdr_kwh),
                    "meter_start_wh": str(first_wh),
                    "meter_last_wh": str(last_wh),
                    "meter_kwh": str(meter_kwh),
                    "difference_kwh": str(difference),
                },
            )
        )
    return findings


async def meter_backwards(session: AsyncSession, thresholds: Thresholds, now: datetime) -> list[Finding]:
    """Transactions whose register went down at a later moment (Meter.backwards): the energy counts only up
    to the highest register, and no CDR is made from it by `--fix`."""
    statement = (
        select(TransactionRecord)
        .where(col(TransactionRecord.state)[("meter", "backwards")].as_string().is_not(None))
        .order_by(col(TransactionRecord.id))
    )
    findings = []
    for record in (await session.exec(statement)).all():
        meter = meter_of(record)
        if not meter.backwards:
            continue
        first = meter.backwards[0]
        evidence = transaction_evidence(record)
        evidence["backwards"] = meter.backwards
        more = len(meter.backwards) - 1
        findings.append(
            Finding(
                kind=FindingKind.METER_BACKWARDS,
                subject=f"transaction {_name(record)}",
                message=f"meter went backwards: {first['wh']} Wh at {first['at']} after {first['highest_wh']} Wh"
                + (f" (and {more} more)" if more > 0 else "")
                + f"; energy counted up to the highest register ({evidence['meter_kwh']} kWh)",
                evidence=evidence,
            )
        )
    return findings


async def duplicate_transactions(
    session: AsyncSession, thresholds: Thresholds, now: datetime
) -> list[Finding]:
    """Transactions with the same station, OCPP EVSE, idToken (case-insensitive; none counts as a value) and
    start time under different transaction ids: one finding per such group."""
    groups = (
        select(
            col(TransactionRecord.station_id).label("station_id"),
            col(TransactionRecord.evse).label("evse"),
            col(TransactionRecord.started_at).label("started_at"),
        )
        .where(col(TransactionRecord.evse).is_not(None))
        .group_by(
            col(TransactionRecord.station_id), col(TransactionRecord.evse), col(TransactionRecord.started_at)
        )
        .having(func.count() > 1)
        .subquery()
    )
    statement = (
        select(TransactionRecord)
        .join(
            groups,
            and_(
                col(TransactionRecord.station_id) == groups.c.station_id,
                col(TransactionRecord.evse) == groups.c.evse,
                col(TransactionRecord.started_at) == groups.c.started_at,
            ),
        )
        .order_by(col(TransactionRecord.id))
    )
    same: defaultdict[tuple[str, int | None, datetime, str], list[TransactionRecord]] = defaultdict(list)
    for record in (await session.exec(statement)).all():
        token = str(record.state.get("id_token") or "").upper()
        same[(record.station_id, record.evse, record.started_at, token)].append(record)
    findings = []
    for (station, evse, started, _), records in same.items():
        ids = sorted({str(r.transaction_id) for r in records})
        if len(ids) < 2:
            continue
        shown = records[0].state.get("id_token")
        findings.append(
            Finding(
                kind=FindingKind.DUPLICATE_TRANSACTION,
                subject=f"station {station} EVSE {evse} at {format_datetime(started)}",
                message=f"{len(ids)} transactions ({', '.join(ids)}) with token {shown or '(none)'}, sessions "
                + ", ".join(r.session_id for r in records),
                evidence={
                    "station_id": station,
                    "evse": evse,
                    "started_at": format_datetime(started),
                    "id_token": shown,
                    "transactions": [transaction_evidence(r) for r in records],
                },
            )
        )
    return findings


Query = Callable[[AsyncSession, Thresholds, datetime], Awaitable[list[Finding]]]

QUERIES: dict[FindingKind, Query] = {
    FindingKind.TRANSACTION_WITHOUT_SESSION: transactions_without_session,
    FindingKind.SESSION_WITHOUT_CDR: sessions_without_cdr,
    FindingKind.CDR_NOT_ACCEPTED: cdrs_not_accepted,
    FindingKind.STUCK_ACTIVE: stuck_active,
    FindingKind.ENERGY_MISMATCH: energy_mismatches,
    FindingKind.METER_BACKWARDS: meter_backwards,
    FindingKind.DUPLICATE_TRANSACTION: duplicate_transactions,
}


async def reconcile(
    session: AsyncSession,
    thresholds: Thresholds,
    *,
    kinds: Iterable[FindingKind] | None = None,
    now: datetime | None = None,
) -> Report:
    """Run the queries of `kinds` (default: all) as of `now` (default: the clock)."""
    at = now or utc_now()
    chosen = list(dict.fromkeys(kinds)) if kinds else list(FindingKind)
    counts: dict[FindingKind, int] = {}
    findings: list[Finding] = []
    for kind in chosen:
        found = await QUERIES[kind](session, thresholds, at)
        counts[kind] = len(found)
        findings.extend(found)
    return Report(generated_at=at, thresholds=thresholds.dump(), counts=counts, findings=findings)
