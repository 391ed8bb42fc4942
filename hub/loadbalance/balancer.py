"""Site load balancing for the whole hub: one controller per Location with a site power limit, told of
transactions by the charging side (`ChargingObserver`) and of smart-charging partners' profiles, and changed
by the admin API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.charging import places
from hub.charging.repository import ChargingRepository
from hub.db import SessionMaker
from hub.loadbalance import metrics, ratings
from hub.loadbalance.controller import SiteController, Tracked, Tuning
from hub.loadbalance.schedule import SiteLimit, Window, zone
from hub.modules.objects import Owner
from hub.ocpi.base import utc_now
from hub.ocpi.v221.charging_profiles import ChargingProfile, ChargingRateUnit
from hub.ports import ChargerCommands, ChargerTarget
from hub.tables.charging import TransactionRecord
from hub.tables.operator import SitePowerLimitRecord

logger = logging.getLogger(__name__)

# Sessions found not to be at a limited site, remembered so that their readings cost a set lookup; a process
# that never sees their ends forgets them all past this many.
MAX_IGNORED = 100_000


def site_key(country_code: str, party_id: str, location_id: str) -> str:
    return f"{country_code.upper()}*{party_id.upper()}*{location_id.upper()}"


def as_limit(record: SitePowerLimitRecord) -> SiteLimit:
    return SiteLimit(
        limit_kw=record.limit_kw, schedule=[Window.model_validate(w) for w in record.schedule or []]
    )


def bound_w(profile: ChargingProfile, watts_per_amp: int) -> int | None:
    """A partner's profile as one upper bound: its lowest period (a bound is never exceeded, whatever
    period is in force), in W."""
    limits = [p.limit for p in profile.charging_profile_period or []]
    if not limits:
        return None
    lowest = min(limits)
    if profile.charging_rate_unit == ChargingRateUnit.A:
        lowest = lowest * watts_per_amp
    return max(0, int(lowest))


class LoadBalancer:
    """`commands` gives the port to the chargers (None: no chargers in this process)."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        commands: Callable[[], ChargerCommands | None],
        *,
        tuning: Tuning | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.commands = commands
        self.tuning = tuning or Tuning()
        self.now = now
        self.sites: dict[str, SiteController] = {}
        self._by_session: dict[str, SiteController] = {}
        self._ignored: set[str] = set()
        self._admitting: dict[str, asyncio.Task[None]] = {}
        self._ended: set[str] = set()
        self._early: dict[str, tuple[int, datetime]] = {}
        self._loaded: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- ChargingObserver ----------------------------------------------------------------------------------

    def transaction_started(self, station_id: str, session_id: str, evse: int | None) -> None:
        self._admit(session_id)

    def transaction_ended(self, station_id: str, session_id: str) -> None:
        key = session_id.upper()
        self._ignored.discard(key)
        self._early.pop(key, None)
        if key in self._admitting:
            self._ended.add(key)
        controller = self._by_session.pop(key, None)
        if controller is not None:
            controller.remove(key)

    def metered(self, station_id: str, session_id: str, power_w: Decimal, at: datetime) -> None:
        key = session_id.upper()
        controller = self._by_session.get(key)
        if controller is not None:
            controller.metered(key, int(power_w), at)
        elif key not in self._ignored:
            self._early[key] = (int(power_w), at)
            self._admit(key)

    # -- sessions ------------------------------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _admit(self, session_id: str) -> None:
        key = session_id.upper()
        if key in self._by_session or key in self._admitting or key in self._ignored:
            return
        self._admitting[key] = self._spawn(self._place(key), f"loadbalance admit {key}")

    async def _place(self, key: str) -> None:
        try:
            await self.load()
            async with self.sessionmaker() as session:
                tracked, site = await self._lookup(session, key)
            controller = None if site is None else self.sites.get(site)
            if tracked is None or controller is None or key in self._ended:
                self._remember_ignored(key)
                return
            self._by_session[key] = controller
            controller.add(tracked)
            early = self._early.pop(key, None)
            if early is not None:
                controller.metered(key, *early)
        except Exception:
            logger.exception("session %s: could not be placed at its site", key)
        finally:
            self._admitting.pop(key, None)
            self._ended.discard(key)
            self._early.pop(key, None)

    def _remember_ignored(self, key: str) -> None:
        if len(self._ignored) >= MAX_IGNORED:
            self._ignored.clear()
        self._ignored.add(key)

    async def _lookup(self, session: AsyncSession, key: str) -> tuple[Tracked | None, str | None]:
        record = await ChargingRepository(session).by_session_id(key)
        if record is None or record.ended_at is not None:
            return None, None
        return await self._track(session, record)

    async def _track(
        self, session: AsyncSession, record: TransactionRecord
    ) -> tuple[Tracked | None, str | None]:
        site = site_key(record.country_code, record.party_id, record.location_id)
        if site not in self.sites or record.evse_uid is None or record.connector_id is None:
            return None, site
        evse_uid, connector_id = record.evse_uid, record.connector_id
        location = await places.our_location(
            session, Owner.of(record.country_code, record.party_id), record.location_id
        )
        connector = None if location is None else ratings.find_connector(location, evse_uid, connector_id)
        if connector is None:
            logger.warning(
                "session %s: connector %s/%s is not in Location %s: not balanced",
                record.session_id,
                record.evse_uid,
                record.connector_id,
                record.location_id,
            )
            return None, site
        tracked = Tracked(
            session_id=record.session_id.upper(),
            station_id=record.station_id,
            target=ChargerTarget(
                record.country_code,
                record.party_id,
                record.location_id,
                record.evse_uid,
                record.connector_id,
            ),
            evse_uid=evse_uid,
            maximum_w=ratings.maximum_w(connector),
            minimum_w=ratings.minimum_w(connector),
            watts_per_amp=ratings.watts_per_amp(connector),
            order=0,
        )
        return tracked, site

    # -- sites ---------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Read every site limit and the Sessions running there now, in the background (at startup: Sessions
        that started before this process count from the start, not from their next reading)."""
        if self._loaded is None:
            self._loaded = asyncio.get_running_loop().create_task(self._load_all())

    async def load(self) -> None:
        """Wait until the site limits are read (the first event or admin call starts it if start() did not)."""
        self.start()
        assert self._loaded is not None
        await asyncio.shield(self._loaded)

    async def _load_all(self) -> None:
        try:
            async with self.sessionmaker() as session:
                records = (await session.exec(select(SitePowerLimitRecord))).all()
                for record in records:
                    await self._install(session, record)
        except Exception:
            logger.exception("site power limits could not be read: no site is balanced until one is set")

    async def _install(self, session: AsyncSession, record: SitePowerLimitRecord) -> SiteController:
        """The site's controller with this limit, and the Sessions already running there."""
        site = site_key(record.country_code, record.party_id, record.location_id)
        location = await places.our_location(
            session, Owner.of(record.country_code, record.party_id), record.location_id
        )
        tz = zone(None if location is None else location.get("time_zone"))
        controller = self.sites.get(site)
        if controller is None:
            controller = SiteController(site, as_limit(record), tz, self.commands, self.tuning, self.now)
            self.sites[site] = controller
        else:
            controller.set_limit(as_limit(record), tz)
        statement = select(TransactionRecord).where(
            col(TransactionRecord.ended_at).is_(None),
            col(TransactionRecord.location_id) == record.location_id,
            col(TransactionRecord.country_code) == record.country_code,
            col(TransactionRecord.party_id) == record.party_id,
        )
        for running in (await session.exec(statement)).all():
            key = running.session_id.upper()
            if key in self._by_session or key in self._admitting:
                continue
            tracked, _ = await self._track(session, running)
            if tracked is not None:
                self._ignored.discard(key)
                self._by_session[key] = controller
                controller.add(tracked)
        controller.wake()
        return controller

    async def site_changed(self, session: AsyncSession, record: SitePowerLimitRecord) -> SiteController:
        """The admin API stored a site's limit (committed)."""
        await self.load()
        return await self._install(session, record)

    async def site_removed(self, country_code: str, party_id: str, location_id: str) -> None:
        """The admin API removed a site's limit: its Sessions' profiles are cleared (best effort)."""
        await self.load()
        site = site_key(country_code, party_id, location_id)
        controller = self.sites.pop(site, None)
        if controller is None:
            return
        await controller.close()
        metrics.forget(site)
        port = self.commands()
        for tracked in list(controller.sessions.values()):
            self._by_session.pop(tracked.session_id, None)
            if port is not None:
                self._spawn(self._clear(port, tracked), f"loadbalance clear {tracked.session_id}")

    async def _clear(self, port: ChargerCommands, tracked: Tracked) -> None:
        try:
            async with asyncio.timeout(self.tuning.timeout):
                await port.clear_charging_profile(tracked.target, session_id=tracked.session_id)
        except Exception:
            logger.warning("session %s: its load-balancing profile could not be cleared", tracked.session_id)

    # -- smart-charging partners ---------------------------------------------------------------------------

    def partner_profile(self, session_id: str, profile: ChargingProfile | None) -> bool:
        """A smart-charging partner set (or, None, cleared) the profile of a Session: at a balanced site it
        becomes the Session's upper bound, enforced by the next profile we send. False: not balanced here."""
        key = session_id.upper()
        controller = self._by_session.get(key)
        if controller is None:
            return False
        tracked = controller.sessions.get(key)
        if tracked is None:
            return False
        bound = None if profile is None else bound_w(profile, tracked.watts_per_amp)
        return controller.set_bound(key, bound)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._loaded is not None:
            # Let the startup read end rather than cancel it mid-query: a query cancelled at shutdown leaves its
            # connection closing after the engine is disposed (and, on SQLite, its thread after the loop).
            await asyncio.wait({self._loaded}, timeout=5)
            self._loaded.cancel()
            await asyncio.gather(self._loaded, return_exceptions=True)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for controller in self.sites.values():
            await controller.close()
