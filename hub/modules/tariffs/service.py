"""Tariffs: storing and reading Tariffs (mod_tariffs_emsp_interface, mod_tariffs_cpo_interface), for objects
partners push to us and for our own data (stamped only when they change)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.errors import InvalidParametersError, ObjectNotFoundError
from hub.hub_role.broadcast import broadcast
from hub.modules.objects import (
    ObjectRepository,
    Owner,
    Writer,
    check_same,
    from_json,
    key,
    same_content,
    to_json,
)
from hub.ocpi.base import format_datetime, parse_datetime, utc_now
from hub.ocpi.envelope import dump
from hub.ocpi.v221.tariffs import Tariff
from hub.tables import TariffRecord

MODULE = "tariffs"


def repository(session: AsyncSession) -> ObjectRepository[TariffRecord]:
    return ObjectRepository(session, TariffRecord)


class TariffService:
    """Operations on one owner's Tariffs within one database session."""

    def __init__(self, session: AsyncSession, owner: Owner, writer: Writer) -> None:
        self.repo = repository(session)
        self.owner = owner
        self.writer = writer

    @property
    def _owner(self) -> tuple[str, str]:
        return (self.owner.country_code, self.owner.party_id)

    async def _record(self, tariff_id: str) -> TariffRecord | None:
        record = await self.repo.get(self.owner, tariff_id)
        if record is not None and self.writer.local and record.partner_id is not None:
            raise InvalidParametersError(
                f"Tariff {tariff_id} of {self.owner} belongs to a partner, not to us"
            )
        return record

    async def get(self, tariff_id: str) -> dict[str, Any]:
        record = await self._record(tariff_id)
        if record is None:
            raise ObjectNotFoundError(f"Tariff {tariff_id} of {self.owner} not found")
        return from_json(record.body)

    async def put(self, tariff_id: str, tariff: Tariff) -> tuple[bool, bool]:
        """Create or replace a Tariff. Returns (created, changed)."""
        check_same("country_code", self.owner.country_code, tariff.country_code)
        check_same("party_id", self.owner.party_id, tariff.party_id)
        check_same("id", tariff_id, tariff.id)
        record = await self._record(tariff_id)
        body = dump(tariff)
        unchanged = record is not None and from_json(record.body) == body
        if self.writer.local:
            if record is not None and same_content(body, from_json(record.body)):
                return False, False
            body["last_updated"] = format_datetime(utc_now())
        created = record is None
        if record is None:
            record = TariffRecord(
                country_code=self.owner.country_code,
                party_id=self.owner.party_id,
                object_key=key(tariff_id),
                partner_id=self.writer.partner_id,
                last_updated=utc_now(),
                body="",
            )
        record.body = to_json(body)
        record.last_updated = parse_datetime(body["last_updated"])
        record.partner_id = self.writer.partner_id
        await self.repo.save(record)
        if self.writer.local:
            await self.repo.record_change(MODULE, self.owner, body["id"], "PUT", body)
        else:
            await broadcast(
                self.repo.session,
                self.writer.partner_id,
                MODULE,
                self._owner,
                body["id"],
                "PUT",
                body,
                unchanged=unchanged,
            )
        return created, True

    async def delete(self, tariff_id: str) -> None:
        record = await self._record(tariff_id)
        if record is None:
            raise ObjectNotFoundError(f"Tariff {tariff_id} of {self.owner} not found")
        await self.repo.delete(record)
        if self.writer.local:
            await self.repo.record_change(MODULE, self.owner, tariff_id, "DELETE", None)
        else:
            stored_id = from_json(record.body)["id"]
            await broadcast(
                self.repo.session, self.writer.partner_id, MODULE, self._owner, stored_id, "DELETE", None
            )
