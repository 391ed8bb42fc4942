"""The running transactions' state kept in memory between database writes (ocpp-notes §3.3): a meter reading
that changes nothing the eMSP must be told now is taken here and answered without touching the database.

The `charging_transaction` row is written only when something must be sent or kept: the Session PUT and the
throttled PATCH, a charging-state change, the start and the end (CDR), and when the station's connection to
this process ends. What a crash loses is therefore the readings since the row was last written (at most one
PATCH interval of them): their power and SoC maxima, `last_event_at` and the seqNos seen. The register is
cumulative, so the next reading (or the end event's final register) restores the energy; periods only
change with a charging-state change, which is always written.

Another process may handle the same station (a reconnect elsewhere, the internal event API): every write
checks that the row's `updated_at` is still the one this process last read or wrote, and when it is not,
the row wins and the copy here is dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hub.charging import ordering
from hub.charging import sessions as documents
from hub.charging.meter import Meter
from hub.ocpi.v221.sessions import SessionStatus
from hub.ports import TransactionEventKind, TransactionReport
from hub.tables.charging import TransactionRecord


class Row(ordering.Ordered, Protocol):
    """What the event logic reads and writes of a transaction: its row, or the copy kept in memory."""

    session_id: str
    status: str
    last_event_at: datetime | None
    last_patch_at: datetime | None


@dataclass
class Copy:
    """The values of a transaction row that events read and change, apart from any database session (a
    plain object: setting an attribute of a table row goes through the ORM's instrumentation)."""

    id: int | None
    station_id: str
    transaction_id: str | None
    session_id: str
    status: str
    ended_at: datetime | None
    last_seq_no: int | None
    last_event_at: datetime | None
    last_patch_at: datetime | None
    state: dict[str, Any]
    updated_at: datetime

    @classmethod
    def of(cls, record: TransactionRecord) -> Copy:
        return cls(
            id=record.id,
            station_id=record.station_id,
            transaction_id=record.transaction_id,
            session_id=record.session_id,
            status=record.status,
            ended_at=record.ended_at,
            last_seq_no=record.last_seq_no,
            last_event_at=record.last_event_at,
            last_patch_at=record.last_patch_at,
            state=dict(record.state),
            updated_at=record.updated_at,
        )


def is_late(record: Row, report: TransactionReport) -> bool:
    """Queued offline and older than what we know: its readings count, but it moves no state backwards."""
    return record.last_event_at is not None and report.timestamp < record.last_event_at


def take(record: Row, meter: Meter, report: TransactionReport) -> bool:
    """The event's seqNo, time, readings and charging state on the transaction; returns whether the charging
    state changed (which is sent at once)."""
    record.state = {**record.state, "seq": ordering.note(record, report)}
    late = is_late(record, report)
    if not late:
        record.last_event_at = report.timestamp
    for reading in report.meter:
        meter.read(reading)
    if report.charging_state is None or late:
        return False
    return meter.change_state(report.charging_state, max(report.timestamp, meter.periods[-1].start))


def must_write(record: Row, meter: Meter, report: TransactionReport, now: datetime, interval: float) -> bool:
    """Whether the event has something to send or keep: anything but an Updated, a charging-state change, a
    PATCH due, or a token for a transaction still waiting for one."""
    if report.kind != TransactionEventKind.UPDATED:
        return True
    if record.status == SessionStatus.PENDING and (
        report.id_token is not None or report.remote_start_id is not None
    ):
        return True
    changes_state = report.charging_state is not None and report.charging_state != meter.charging_state
    if changes_state and not is_late(record, report):
        return True
    return documents.due(record.last_patch_at, now, interval)


@dataclass
class Live:
    """One running transaction: the row as last written plus the events since (`dirty` when there are
    any), and `version`, the row's `updated_at` when this process last read or wrote it."""

    record: Copy
    meter: Meter
    version: datetime
    dirty: bool = False

    def onto(self, record: TransactionRecord) -> None:
        """What the events since the last write changed, onto the row just read."""
        record.state = {**self.record.state, "meter": self.meter.dump()}
        record.last_seq_no = self.record.last_seq_no
        record.last_event_at = self.record.last_event_at


class LiveTransactions:
    """The running transactions this process has written or read, by station and transaction id. Writes
    are staged until their database transaction commits."""

    def __init__(self) -> None:
        self._stations: dict[str, dict[str, Live]] = {}
        self._staged: dict[str, list[tuple[Copy, Meter]]] = {}

    def get(self, station_id: str, transaction_id: str | None) -> Live | None:
        if transaction_id is None:
            return None
        return self._stations.get(station_id, {}).get(transaction_id)

    def current(self, record: TransactionRecord) -> Live | None:
        """The copy of this row, if it is still the row's latest; a copy the row moved past (another
        process wrote it) is dropped."""
        live = self.get(record.station_id, record.transaction_id)
        if live is None:
            return None
        if live.record.id != record.id or live.version != record.updated_at:
            self.drop(record.station_id, record.transaction_id)
            return None
        return live

    def stage(self, record: TransactionRecord, meter: Meter) -> None:
        self._staged.setdefault(record.station_id, []).append((Copy.of(record), meter))

    def commit(self, station_id: str) -> None:
        for record, meter in self._staged.pop(station_id, []):
            if record.transaction_id is None:
                continue
            if record.ended_at is not None:
                self.drop(station_id, record.transaction_id)
                continue
            live = Live(record, meter, record.updated_at)
            self._stations.setdefault(station_id, {})[record.transaction_id] = live

    def abort(self, station_id: str) -> None:
        self._staged.pop(station_id, None)

    def drop(self, station_id: str, transaction_id: str | None) -> None:
        entries = self._stations.get(station_id)
        if entries is not None and transaction_id is not None:
            entries.pop(transaction_id, None)
            if not entries:
                del self._stations[station_id]

    def release(self, station_id: str) -> list[Live]:
        """Forget the station's transactions; returns them."""
        return list(self._stations.pop(station_id, {}).values())

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._stations.values())
