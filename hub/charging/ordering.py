"""The order of one transaction's events (ocpp-notes §3.3, OCPP 2.0.1 E01-E15 seqNo): duplicates and stale
events are recognised, gaps remembered so that an event filling one late is still applied."""

from __future__ import annotations

import logging
from typing import Any

from hub.ports import TransactionEventKind, TransactionReport
from hub.tables.charging import TransactionRecord

logger = logging.getLogger(__name__)

# The seqNos of a gap that are remembered; an event older than these counts as stale.
MAX_MISSING = 200


def stale(record: TransactionRecord, report: TransactionReport) -> bool:
    """An event already applied (or superseded): a second Started, anything after the end, a seqNo seen."""
    if report.kind == TransactionEventKind.STARTED or record.ended_at is not None:
        return True
    if report.seq_no is None or record.last_seq_no is None:
        return False
    missing: list[Any] = (record.state.get("seq") or {}).get("missing") or []
    return report.seq_no <= record.last_seq_no and report.seq_no not in missing


def note(record: TransactionRecord, report: TransactionReport) -> dict[str, Any]:
    """Record the event's seqNo (the caller stores the returned `seq` state); a gap is logged."""
    seq: dict[str, Any] = dict(record.state.get("seq") or {})
    missing: list[int] = list(seq.get("missing") or [])
    number = report.seq_no
    if number is None:
        return seq
    if record.last_seq_no is None:
        record.last_seq_no = number
    elif number in missing:
        missing.remove(number)
    elif number > record.last_seq_no:
        if number > record.last_seq_no + 1:
            logger.warning(
                "station %s transaction %s: seqNo %s follows %s; the events between are missing",
                record.station_id,
                record.transaction_id,
                number,
                record.last_seq_no,
            )
            missing.extend(range(record.last_seq_no + 1, number))
        record.last_seq_no = number
    seq["missing"] = missing[-MAX_MISSING:]
    return seq
