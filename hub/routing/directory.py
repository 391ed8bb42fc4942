"""Who is who for routing, kept in memory for a moment (transport_and_format_message_routing): the caller behind
a token with its credentials roles, and the platforms holding a party with their endpoint for a module. Each
forwarded request would otherwise read four partner tables before it could go out.

An entry lives at most TTL seconds, and every commit in this process that writes a partner table (a
registration, a token rotation, a suspension, a change of reachability) empties the cache at once; other
processes sharing the database see such a change within TTL seconds."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth import Caller, authenticate_registered
from hub.ocpi.headers import PartyRef
from hub.routing.repository import RoutingRepository
from hub.tables import PartnerRecord

TTL = 2.0
MAX_ENTRIES = 10_000
_PARTNER_TABLES = frozenset({"partner", "partner_token", "partner_role", "partner_endpoint"})
_CHANGED = "hub.routing.partners_changed"
_generation = 0  # bumped by every commit in this process that wrote a partner table


@dataclass(frozen=True)
class KnownCaller:
    """A registered partner and its credentials roles as (role, party)."""

    caller: Caller
    roles: tuple[tuple[str, PartyRef], ...]


Reachable = Sequence[tuple[PartnerRecord, str | None]]


class RoutingDirectory:
    def __init__(self, ttl: float = TTL) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._generation = _generation

    def _get(self, key: tuple[Any, ...]) -> Any:
        if self._generation != _generation:
            self._entries.clear()
            self._generation = _generation
        found = self._entries.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def _put(self, key: tuple[Any, ...], value: Any) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, value)

    async def caller(self, request: Request, session: AsyncSession) -> KnownCaller:
        """The registered partner behind the request's token (HTTP 401 otherwise, never cached)."""
        key = ("caller", request.headers.get("Authorization"))
        known: KnownCaller | None = self._get(key)
        if known is None:
            caller = await authenticate_registered(request, session)
            roles = await RoutingRepository(session).parties_of(caller.partner_id)
            known = KnownCaller(caller, tuple((r.role, PartyRef(r.country_code, r.party_id)) for r in roles))
            self._put(key, known)
        return known

    async def reachable(
        self, repo: RoutingRepository, module: str, interface_role: str, party: PartyRef
    ) -> Reachable:
        key = ("reachable", party, module, interface_role)
        found: Reachable | None = self._get(key)
        if found is None:
            found = await repo.reachable(module, interface_role, party=party)
            self._put(key, found)
        return found


def _after_flush(session: Session, _context: object) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        if getattr(instance, "__tablename__", None) in _PARTNER_TABLES:
            session.info[_CHANGED] = True
            return


def _orm_execute(state: ORMExecuteState) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    mapper = state.bind_mapper
    if writes and mapper is not None and getattr(mapper.local_table, "name", None) in _PARTNER_TABLES:
        state.session.info[_CHANGED] = True


def _after_commit(session: Session) -> None:
    global _generation
    if session.info.pop(_CHANGED, False):
        _generation += 1


def _after_rollback(session: Session, _previous: object) -> None:
    session.info.pop(_CHANGED, None)


event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _orm_execute)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", _after_rollback)
