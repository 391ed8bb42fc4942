"""Site load balancing, one site's controller: keeps its running Sessions in memory, reallocates on arrivals,
departures and material power changes, and sets each Session's limit with a TxProfile (SetChargingProfile),
lowering before raising so that the limits the chargers may be applying never add up above the site limit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hub.loadbalance import metrics
from hub.loadbalance.allocation import Claim, allocate, demand
from hub.loadbalance.schedule import SiteLimit, limit_at, next_minute
from hub.ocpi.base import utc_now
from hub.ocpi.v221.charging_profiles import (
    ChargingProfile,
    ChargingProfilePeriod,
    ChargingProfileResultType,
    ChargingRateUnit,
)
from hub.ports import ChargerCommands, ChargerTarget

logger = logging.getLogger(__name__)

# A change of a Session's expected demand by this much is material: it reallocates the site.
MATERIAL_W = 1000
# A lower limit is applied this long before its window begins, so that chargers have confirmed it by then.
LEAD = timedelta(seconds=60)


@dataclass(frozen=True)
class Tuning:
    """`timeout`: seconds a charger has to answer a SetChargingProfile before it counts at its maximum.
    `ramp`: seconds after a raise during which readings say nothing about demand (the car is ramping up).
    `retry`: seconds before a charger that refused or did not answer is sent a profile again."""

    timeout: float = 10.0
    ramp: float = 15.0
    retry: float = 30.0


@dataclass
class Tracked:
    """One running Session. Limits in W. `confirmed_w`: the last limit its charger accepted (None: none yet;
    it runs on the charger's default profile, counted as 0, see README); `sending_w`: the limit asked and not
    yet answered; `uncontrolled`: its charger refused or did not answer, so it counts at its maximum."""

    session_id: str
    station_id: str
    target: ChargerTarget
    evse_uid: str
    maximum_w: int
    minimum_w: int
    watts_per_amp: int
    order: int
    measured_w: int | None = None
    measured_at: datetime | None = None
    bound_w: int | None = None
    confirmed_w: int | None = None
    sending_w: int | None = None
    uncontrolled: bool = False
    wanted_w: int = 0
    demand_w: int = 0
    raised_at: float = 0.0
    failed_at: float = 0.0

    def effective_w(self) -> int:
        """The most its charger may be applying now: while a new limit is unanswered, the larger of old and new."""
        if self.uncontrolled:
            return self.maximum_w
        return max(self.confirmed_w or 0, self.sending_w or 0)

    def cap_w(self) -> int:
        return self.maximum_w if self.bound_w is None else max(0, min(self.maximum_w, self.bound_w))

    def expected_w(self, now: float, ramp: float) -> int:
        measured = None if now - self.raised_at < ramp else self.measured_w
        return demand(self.cap_w(), self.confirmed_w, measured)

    def state(self) -> str:
        if self.uncontrolled:
            return "uncontrolled"
        if self.sending_w is not None:
            return "pending"
        return "none" if self.confirmed_w is None else "confirmed"


def profile(limit_w: int) -> ChargingProfile:
    return ChargingProfile(
        charging_rate_unit=ChargingRateUnit.W,
        charging_profile_period=[ChargingProfilePeriod(start_period=0, limit=Decimal(limit_w))],
    )


@dataclass
class SiteController:
    """The controller of one Location (`site`: "CC*PARTY*LOCATION_ID"). All its state is in memory; every
    decision runs in `plan`, which is synchronous, so that no two plans interleave."""

    site: str
    limit: SiteLimit
    tz: ZoneInfo
    commands: Callable[[], ChargerCommands | None]
    tuning: Tuning = field(default_factory=Tuning)
    now: Callable[[], datetime] = utc_now
    sessions: dict[str, Tracked] = field(default_factory=dict)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: asyncio.Task[None] | None = None
    _sends: set[asyncio.Task[None]] = field(default_factory=set)
    _arrivals: int = 0
    _closed: bool = False
    # Observers of every change of effective limits (tests assert the site limit at each one).
    listeners: list[Callable[[SiteController], None]] = field(default_factory=list)

    # -- inputs --------------------------------------------------------------------------------------------

    def limit_w(self) -> int:
        """The site limit now, lowered ahead of a lower window (see LEAD)."""
        at = self.now()
        kw = min(limit_at(self.limit, self.tz, at), limit_at(self.limit, self.tz, at + LEAD))
        return int(kw * 1000)

    def add(self, tracked: Tracked) -> None:
        if tracked.session_id in self.sessions:
            return
        self._arrivals += 1
        tracked.order = self._arrivals
        self.sessions[tracked.session_id] = tracked
        self.wake()

    def remove(self, session_id: str) -> None:
        if self.sessions.pop(session_id, None) is not None:
            self.wake()

    def metered(self, session_id: str, power_w: int, at: datetime) -> None:
        """A reading: kept when it is not older than the last one (late, queued events say nothing about now);
        reallocates when it changes the Session's expected demand materially. No I/O."""
        tracked = self.sessions.get(session_id)
        if tracked is None or (tracked.measured_at is not None and at < tracked.measured_at):
            return
        tracked.measured_w, tracked.measured_at = max(0, power_w), at
        if abs(tracked.expected_w(time.monotonic(), self.tuning.ramp) - tracked.demand_w) >= MATERIAL_W:
            self.wake()

    def set_bound(self, session_id: str, bound_w: int | None) -> bool:
        tracked = self.sessions.get(session_id)
        if tracked is None:
            return False
        tracked.bound_w = bound_w
        self.wake()
        return True

    def set_limit(self, limit: SiteLimit, tz: ZoneInfo) -> None:
        self.limit, self.tz = limit, tz
        self.wake()

    def wake(self) -> None:
        self._wake.set()
        if self._closed:
            return
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(
                self._run(), name=f"loadbalance {self.site}"
            )

    async def close(self) -> None:
        self._closed = True
        tasks = [t for t in [self._runner, *self._sends] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- the loop ------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                # Windows begin and end on whole minutes: look at the limit again then.
                async with asyncio.timeout(next_minute(self.now()) + 0.01):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                self.plan()
            except Exception:
                logger.exception("site %s: reallocation failed", self.site)

    def plan(self) -> None:
        """Reallocate, then send every decrease at once and each increase only while the effective limits,
        with it, stay within the site limit."""
        clock = time.monotonic()
        limit = self.limit_w()
        running = sorted(self.sessions.values(), key=lambda t: t.order)
        fixed = sum(t.effective_w() for t in running if t.uncontrolled)
        controlled = [t for t in running if not t.uncontrolled]
        claims = [self._claim(t, clock) for t in controlled]
        targets = allocate(limit - fixed, claims)
        for t in controlled:
            t.wanted_w = targets[t.session_id]
        retry = [
            t
            for t in running
            if t.uncontrolled and t.sending_w is None and clock - t.failed_at >= self.tuning.retry
        ]
        if retry:
            # A charger that refused or did not answer is asked again now and then, for the share it would
            # have with every Session controlled: less than the maximum it counts at, so a decrease.
            shares = allocate(limit, [self._claim(t, clock) for t in running])
            for t in retry:
                t.wanted_w = shares[t.session_id]
                self._send(t, t.wanted_w)
        for t in controlled:
            if t.sending_w is None and t.confirmed_w is not None and t.wanted_w < t.confirmed_w:
                self._send(t, t.wanted_w)
        total = sum(t.effective_w() for t in running)
        # First profiles (arrivals) before raises of those already charging.
        for t in sorted(controlled, key=lambda t: (t.confirmed_w is not None, t.order)):
            if t.sending_w is not None or t.wanted_w <= (t.confirmed_w if t.confirmed_w is not None else -1):
                continue
            step = t.wanted_w - t.effective_w()
            if total + step <= limit:
                total += max(0, step)
                self._send(t, t.wanted_w)
        self._publish(limit)

    def _claim(self, tracked: Tracked, clock: float) -> Claim:
        tracked.demand_w = tracked.expected_w(clock, self.tuning.ramp)
        cap = tracked.cap_w()
        return Claim(tracked.session_id, cap, min(tracked.minimum_w, cap), tracked.demand_w)

    def _send(self, tracked: Tracked, limit_w: int) -> None:
        tracked.sending_w = limit_w
        task = asyncio.get_running_loop().create_task(self._ask(tracked, limit_w))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _ask(self, tracked: Tracked, limit_w: int) -> None:
        outcome = "error"
        raised = tracked.confirmed_w is None or limit_w > tracked.confirmed_w
        try:
            port = self.commands()
            if port is None:
                outcome = "no_chargers"
            else:
                async with asyncio.timeout(self.tuning.timeout):
                    result = await port.set_charging_profile(
                        tracked.target, session_id=tracked.session_id, charging_profile=profile(limit_w)
                    )
                outcome = "accepted" if result == ChargingProfileResultType.ACCEPTED else "rejected"
        except TimeoutError:
            outcome = "timeout"
        except asyncio.CancelledError:
            tracked.sending_w = None
            raise
        except Exception:
            logger.exception(
                "site %s: SetChargingProfile for session %s failed", self.site, tracked.session_id
            )
        tracked.sending_w = None
        if outcome == "accepted":
            tracked.confirmed_w = limit_w
            tracked.uncontrolled = False
            if raised:
                tracked.raised_at = time.monotonic()
        else:
            if not tracked.uncontrolled:
                logger.warning(
                    "site %s: station %s %s the limit of %s W for session %s: counted at its maximum %s W",
                    self.site,
                    tracked.station_id,
                    "did not answer" if outcome == "timeout" else "refused",
                    limit_w,
                    tracked.session_id,
                    tracked.maximum_w,
                )
            tracked.uncontrolled = True
            tracked.failed_at = time.monotonic()
        metrics.PROFILES.labels(outcome=outcome).inc()
        self.wake()
        self._publish(self.limit_w())

    def _publish(self, limit: int) -> None:
        metrics.publish(self.site, limit, self.allocated_w(), self.effective_w(), self.measured_w())
        for listener in self.listeners:
            listener(self)

    # -- views ---------------------------------------------------------------------------------------------

    def allocated_w(self) -> int:
        """The limits decided, a charger that refused or did not answer at its maximum."""
        return sum(t.maximum_w if t.uncontrolled else t.wanted_w for t in self.sessions.values())

    def effective_w(self) -> int:
        return sum(t.effective_w() for t in self.sessions.values())

    def measured_w(self) -> int:
        return sum(t.measured_w or 0 for t in self.sessions.values())
