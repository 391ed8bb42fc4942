"""The asynchronous half of the Commands and ChargingProfiles Receiver (mod_commands_flow): app-owned background tasks."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import State

from hub.config import Settings

log = logging.getLogger("hub.commands")

Work = Callable[[], Coroutine[Any, Any, None]]


class CommandSettings(BaseModel):
    """How long we wait for chargers; from `OCPI_HUB_COMMAND_TIMEOUT` (hub.config.Settings) unless a test
    sets `app.state.command_settings`."""

    command_timeout: float = Field(
        default=30.0,
        gt=0,
        description="seconds to wait for a charger's answer to a command or profile request",
    )


class TaskRunner:
    """Background tasks of one app: started, awaited (tests), cancelled at shutdown. mod_commands_flow: "To
    prevent long blocking calls, the commands module is designed to work asynchronously"."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def start(self, work: Work, name: str) -> None:
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(work(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def join(self) -> None:
        """Wait until every task started so far (and any they start) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Cancel what is still running: a result not yet posted is not posted (the Sender's timeout covers it)."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def runner(state: State) -> TaskRunner:
    """The app's runner, made on first use (create_app knows nothing of it)."""
    existing: TaskRunner | None = getattr(state, "command_runner", None)
    if existing is None:
        existing = TaskRunner()
        state.command_runner = existing
    return existing


def command_settings(state: State) -> CommandSettings:
    existing: CommandSettings | None = getattr(state, "command_settings", None)
    if existing is None:
        settings: Settings = state.settings
        existing = CommandSettings(command_timeout=settings.command_timeout)
        state.command_settings = existing
    return existing


def reported_timeout(state: State) -> int:
    """The `timeout` we promise in a CommandResponse/ChargingProfileResponse: the charger's time plus the time
    to POST the result, in whole seconds."""
    settings: Settings = state.settings
    return math.ceil(command_settings(state).command_timeout + settings.partner_timeout)


_PENDING = "hub.commands.after_commit"


def _run_pending(session: Session) -> None:
    for start in session.info.pop(_PENDING, []):
        start()


def _drop_pending(session: Session, _previous: object) -> None:
    session.info.pop(_PENDING, None)


def start_after_commit(session: AsyncSession, state: State, work: Work, name: str) -> None:
    """Start `work` once `session` commits (never when it rolls back): the task then sees what the request
    wrote, on PostgreSQL as on SQLite, and the request does not wait for it."""
    sync_session = session.sync_session
    if not sync_session.in_transaction():
        sync_session.begin()  # the work belongs to this transaction: its rollback drops it
    if not event.contains(sync_session, "after_commit", _run_pending):
        event.listen(sync_session, "after_commit", _run_pending)
        # after_soft_rollback: every rollback, also one before any statement ran.
        event.listen(sync_session, "after_soft_rollback", _drop_pending)
    sync_session.info.setdefault(_PENDING, []).append(lambda: runner(state).start(work, name))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        existing: TaskRunner | None = getattr(app.state, "command_runner", None)
        if existing is not None:
            await existing.close()


# Mounted through the modules' `extra`: FastAPI merges an included router's lifespan into the app's, so the
# tasks are cancelled at shutdown (before the engine and HTTP client close).
lifespan_router = APIRouter(lifespan=_lifespan)
