"""Storage and rules shared by the modules that carry owned objects: Client Owned Object push
(transport_and_format_client_owned_object_push) and paginated Sender lists (transport_and_format_pagination)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from fastapi import Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, func, insert, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.analytics.history import LOCATIONS, STATUS_HISTORY, status_rows
from hub.auth import Caller
from hub.errors import InvalidParametersError, ObjectNotFoundError, describe_validation_errors
from hub.ocpi.base import ci_equal, format_datetime, parse_datetime, utc_now
from hub.ocpi.enums import Role
from hub.ocpi.pagination import PageRequest, PaginationError, page_headers
from hub.ocpi.status import StatusCode
from hub.outbox.enqueue import Change, OutboxWriter
from hub.partners.repository import PartnerRepository
from hub.signals import mark_changes
from hub.tables import ChangeEventRecord
from hub.tables.objects import OwnedObject

R = TypeVar("R", bound=OwnedObject)
M = TypeVar("M", bound=BaseModel)
S = TypeVar("S")


@dataclass(frozen=True)
class Owner:
    """The owner party of an object, upper-cased (CiString)."""

    country_code: str
    party_id: str

    @classmethod
    def of(cls, country_code: str, party_id: str) -> Owner:
        return cls(country_code.upper(), party_id.upper())

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id}"


@dataclass(frozen=True)
class Writer:
    """Who writes: a partner pushing its objects, or our own data (partner_id None), which is stamped."""

    partner_id: int | None

    @property
    def local(self) -> bool:
        return self.partner_id is None


def key(object_id: str) -> str:
    return object_id.upper()


def to_json(body: dict[str, Any]) -> str:
    return orjson.dumps(body).decode()


def from_json(body: str) -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads(body)
    return value


def _without_timestamps(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timestamps(v) for k, v in value.items() if k != "last_updated"}
    if isinstance(value, list):
        return [_without_timestamps(v) for v in value]
    return value


def same_content(new: Any, old: Any) -> bool:
    """Equal apart from `last_updated` at any depth: our own data only gets a new stamp when this is False."""
    return bool(_without_timestamps(new) == _without_timestamps(old))


def validate(model: type[M], data: Any, *, prefix: str = "") -> M:
    """Validate `data` as `model`; a failure is 2001 naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message = describe_validation_errors(exc.errors())
        raise InvalidParametersError(f"{prefix}{message}" if prefix else message) from None


class ObjectRepository(Generic[R]):
    """All SQL on one table of owned objects."""

    def __init__(self, session: AsyncSession, record: type[R]) -> None:
        self.session = session
        self.record = record
        self._preloaded: dict[tuple[str, str, str], R | None] | None = None
        self._inserts: list[R] = []
        self._events: list[dict[str, Any]] = []
        self._changes: list[Change] = []
        self._statuses: list[dict[str, Any]] = []

    async def preload(self, owners: Sequence[Owner], object_ids: Sequence[str]) -> None:
        """Load these objects in one query so that bulk writes (imports) need no query per object."""
        wanted = {(o.country_code, o.party_id, key(i)) for o, i in zip(owners, object_ids, strict=True)}
        found: dict[tuple[str, str, str], R | None] = dict.fromkeys(wanted)
        keys = sorted({k for _, _, k in wanted})
        for start in range(0, len(keys), 500):
            statement = select(self.record).where(col(self.record.object_key).in_(keys[start : start + 500]))
            for record in (await self.session.exec(statement)).all():
                identity = (record.country_code, record.party_id, record.object_key)
                if identity in found:
                    found[identity] = record
        self._preloaded = found

    def use_loaded(self, record: R) -> None:
        """Bulk mode on an object the caller has already read (locked): the writes that follow read it from
        memory and go out together at flush_bulk()."""
        if self._preloaded is None:
            self._preloaded = {}
        self._preloaded[(record.country_code, record.party_id, record.object_key)] = record

    async def get(self, owner: Owner, object_id: str) -> R | None:
        identity = (owner.country_code, owner.party_id, key(object_id))
        if self._preloaded is not None and identity in self._preloaded:
            return self._preloaded[identity]
        statement = select(self.record).where(
            col(self.record.country_code) == owner.country_code,
            col(self.record.party_id) == owner.party_id,
            col(self.record.object_key) == key(object_id),
        )
        return (await self.session.exec(statement)).first()

    async def get_local(self, object_id: str, owners: Sequence[Owner]) -> R | None:
        """One of our own objects by id, among the given local owners (the Sender URL names no owner)."""
        for owner in owners:
            record = await self.get(owner, object_id)
            if record is not None and record.partner_id is None:
                return record
        return None

    async def save(self, record: R) -> None:
        if self._preloaded is None:
            self.session.add(record)
            await self.session.flush()
            return
        identity = (record.country_code, record.party_id, record.object_key)
        if getattr(record, "id", None) is None and self._preloaded.get(identity) is None:
            # Bulk mode: new rows go out in one executemany at flush_bulk(), not one INSERT each.
            self._inserts.append(record)
        else:
            self.session.add(record)
        self._preloaded[identity] = record

    async def flush_bulk(self) -> None:
        """Write what bulk mode collected: new objects and change events, each table in one statement."""
        columns = [c.name for c in self.record.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
        outbox = OutboxWriter(self.session)
        if self._changes:
            # Its reads before the first write: on SQLite the write lock is held only for the writes.
            with self.session.no_autoflush:
                await outbox.prepare(self._changes)
        if self._inserts:
            rows = [{c: getattr(r, c) for c in columns} for r in self._inserts]
            await self.session.exec(insert(self.record), params=rows)
        if self._events:
            await self.session.exec(insert(ChangeEventRecord), params=self._events)
            mark_changes(self.session)
        if self._changes:
            await outbox.add(self._changes)
        if self._statuses:
            await (await self.session.connection()).execute(insert(STATUS_HISTORY), self._statuses)
        self._inserts, self._events, self._changes, self._statuses = [], [], [], []

    async def delete(self, record: R) -> None:
        await self.session.delete(record)
        await self.session.flush()

    async def page(self, *, owners: Sequence[Owner], page: PageRequest) -> tuple[int, list[str]]:
        """Our own objects for a Sender list: (total matching, bodies of this page), oldest first with the
        row id as tie-breaker so the order is stable (DESIGN decision 7)."""
        table = self.record
        if not owners:
            return 0, []
        conditions: list[ColumnElement[bool]] = [col(table.partner_id).is_(None)]
        if len(owners) == 1:
            # Equality lets the page index (partner_id, country_code, party_id, last_updated, id) both filter
            # and order; a tuple IN makes SQLite read every row's owner from the table.
            conditions += [
                col(table.country_code) == owners[0].country_code,
                col(table.party_id) == owners[0].party_id,
            ]
        else:
            conditions.append(
                tuple_(col(table.country_code), col(table.party_id)).in_(
                    [(o.country_code, o.party_id) for o in owners]
                )
            )
        if page.date_from is not None:
            conditions.append(col(table.last_updated) >= page.date_from)
        if page.date_to is not None:
            conditions.append(col(table.last_updated) < page.date_to)
        # Core statements on the session's connection: the ORM's result machinery cost more than the queries.
        connection = await self.session.connection()
        total = (
            await connection.execute(sa_select(func.count()).select_from(table).where(*conditions))
        ).scalar_one()
        if page.limit == 0:
            return int(total), []
        rows = await connection.execute(
            sa_select(col(table.body))
            .where(*conditions)
            .order_by(col(table.last_updated), col(table.id))  # type: ignore[attr-defined]
            .offset(page.offset)
            .limit(page.limit)
        )
        return int(total), list(rows.scalars().all())

    async def record_change(
        self,
        module: str,
        owner: Owner,
        object_id: str,
        method: str,
        body: dict[str, Any] | None,
        *,
        evse_uid: str | None = None,
        connector_id: str | None = None,
        object_type: str | None = None,
        token_owner: tuple[str, str] | None = None,
    ) -> None:
        """Record a change to our data and queue its push to every partner entitled to it, in this
        transaction (DESIGN decision 5). `object_type` is a Token's type; `token_owner` the eMSP owning the
        token of a Session or CDR."""
        now = utc_now()
        event: dict[str, Any] = {
            "module": module,
            "country_code": owner.country_code,
            "party_id": owner.party_id,
            "object_id": object_id,
            "evse_uid": evse_uid,
            "connector_id": connector_id,
            "method": method,
            "body": None if body is None else to_json(body),
            "created_at": now,
        }
        change = Change(
            module=module,
            country_code=owner.country_code,
            party_id=owner.party_id,
            object_id=object_id,
            method=method,
            body=body,
            evse_uid=evse_uid,
            connector_id=connector_id,
            object_type=object_type,
            token_owner=token_owner,
            changed_at=now,
        )
        statuses = (
            status_rows(owner.country_code, owner.party_id, object_id, method, body, evse_uid, now)
            if module == LOCATIONS and connector_id is None and body is not None
            else []
        )
        if self._preloaded is not None:
            self._events.append(event)
            self._changes.append(change)
            self._statuses += statuses
            return
        self.session.add(ChangeEventRecord(**event))
        if statuses:
            await (await self.session.connection()).execute(insert(STATUS_HISTORY), statuses)
        mark_changes(self.session)
        await OutboxWriter(self.session).add([change])


def parse_page(request: Request, max_limit: int) -> PageRequest:
    q = request.query_params
    try:
        return PageRequest.parse(
            offset=q.get("offset"),
            limit=q.get("limit"),
            date_from=q.get("date_from"),
            date_to=q.get("date_to"),
            max_limit=max_limit,
        )
    except PaginationError as exc:
        raise InvalidParametersError(str(exc)) from None


def list_response(
    request: Request, base_url: str, page: PageRequest, total: int, bodies: list[str], max_limit: int
) -> Response:
    """A paginated list served from stored JSON bodies: joined, never re-validated."""
    data = b"[" + b",".join(body.encode() for body in bodies) + b"]"
    content = (
        b'{"data":'
        + data
        + b',"status_code":'
        + str(int(StatusCode.SUCCESS)).encode()
        + b',"timestamp":"'
        + format_datetime(utc_now()).encode()
        + b'"}'
    )
    headers = page_headers(
        url=f"{base_url}{request.url.path}", page=page, returned=len(bodies), total=total, max_limit=max_limit
    )
    return Response(content, media_type="application/json", headers=headers)


async def sender_list(
    request: Request, repo: ObjectRepository[R], owners: Sequence[Owner], base_url: str, max_limit: int
) -> Response:
    """A Sender interface's paginated list of our own objects of `owners`."""
    page = parse_page(request, max_limit)
    total, bodies = await repo.page(owners=owners, page=page)
    return list_response(request, base_url, page, total, bodies, max_limit)


def object_response(body: dict[str, Any] | str, *, http_status: int = 200) -> Response:
    data = body.encode() if isinstance(body, str) else orjson.dumps(body)
    content = (
        b'{"data":'
        + data
        + b',"status_code":1000,"timestamp":"'
        + format_datetime(utc_now()).encode()
        + b'"}'
    )
    return Response(content, status_code=http_status, media_type="application/json")


async def require_owner(session: AsyncSession, caller: Caller, country_code: str, party_id: str) -> Owner:
    """The URL's party must be one of the caller's CredentialsRoles; otherwise HTTP 404, as
    transport_and_format_errors allows, "blocking client access to objects that do not belong to them"."""
    owner = Owner.of(country_code, party_id)
    roles = await PartnerRepository(session).roles(caller.partner_id)
    # A Hub passes on the objects of the parties connected to it, under their URLs (DESIGN: the caller is, or
    # through the hub speaks for, the owner).
    if any(r.role == Role.HUB for r in roles):
        return owner
    if not any(r.country_code == owner.country_code and r.party_id == owner.party_id for r in roles):
        raise ObjectNotFoundError(f"{owner} is not one of your credentials roles")
    return owner


async def partner_service(
    session: AsyncSession,
    caller: Caller,
    country_code: str,
    party_id: str,
    service: Callable[[AsyncSession, Owner, Writer], S],
) -> S:
    """A Receiver interface's service for the URL's owner party, written to by the calling partner."""
    owner = await require_owner(session, caller, country_code, party_id)
    return service(session, owner, Writer(partner_id=caller.partner_id))


def check_same(field: str, url_value: str, body_value: Any) -> None:
    """The URL's identifiers and the body's must agree (transport_and_format_errors: otherwise 2001)."""
    if body_value is not None and not (isinstance(body_value, str) and ci_equal(url_value, body_value)):
        raise InvalidParametersError(
            f"{field}: {body_value!r} in the body differs from {url_value!r} in the URL"
        )


def later(first: str | datetime, second: str | datetime) -> str:
    """The later of two timestamps, in the form we emit."""
    return format_datetime(max(parse_datetime(first), parse_datetime(second)))
