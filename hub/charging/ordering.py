"""The order of one transaction's events (ocpp-notes §3.3, OCPP 2.0.1 E01-E15 seqNo): duplicates and stale
events are recognised, gaps remembered so that an event filling one late is still applied."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from hub.ports import TransactionEventKind, TransactionReport

logger = logging.getLogger(__name__)

# The seqNos of a gap that are remembered; an event older than these counts as stale.
MAX_MISSING = 200


class Ordered(Protocol):
    """What ordering reads and writes of a transaction (its row, or the copy kept in memory)."""

    station_id: str
    transaction_id: str | None
    ended_at: datetime | None
    last_seq_no: int | None
    state: dict[str, Any]


def stale(record: Ordered, report: TransactionReport) -> bool:
    """An event already applied (or superseded): a second Started, anything after the end, a seqNo seen."""
    if report.kind == TransactionEventKind.STARTED or record.ended_at is not None:
        return True
    if report.seq_no is None or record.last_seq_no is None:
        return False
    missing: list[Any] = (record.state.get("seq") or {}).get("missing") or []
    return report.seq_no <= record.last_seq_no and report.seq_no not in missing


def note(record: Ordered, report: TransactionReport) -> dict[str, Any]:
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
