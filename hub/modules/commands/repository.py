"""All SQL on the tables of the Commands and ChargingProfiles modules (mod_commands, mod_charging_profiles)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.modules.objects import Owner, key
from hub.tables.base import utc_now
from hub.tables.commands import (
    ActiveChargingProfileRecord,
    CommandDirection,
    CommandRecord,
    CommandState,
    ReservationRecord,
)

# States a request reaches only after its synchronous response was ACCEPTED.
ACCEPTED_STATES = (CommandState.WAITING, CommandState.COMPLETED, CommandState.TIMED_OUT)


class CommandRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, record: CommandRecord) -> CommandRecord:
        self.session.add(record)
        await self.session.flush()
        return record

    async def save(self, record: CommandRecord) -> None:
        record.updated_at = utc_now()
        self.session.add(record)
        await self.session.flush()

    async def get(self, command_id: int) -> CommandRecord | None:
        return await self.session.get(CommandRecord, command_id)

    async def by_callback(self, callback_id: str) -> CommandRecord | None:
        statement = select(CommandRecord).where(col(CommandRecord.callback_id) == callback_id)
        return (await self.session.exec(statement)).first()

    async def latest(
        self, *, direction: CommandDirection | None = None, module: str | None = None, limit: int = 100
    ) -> Sequence[CommandRecord]:
        statement = select(CommandRecord)
        if direction is not None:
            statement = statement.where(col(CommandRecord.direction) == direction)
        if module is not None:
            statement = statement.where(col(CommandRecord.module) == module)
        statement = statement.order_by(col(CommandRecord.id).desc()).limit(limit)
        return (await self.session.exec(statement)).all()

    async def waiting(
        self, *, partner_id: int, module: str, command: str, local: Owner, session_id: str
    ) -> CommandRecord | None:
        """A received request of this kind from this partner for this Session still waiting for the charger (and
        not past its timeout: a request cut short by a restart stops counting then)."""
        statement = select(CommandRecord).where(
            col(CommandRecord.direction) == CommandDirection.RECEIVED,
            col(CommandRecord.module) == module,
            col(CommandRecord.session_key) == key(session_id),
            col(CommandRecord.command) == command,
            col(CommandRecord.partner_id) == partner_id,
            col(CommandRecord.local_country_code) == local.country_code,
            col(CommandRecord.local_party_id) == local.party_id,
            col(CommandRecord.state) == CommandState.WAITING,
            col(CommandRecord.timeout_at) > utc_now(),
        )
        return (await self.session.exec(statement)).first()

    async def accepted_requesters(
        self, *, module: str, command: str, local: Owner, session_id: str
    ) -> Sequence[CommandRecord]:
        """Received requests of this kind for this Session of ours whose response was ACCEPTED, oldest first."""
        statement = (
            select(CommandRecord)
            .where(
                col(CommandRecord.direction) == CommandDirection.RECEIVED,
                col(CommandRecord.module) == module,
                col(CommandRecord.session_key) == key(session_id),
                col(CommandRecord.command) == command,
                col(CommandRecord.local_country_code) == local.country_code,
                col(CommandRecord.local_party_id) == local.party_id,
                col(CommandRecord.state).in_(list(ACCEPTED_STATES)),
            )
            .order_by(col(CommandRecord.id))
        )
        return (await self.session.exec(statement)).all()

    async def reservation(
        self, *, local: Owner, location_id: str, emsp: Owner, reservation_id: str
    ) -> ReservationRecord | None:
        statement = select(ReservationRecord).where(
            col(ReservationRecord.local_country_code) == local.country_code,
            col(ReservationRecord.local_party_id) == local.party_id,
            col(ReservationRecord.location_key) == key(location_id),
            col(ReservationRecord.country_code) == emsp.country_code,
            col(ReservationRecord.party_id) == emsp.party_id,
            col(ReservationRecord.reservation_key) == key(reservation_id),
        )
        return (await self.session.exec(statement)).first()

    async def latest_reservation(
        self, *, locals_: Sequence[Owner], emsp: Owner, reservation_id: str
    ) -> ReservationRecord | None:
        """CancelReservation names no Location: the eMSP's most recently made or replaced reservation with this id."""
        if not locals_:
            return None
        statement = (
            select(ReservationRecord)
            .where(
                col(ReservationRecord.country_code) == emsp.country_code,
                col(ReservationRecord.party_id) == emsp.party_id,
                col(ReservationRecord.reservation_key) == key(reservation_id),
            )
            .order_by(col(ReservationRecord.updated_at).desc(), col(ReservationRecord.id).desc())
        )
        wanted = {(o.country_code, o.party_id) for o in locals_}
        for record in (await self.session.exec(statement)).all():
            if (record.local_country_code, record.local_party_id) in wanted:
                return record
        return None

    async def save_reservation(self, record: ReservationRecord) -> ReservationRecord:
        record.updated_at = utc_now()
        self.session.add(record)
        await self.session.flush()
        return record

    async def active_profile(self, partner_id: int, session_id: str) -> ActiveChargingProfileRecord | None:
        statement = select(ActiveChargingProfileRecord).where(
            col(ActiveChargingProfileRecord.partner_id) == partner_id,
            col(ActiveChargingProfileRecord.session_key) == key(session_id),
        )
        return (await self.session.exec(statement)).first()

    async def save_active_profile(self, partner_id: int, session_id: str, body: str) -> bool:
        """Store the latest ActiveChargingProfile; True when it is the first for this Session."""
        record = await self.active_profile(partner_id, session_id)
        created = record is None
        if record is None:
            record = ActiveChargingProfileRecord(
                partner_id=partner_id, session_key=key(session_id), session_id=session_id, body=body
            )
        record.body = body
        record.updated_at = utc_now()
        self.session.add(record)
        await self.session.flush()
        return created
