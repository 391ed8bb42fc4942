"""A fake `ChargerCommands` for the controller tests: each SetChargingProfile waits until the test answers it
(accept, reject, or never), and every change of what the chargers may be applying is checked against the
site limit at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from hub.ocpi.v221.charging_profiles import ChargingProfile, ChargingProfileResultType
from hub.ports import ChargerTarget


@dataclass
class Request:
    session_id: str
    limit_w: int
    answer: asyncio.Future[ChargingProfileResultType]

    def accept(self) -> None:
        self.answer.set_result(ChargingProfileResultType.ACCEPTED)

    def reject(self) -> None:
        self.answer.set_result(ChargingProfileResultType.REJECTED)


@dataclass
class FakeChargers:
    """What each charger applies: the last limit it accepted (None: none yet, its default profile of 0 W).
    While a request is unanswered the charger may already apply it, so it counts the larger of the two.
    `maximum` is a session's EVSE maximum, applied by a charger that never accepted a limit when
    `unlimited_default` is set."""

    site_limit_w: int
    applied: dict[str, int] = field(default_factory=dict)
    outstanding: dict[str, list[int]] = field(default_factory=dict)
    requests: asyncio.Queue[Request] = field(default_factory=asyncio.Queue)
    history: list[int] = field(default_factory=list)
    auto: dict[str, str] = field(default_factory=dict)

    def applying_w(self) -> int:
        total = 0
        for session_id in set(self.applied) | set(self.outstanding):
            total += max([self.applied.get(session_id, 0), *self.outstanding.get(session_id, [])])
        return total

    def check(self) -> None:
        total = self.applying_w()
        self.history.append(total)
        assert total <= self.site_limit_w, f"chargers may apply {total} W > site limit {self.site_limit_w} W"

    def end(self, session_id: str) -> None:
        self.applied.pop(session_id, None)
        self.outstanding.pop(session_id, None)

    async def next(self, within: float = 2.0) -> Request:
        async with asyncio.timeout(within):
            return await self.requests.get()

    def pending(self) -> list[Request]:
        items = []
        while not self.requests.empty():
            items.append(self.requests.get_nowait())
        return items

    async def set_charging_profile(
        self, target: ChargerTarget, *, session_id: str, charging_profile: ChargingProfile
    ) -> ChargingProfileResultType:
        periods = charging_profile.charging_profile_period or []
        limit = int(periods[0].limit)
        self.outstanding.setdefault(session_id, []).append(limit)
        self.check()
        future: asyncio.Future[ChargingProfileResultType] = asyncio.get_running_loop().create_future()
        behaviour = self.auto.get(session_id)
        if behaviour == "accept":
            future.set_result(ChargingProfileResultType.ACCEPTED)
        elif behaviour == "reject":
            future.set_result(ChargingProfileResultType.REJECTED)
        else:
            await self.requests.put(Request(session_id, limit, future))
        try:
            result = await future
        except asyncio.CancelledError:
            # Asked and never answered: it may apply the new limit or keep the old, for good.
            self.outstanding[session_id].remove(limit)
            self.applied[session_id] = max(self.applied.get(session_id, 0), limit)
            raise
        self.outstanding[session_id].remove(limit)
        if result == ChargingProfileResultType.ACCEPTED:
            self.applied[session_id] = limit
        self.check()
        return result

    async def clear_charging_profile(self, target: ChargerTarget, *, session_id: str) -> Any:
        return ChargingProfileResultType.ACCEPTED
