"""Locations: storing, patching and reading Locations, EVSEs and Connectors (mod_locations_emsp_interface,
mod_locations_cpo_interface), for objects partners push to us and for our own data.

Partners' objects are stored as sent ("the last_updated fields SHALL NOT be updated" by anyone but the
owner); only parents' `last_updated` follow a newer child, as the spec requires. Our own objects are stamped
with the time of the change, and only when something changed, so re-importing the same data bumps nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.errors import InvalidParametersError, ObjectNotFoundError, UnknownLocationError
from hub.hub_role.broadcast import broadcast
from hub.modules.objects import (
    ObjectRepository,
    Owner,
    Writer,
    check_same,
    from_json,
    key,
    later,
    same_content,
    to_json,
    validate,
)
from hub.ocpi.base import format_datetime, parse_datetime, utc_now
from hub.ocpi.envelope import dump
from hub.ocpi.v221.locations import EVSE, Connector, ConnectorPatch, EVSEPatch, Location, LocationPatch
from hub.tables import LocationRecord

MODULE = "locations"


def repository(session: AsyncSession) -> ObjectRepository[LocationRecord]:
    return ObjectRepository(session, LocationRecord)


def _index(items: list[dict[str, Any]] | None, field: str, value: str) -> int | None:
    for i, item in enumerate(items or []):
        if str(item.get(field, "")).upper() == value.upper():
            return i
    return None


def _differs(new: Any, old: Any) -> bool:
    return not same_content(new, old)


def _stamp(new: dict[str, Any], old: dict[str, Any] | None, now: str) -> None:
    """Stamp `now` on every level of a Location whose content changed (a Connector bumps its EVSE and
    its Location, as mod_locations_emsp_interface requires)."""
    old_evses = (old or {}).get("evses") or []
    for evse in new.get("evses") or []:
        j = _index(old_evses, "uid", evse["uid"])
        old_evse = old_evses[j] if j is not None else None
        old_connectors = (old_evse or {}).get("connectors") or []
        for connector in evse.get("connectors") or []:
            k = _index(old_connectors, "id", connector["id"])
            old_connector = old_connectors[k] if k is not None else None
            connector["last_updated"] = (
                now
                if old_connector is None or _differs(connector, old_connector)
                else old_connector["last_updated"]
            )
        evse["last_updated"] = (
            now if old_evse is None or _differs(evse, old_evse) else old_evse["last_updated"]
        )
    new["last_updated"] = now if old is None or _differs(new, old) else old["last_updated"]


class LocationService:
    """Operations on one owner's Locations within one database session."""

    def __init__(self, session: AsyncSession, owner: Owner, writer: Writer) -> None:
        self.repo = repository(session)
        self.owner = owner
        self.writer = writer

    async def _record(self, location_id: str) -> LocationRecord | None:
        return await self.repo.get(self.owner, location_id)

    async def _existing(
        self, location_id: str, *, patching: bool = False
    ) -> tuple[LocationRecord, dict[str, Any]]:
        record = await self._record(location_id)
        if record is None:
            if patching:
                # A PATCH of an object we do not have: 404, and the owner "is expected" to PUT it
                # (transport_and_format_patch).
                raise ObjectNotFoundError(
                    f"Location {location_id} of {self.owner} not found: PUT the whole Location"
                )
            raise UnknownLocationError(
                f"Location {location_id} of {self.owner} is unknown: PUT the Location first"
            )
        self._check_writer(record)
        return record, from_json(record.body)

    def _check_writer(self, record: LocationRecord) -> None:
        if self.writer.local and record.partner_id is not None:
            raise InvalidParametersError(
                f"Location {record.object_key} of {self.owner} belongs to a partner, not to us"
            )

    async def _store(
        self,
        record: LocationRecord | None,
        location_id: str,
        body: dict[str, Any],
        old: dict[str, Any] | None,
    ) -> bool:
        """Validate and store the whole Location. Returns False when our own data did not change."""
        location = validate(Location, body)
        canonical = dump(location)
        self._unchanged = canonical == old
        if self.writer.local:
            _stamp(canonical, old, format_datetime(utc_now()))
            if old is not None and canonical == old:
                return False
        if record is None:
            record = LocationRecord(
                country_code=self.owner.country_code,
                party_id=self.owner.party_id,
                object_key=key(location_id),
                partner_id=self.writer.partner_id,
                last_updated=utc_now(),
                body="",
            )
        record.body = to_json(canonical)
        record.last_updated = parse_datetime(canonical["last_updated"])
        record.partner_id = self.writer.partner_id
        await self.repo.save(record)
        self._last = canonical
        return True

    async def _event(
        self,
        method: str,
        body: dict[str, Any],
        *,
        evse_uid: str | None = None,
        connector_id: str | None = None,
        location_id: str,
    ) -> None:
        # The event names the objects by their stored ids, not by the spelling of the URL (CiString).
        stored = self._last
        if evse_uid is not None:
            evse = self._evse(stored, location_id, evse_uid)
            evse_uid = evse["uid"]
            if connector_id is not None:
                connector_id = self._connector(evse, location_id, evse_uid, connector_id)["id"]
        if not self.writer.local:
            owner = (self.owner.country_code, self.owner.party_id)
            await broadcast(
                self.repo.session,
                self.writer.partner_id,
                MODULE,
                owner,
                stored["id"],
                method,
                body,
                evse_uid=evse_uid,
                connector_id=connector_id,
                unchanged=self._unchanged,
            )
            return
        await self.repo.record_change(
            MODULE, self.owner, stored["id"], method, body, evse_uid=evse_uid, connector_id=connector_id
        )

    # -- reads -----------------------------------------------------------------------------------------

    async def get(self, location_id: str) -> dict[str, Any]:
        record = await self._record(location_id)
        if record is None:
            raise ObjectNotFoundError(f"Location {location_id} of {self.owner} not found")
        return from_json(record.body)

    # -- PUT -------------------------------------------------------------------------------------------

    async def put_location(self, location_id: str, location: Location) -> tuple[bool, bool]:
        """Create or replace a Location. Returns (created, changed)."""
        check_same("country_code", self.owner.country_code, location.country_code)
        check_same("party_id", self.owner.party_id, location.party_id)
        check_same("id", location_id, location.id)
        record = await self._record(location_id)
        if record is not None:
            self._check_writer(record)
        old = from_json(record.body) if record is not None else None
        changed = await self._store(record, location_id, dump(location), old)
        if changed:
            await self._event("PUT", self._last, location_id=location_id)
        return record is None, changed

    async def put_evse(self, location_id: str, evse_uid: str, evse: EVSE) -> bool:
        """Create or replace an EVSE of a Location. Returns created."""
        check_same("uid", evse_uid, evse.uid)
        record, body = await self._existing(location_id)
        old = from_json(record.body)
        evses = body.setdefault("evses", [])
        i = _index(evses, "uid", evse_uid)
        new_evse = dump(evse)
        if i is None:
            evses.append(new_evse)
        else:
            evses[i] = new_evse
        if not self.writer.local:
            body["last_updated"] = later(body["last_updated"], new_evse["last_updated"])
        if await self._store(record, location_id, body, old):
            stored = self._last["evses"][_index(self._last["evses"], "uid", evse_uid) or 0]
            await self._event("PUT", stored, location_id=location_id, evse_uid=evse_uid)
        return i is None

    async def put_connector(
        self, location_id: str, evse_uid: str, connector_id: str, connector: Connector
    ) -> bool:
        """Create or replace a Connector of an EVSE. Returns created."""
        check_same("id", connector_id, connector.id)
        record, body = await self._existing(location_id)
        old = from_json(record.body)
        evse = self._evse(body, location_id, evse_uid)
        connectors = evse.setdefault("connectors", [])
        k = _index(connectors, "id", connector_id)
        new_connector = dump(connector)
        if k is None:
            connectors.append(new_connector)
        else:
            connectors[k] = new_connector
        if not self.writer.local:
            evse["last_updated"] = later(evse["last_updated"], new_connector["last_updated"])
            body["last_updated"] = later(body["last_updated"], new_connector["last_updated"])
        if await self._store(record, location_id, body, old):
            stored = self._connector(
                self._evse(self._last, location_id, evse_uid), location_id, evse_uid, connector_id
            )
            await self._event(
                "PUT", stored, location_id=location_id, evse_uid=evse_uid, connector_id=connector_id
            )
        return k is None

    # -- PATCH -----------------------------------------------------------------------------------------

    async def patch_location(self, location_id: str, patch: LocationPatch) -> None:
        check_same("country_code", self.owner.country_code, patch.country_code)
        check_same("party_id", self.owner.party_id, patch.party_id)
        check_same("id", location_id, patch.id)
        record, body = await self._existing(location_id, patching=True)
        old = from_json(record.body)
        changes = patch.model_dump(mode="json", exclude_unset=True)
        for field, value in changes.items():
            if field == "evses" and value is not None:
                # A PATCH "cannot remove information": EVSEs merge by uid instead of replacing the list.
                evses = body.setdefault("evses", [])
                for evse in value:
                    i = _index(evses, "uid", evse["uid"])
                    if i is None:
                        evses.append(evse)
                    else:
                        evses[i] = evse
            else:
                body[field] = value
        if await self._store(record, location_id, body, old):
            await self._event(
                "PATCH", {**changes, "last_updated": self._last["last_updated"]}, location_id=location_id
            )

    async def patch_evse(self, location_id: str, evse_uid: str, patch: EVSEPatch) -> None:
        check_same("uid", evse_uid, patch.uid)
        record, body = await self._existing(location_id, patching=True)
        old = from_json(record.body)
        evse = self._evse(body, location_id, evse_uid)
        changes = patch.model_dump(mode="json", exclude_unset=True)
        for field, value in changes.items():
            if field == "connectors" and value is not None:
                connectors = evse.setdefault("connectors", [])
                for connector in value:
                    k = _index(connectors, "id", connector["id"])
                    if k is None:
                        connectors.append(connector)
                    else:
                        connectors[k] = connector
            else:
                evse[field] = value
        if not self.writer.local:
            body["last_updated"] = later(body["last_updated"], evse["last_updated"])
        if await self._store(record, location_id, body, old):
            stamped = self._evse(self._last, location_id, evse_uid)["last_updated"]
            await self._event(
                "PATCH", {**changes, "last_updated": stamped}, location_id=location_id, evse_uid=evse_uid
            )

    async def patch_connector(
        self, location_id: str, evse_uid: str, connector_id: str, patch: ConnectorPatch
    ) -> None:
        check_same("id", connector_id, patch.id)
        record, body = await self._existing(location_id, patching=True)
        old = from_json(record.body)
        evse = self._evse(body, location_id, evse_uid)
        connector = self._connector(evse, location_id, evse_uid, connector_id)
        changes = patch.model_dump(mode="json", exclude_unset=True)
        connector.update(changes)
        if not self.writer.local:
            evse["last_updated"] = later(evse["last_updated"], connector["last_updated"])
            body["last_updated"] = later(body["last_updated"], connector["last_updated"])
        if await self._store(record, location_id, body, old):
            stored = self._connector(
                self._evse(self._last, location_id, evse_uid), location_id, evse_uid, connector_id
            )
            await self._event(
                "PATCH",
                {**changes, "last_updated": stored["last_updated"]},
                location_id=location_id,
                evse_uid=evse_uid,
                connector_id=connector_id,
            )

    # -- children --------------------------------------------------------------------------------------

    @staticmethod
    def _evse(body: dict[str, Any], location_id: str, evse_uid: str) -> dict[str, Any]:
        i = _index(body.get("evses"), "uid", evse_uid)
        if i is None:
            raise ObjectNotFoundError(f"EVSE {evse_uid} of Location {location_id} not found")
        evse: dict[str, Any] = body["evses"][i]
        return evse

    @staticmethod
    def _connector(
        evse: dict[str, Any], location_id: str, evse_uid: str, connector_id: str
    ) -> dict[str, Any]:
        k = _index(evse.get("connectors"), "id", connector_id)
        if k is None:
            raise ObjectNotFoundError(
                f"Connector {connector_id} of EVSE {evse_uid} of Location {location_id} not found"
            )
        connector: dict[str, Any] = evse["connectors"][k]
        return connector

    def evse(self, body: dict[str, Any], location_id: str, evse_uid: str) -> dict[str, Any]:
        return self._evse(body, location_id, evse_uid)

    def connector(
        self, body: dict[str, Any], location_id: str, evse_uid: str, connector_id: str
    ) -> dict[str, Any]:
        return self._connector(self._evse(body, location_id, evse_uid), location_id, evse_uid, connector_id)


def last_updated_of(body: dict[str, Any]) -> datetime:
    return validate(Location, body).last_updated
