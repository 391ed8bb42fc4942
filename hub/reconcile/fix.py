"""`--fix`: the missing CDR of a completed transaction with start and end meter values, made once through
produce_cdr (priced with the Connector's Tariff, stored, queued to its eMSP: mod_cdrs_cpo_interface)."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.charging.sessions import cdr_draft
from hub.config import Settings
from hub.db import SessionMaker
from hub.errors import HubError
from hub.modules.cdrs.service import DuplicateCdrError, produce_cdr
from hub.ocpi.base import format_datetime, utc_now
from hub.reconcile.findings import Finding, FindingKind, FixOutcome
from hub.reconcile.queries import fix_blocker, meter_of
from hub.tables.charging import TransactionRecord

logger = logging.getLogger(__name__)


async def _claim(session: AsyncSession, row_id: int) -> bool:
    """Lock the transaction's row for this database transaction if it still has no CDR. The write comes first
    so that two fixes queue here (PostgreSQL: the row lock; SQLite: the write lock) and the second sees the
    first one's CDR."""
    result = await session.exec(
        update(TransactionRecord)
        .where(col(TransactionRecord.id) == row_id, col(TransactionRecord.cdr_id).is_(None))
        .values(updated_at=utc_now())
    )
    return bool(result.rowcount)


async def fix_transaction(sessionmaker: SessionMaker, settings: Settings, row_id: int) -> FixOutcome:
    """Make the CDR of transaction row `row_id`, in one database transaction, unless it has one already or
    its meter does not allow it."""
    async with sessionmaker() as session:
        if not await _claim(session, row_id):
            await session.rollback()
            record = await session.get(TransactionRecord, row_id)
            if record is None:
                return FixOutcome(session_id="", fixed=False, reason=f"no transaction row {row_id}")
            return FixOutcome(
                session_id=record.session_id,
                fixed=False,
                cdr_id=record.cdr_id,
                reason=f"transaction already has CDR {record.cdr_id}",
            )
        record = await session.get(TransactionRecord, row_id, populate_existing=True)
        assert record is not None
        # A rollback expires the row's attributes: what the outcome names is read before.
        session_id = record.session_id
        blocker = fix_blocker(record)
        if blocker is not None:
            await session.rollback()
            return FixOutcome(session_id=session_id, fixed=False, reason=blocker)
        try:
            async with session.begin_nested():
                cdr = await produce_cdr(session, settings, cdr_draft(record, meter_of(record)))
        except DuplicateCdrError:
            await session.rollback()
            return FixOutcome(
                session_id=session_id,
                fixed=False,
                reason=f"a CDR {session_id} exists already (made another way)",
            )
        except HubError as exc:
            await session.rollback()
            return FixOutcome(session_id=session_id, fixed=False, reason=str(exc))
        state = {k: v for k, v in record.state.items() if k != "cdr_error"}
        state["cdr_reconciled_at"] = format_datetime(utc_now())
        record.state = state
        record.cdr_id = cdr["id"]
        session.add(record)
        await session.commit()
    logger.info(
        "reconciliation: CDR %s made for transaction %s/%s, %s kWh, total_cost %s %s",
        cdr["id"],
        record.station_id,
        record.transaction_id,
        cdr["total_energy"],
        cdr["total_cost"].get("excl_vat"),
        cdr["currency"],
    )
    return FixOutcome(
        session_id=record.session_id,
        fixed=True,
        cdr_id=cdr["id"],
        total_energy=str(cdr["total_energy"]),
        total_cost=dict(cdr["total_cost"]),
    )


async def fix_missing_cdrs(
    sessionmaker: SessionMaker, settings: Settings, findings: list[Finding]
) -> list[FixOutcome]:
    """Try every Session-without-CDR finding: those whose transaction allows it get their CDR, the others say
    why not (each outcome is checked again under the row lock, so a finding made stale by another fix makes
    no second CDR)."""
    outcomes = []
    for finding in findings:
        if finding.kind != FindingKind.SESSION_WITHOUT_CDR:
            continue
        transaction = finding.evidence.get("transaction")
        session_id = str(finding.evidence.get("session_id"))
        if transaction is None or not finding.fixable:
            outcomes.append(
                FixOutcome(session_id=session_id, fixed=False, reason=finding.evidence.get("not_fixable"))
            )
            continue
        outcomes.append(await fix_transaction(sessionmaker, settings, int(transaction["transaction_row"])))
    return outcomes
