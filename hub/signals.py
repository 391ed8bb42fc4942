"""In-process wake-ups after a commit that wrote changes: the delivery worker and the availability feed wait
on them instead of polling (other processes still find the rows by polling)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

_SIGNAL = "hub.signal"
_WRITTEN = "hub.changes_written"
_CREDENTIALS = "hub.credentials_written"


class ChangeSignal:
    """Wakes every waiter once per notify(); a waiter that was not waiting keeps the wake-up for its next
    wait, so a commit between two looks at the database is never missed."""

    def __init__(self) -> None:
        self._events: set[asyncio.Event] = set()
        # Called after a commit that changed credentials (mark_credentials), e.g. to forget cached callers.
        self.credentials_listeners: list[Callable[[], None]] = []

    def subscribe(self) -> asyncio.Event:
        wake = asyncio.Event()
        self._events.add(wake)
        return wake

    def unsubscribe(self, wake: asyncio.Event) -> None:
        self._events.discard(wake)

    def notify(self) -> None:
        for wake in self._events:
            wake.set()


async def wait(wake: asyncio.Event, seconds: float) -> bool:
    """True when woken, False after `seconds`; the event is cleared either way."""
    try:
        await asyncio.wait_for(wake.wait(), seconds)
        return True
    except TimeoutError:
        return False
    finally:
        wake.clear()


def session_info(signal: ChangeSignal) -> dict[str, object]:
    """The `info` of a sessionmaker whose sessions wake `signal` after committing changes."""
    return {_SIGNAL: signal}


def mark_changes(session: AsyncSession) -> None:
    """This transaction wrote outbox rows or change events: wake the waiters when it commits."""
    session.sync_session.info[_WRITTEN] = True


def mark_credentials(session: AsyncSession) -> None:
    """This transaction changed a partner's tokens, status or roles: forget cached callers when it commits."""
    session.sync_session.info[_CREDENTIALS] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_WRITTEN, False):
        signal = session.info.get(_SIGNAL)
        if isinstance(signal, ChangeSignal):
            signal.notify()
    if session.info.pop(_CREDENTIALS, False):
        signal = session.info.get(_SIGNAL)
        if isinstance(signal, ChangeSignal):
            for forget in signal.credentials_listeners:
                forget()


def _after_rollback(session: Session, _previous: object) -> None:
    session.info.pop(_WRITTEN, None)
    session.info.pop(_CREDENTIALS, None)


event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", _after_rollback)
