"""What the charging side tells others after a transaction event is committed (site load balancing listens):
a transaction started or ended, or its measured power. Calls are synchronous and must stay cheap: they run
on the meter-value path, under the station's lock."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from hub.ports import MeterReading, TransactionEventKind, TransactionOutcome, TransactionReport


class ChargingObserver(Protocol):
    """Told after each committed transaction event that belongs to a Session. `evse` is the OCPP evse (1.6
    connectorId, 2.0.1 evseId) where known. A `metered` call may come for a Session never announced as
    started (a 2.0.1 transaction first seen in an Updated event, or one running when this process started):
    treat it as started. `at` is the reading's timestamp: events queued offline arrive late."""

    def transaction_started(self, station_id: str, session_id: str, evse: int | None) -> None: ...

    def transaction_ended(self, station_id: str, session_id: str) -> None: ...

    def metered(self, station_id: str, session_id: str, power_w: Decimal, at: datetime) -> None: ...


def latest_power(report: TransactionReport) -> MeterReading | None:
    """The event's latest reading that has a power."""
    best = None
    for reading in report.meter:
        if reading.power_w is not None and (best is None or reading.timestamp >= best.timestamp):
            best = reading
    return best


def notify(
    observer: ChargingObserver, station_id: str, report: TransactionReport, outcome: TransactionOutcome
) -> None:
    session_id = outcome.session_id
    if session_id is None:
        return
    if report.kind == TransactionEventKind.ENDED:
        observer.transaction_ended(station_id, session_id)
        return
    if report.kind == TransactionEventKind.STARTED:
        observer.transaction_started(station_id, session_id, report.evse)
    reading = latest_power(report)
    if reading is not None and reading.power_w is not None:
        observer.metered(station_id, session_id, reading.power_w, reading.timestamp)
