"""Sessions: storing, patching and reading Sessions (mod_sessions_emsp_interface, mod_sessions_cpo_interface)
and setting Charging Preferences on our own (mod_sessions_set_charging_preferences).

Partners' Sessions are stored as sent (their `last_updated` untouched). Our own Sessions are stamped with the
time of the change, only when something changed, and every change records a change event. A Session must
name a Location its owner has given us: otherwise 2003 and nothing is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.errors import InvalidParametersError, ObjectNotFoundError, UnknownLocationError
from hub.modules.locations.service import repository as location_repository
from hub.modules.objects import ObjectRepository, Owner, Writer, check_same, from_json, key, to_json, validate
from hub.modules.tariffs.service import repository as tariff_repository
from hub.ocpi.base import format_datetime, parse_datetime, utc_now
from hub.ocpi.envelope import dump
from hub.ocpi.v221.locations import Capability
from hub.ocpi.v221.sessions import (
    ChargingPreferences,
    ChargingPreferencesResponse,
    ProfileType,
    Session,
    SessionPatch,
    SessionStatus,
)
from hub.ocpi.v221.tariffs import TariffType
from hub.tables.sessions import SessionRecord

MODULE = "sessions"


class ChargingPreferencesNotSupportedError(InvalidParametersError):
    """mod_sessions_charging_preferences_response_enum: a PUT for an EVSE without CHARGING_PREFERENCES_CAPABLE
    gets "an HTTP status of 404 and an OCPI status code of 2001"."""

    http_status = 404
    default_message = "Charging Preferences are not supported on this EVSE"


def repository(session: AsyncSession) -> ObjectRepository[SessionRecord]:
    return ObjectRepository(session, SessionRecord)


def _without_timestamp(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "last_updated"}


def _find(items: Any, field: str, value: str) -> dict[str, Any] | None:
    for item in items or []:
        if isinstance(item, dict) and str(item.get(field, "")).upper() == value.upper():
            return item
    return None


class SessionService:
    """Operations on one owner's Sessions within one database session."""

    def __init__(self, session: AsyncSession, owner: Owner, writer: Writer) -> None:
        self.session = session
        self.repo = repository(session)
        self.owner = owner
        self.writer = writer

    async def _record(self, session_id: str) -> SessionRecord | None:
        record = await self.repo.get(self.owner, session_id)
        if record is not None and self.writer.local and record.partner_id is not None:
            raise InvalidParametersError(
                f"Session {session_id} of {self.owner} belongs to a partner, not to us"
            )
        return record

    async def _require_location(self, location_id: str) -> None:
        """The Session's Location must be one its owner gave us (ours, for our own Sessions)."""
        location = await location_repository(self.session).get(self.owner, location_id)
        if location is None or (self.writer.local and location.partner_id is not None):
            raise UnknownLocationError(
                f"location_id: Location {location_id} of {self.owner} is unknown: PUT the Location first"
            )

    async def get(self, session_id: str) -> dict[str, Any]:
        record = await self._record(session_id)
        if record is None:
            raise ObjectNotFoundError(f"Session {session_id} of {self.owner} not found")
        return from_json(record.body)

    async def _store(self, record: SessionRecord | None, session_id: str, body: dict[str, Any]) -> None:
        if record is None:
            record = SessionRecord(
                country_code=self.owner.country_code,
                party_id=self.owner.party_id,
                object_key=key(session_id),
                partner_id=self.writer.partner_id,
                last_updated=utc_now(),
                body="",
                token_country_code="",
                token_party_id="",
            )
        record.body = to_json(body)
        record.last_updated = parse_datetime(body["last_updated"])
        record.partner_id = self.writer.partner_id
        record.token_country_code = body["cdr_token"]["country_code"].upper()
        record.token_party_id = body["cdr_token"]["party_id"].upper()
        await self.repo.save(record)

    async def put(self, session_id: str, session: Session) -> tuple[bool, bool]:
        """Create or replace a whole Session, charging_periods included (an omitted or empty list removes
        them). Returns (created, changed)."""
        check_same("country_code", self.owner.country_code, session.country_code)
        check_same("party_id", self.owner.party_id, session.party_id)
        check_same("id", session_id, session.id)
        await self._require_location(session.location_id)
        record = await self._record(session_id)
        body = dump(session)
        if self.writer.local:
            if record is not None and _without_timestamp(body) == _without_timestamp(from_json(record.body)):
                return False, False
            body["last_updated"] = format_datetime(utc_now())
        await self._store(record, session_id, body)
        if self.writer.local:
            await self.repo.record_change(
                MODULE, self.owner, body["id"], "PUT", body, token_owner=_token_owner(body)
            )
        return record is None, True

    async def patch(self, session_id: str, patch: SessionPatch) -> bool:
        """Change some fields of a Session: `charging_periods` are appended (an empty list changes nothing),
        every other field given replaces the stored one. Returns changed."""
        check_same("country_code", self.owner.country_code, patch.country_code)
        check_same("party_id", self.owner.party_id, patch.party_id)
        check_same("id", session_id, patch.id)
        record = await self._record(session_id)
        if record is None:
            # transport_and_format_patch: after a failed PATCH the owner GETs the object and PUTs it.
            raise ObjectNotFoundError(
                f"Session {session_id} of {self.owner} not found: PUT the whole Session"
            )
        old = from_json(record.body)
        body = dict(old)
        changes = patch.model_dump(mode="json", exclude_unset=True)
        for field, value in changes.items():
            if field == "charging_periods":
                if value:
                    body["charging_periods"] = [*(old.get("charging_periods") or []), *value]
            else:
                body[field] = value
        canonical = dump(validate(Session, body))
        if canonical.get("location_id", "").upper() != str(old.get("location_id", "")).upper():
            await self._require_location(canonical["location_id"])
        if self.writer.local:
            if _without_timestamp(canonical) == _without_timestamp(old):
                return False
            canonical["last_updated"] = format_datetime(utc_now())
        await self._store(record, session_id, canonical)
        if self.writer.local:
            event = {**changes, "last_updated": canonical["last_updated"]}
            if not changes.get("charging_periods"):
                event.pop("charging_periods", None)
            await self.repo.record_change(
                MODULE, self.owner, canonical["id"], "PATCH", event, token_owner=_token_owner(canonical)
            )
        return True


def _token_owner(body: dict[str, Any]) -> tuple[str, str]:
    """The eMSP owning the Session's token: the only party its pushes go to."""
    return body["cdr_token"]["country_code"].upper(), body["cdr_token"]["party_id"].upper()


async def set_charging_preferences(
    session: AsyncSession, record: SessionRecord, preferences: ChargingPreferences, now: datetime
) -> ChargingPreferencesResponse:
    """Answer a driver's Charging Preferences for one of our Sessions, and keep them when ACCEPTED.

    - EVSE unknown or without CHARGING_PREFERENCES_CAPABLE: HTTP 404 with 2001, as the spec says.
    - A Session that is over (COMPLETED, INVALID) or a departure_time already past: NOT_POSSIBLE ("a demand
      that the EVSE knows it cannot fulfill").
    - The profile needs a Tariff of ours on the Connector ("for every supported ProfileType, a Tariff MUST be
      provided"): PROFILE_<type> for CHEAP, FAST and GREEN; REGULAR, or a Tariff without type ("valid for all
      sessions"), for REGULAR. Otherwise PROFILE_TYPE_NOT_SUPPORTED.
    - Otherwise ACCEPTED, "although this is no guarantee that they will be fulfilled".
    """
    body = from_json(record.body)
    owner = Owner.of(record.country_code, record.party_id)
    location = await location_repository(session).get(owner, body["location_id"])
    location_body = from_json(location.body) if location is not None and location.partner_id is None else {}
    evse = _find(location_body.get("evses"), "uid", body["evse_uid"])
    if evse is None or Capability.CHARGING_PREFERENCES_CAPABLE not in (evse.get("capabilities") or []):
        raise ChargingPreferencesNotSupportedError(
            f"EVSE {body['evse_uid']} of Location {body['location_id']} is not "
            f"{Capability.CHARGING_PREFERENCES_CAPABLE}: Charging Preferences are not supported there"
        )
    if body["status"] in (SessionStatus.COMPLETED, SessionStatus.INVALID):
        return ChargingPreferencesResponse.NOT_POSSIBLE
    if preferences.departure_time is not None and preferences.departure_time <= now:
        return ChargingPreferencesResponse.NOT_POSSIBLE
    connector = _find(evse.get("connectors"), "id", body["connector_id"]) or {}
    wanted: set[str | None] = (
        {TariffType.REGULAR, None}
        if preferences.profile_type == ProfileType.REGULAR
        else {f"PROFILE_{preferences.profile_type}"}
    )
    tariffs = tariff_repository(session)
    supported = False
    for tariff_id in connector.get("tariff_ids") or []:
        tariff = await tariffs.get(owner, tariff_id)
        if tariff is not None and tariff.partner_id is None and from_json(tariff.body).get("type") in wanted:
            supported = True
            break
    if not supported:
        return ChargingPreferencesResponse.PROFILE_TYPE_NOT_SUPPORTED
    record.charging_preferences = to_json(dump(preferences))
    session.add(record)
    await session.flush()
    return ChargingPreferencesResponse.ACCEPTED
