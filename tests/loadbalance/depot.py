"""A simulated depot for the load-balancing tests: chargers of both OCPP versions (the `ocpp` library over real
websockets) with cars that take what they are offered up to what they can draw, report their power in
MeterValues, and a meter of what all chargers together may be applying, checked at every change."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocpp.v16 import call_result as result16
from ocpp.v16.enums import ChargingProfileStatus
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import ChargingProfileStatusEnumType

from adapters.ocpp.routing import on
from tests.fixtures_locations import make_connector, make_evse, make_location
from tests.ocpp.chargers import HANG, Charger16, Charger201, raw_socket
from tests.ocpp.conftest import Gateway

__all__ = ["HANG"]

DEPOT = "DEPOT"
POWER = "Power.Active.Import"


def wire(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Car:
    """`wants_w`: the most this car draws, whatever it is offered."""

    name: str
    wants_w: int
    started_at: float = 0.0
    first_profile_at: float | None = None


@dataclass
class Depot:
    """Every charger's applied limit and the limits it was asked for and has not answered: a charger may apply
    a limit from the moment it is asked, so each counts the larger. Before its first profile a charger runs
    on its default profile of 0 W (as the README asks of chargers at a balanced site)."""

    limit_w: int
    chargers: list[DepotCharger] = field(default_factory=list)
    peak_w: int = 0
    violations: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def applying_w(self) -> int:
        return sum(c.applying_w() for c in self.chargers)

    def check(self, why: str) -> None:
        total = self.applying_w()
        self.peak_w = max(self.peak_w, total)
        if total > self.limit_w:
            self.violations.append(f"{why}: chargers may apply {total} W > {self.limit_w} W")
        self.poke()

    def poke(self) -> None:
        """Wake those waiting for a change (at a charger, or in the hub's controller)."""
        self.changed.set()
        self.changed = asyncio.Event()


class DepotCharger:
    """What both versions share: one EVSE, at most one car, the profile's limit applied at once."""

    depot: Depot
    evse_max_w: int
    car: Car | None
    applied_w: int | None
    asked: list[int]
    mode: str
    profiles: list[int]
    id: str
    transaction_id: Any
    seq_no: int

    def _init_depot(self, depot: Depot, evse_max_w: int) -> None:
        self.depot, self.evse_max_w = depot, evse_max_w
        self.car, self.applied_w, self.asked, self.mode, self.profiles = None, None, [], "Accepted", []
        self.energy_wh = 0
        self.transaction_id, self.seq_no = None, 0
        self.meter_task: asyncio.Task[None] | None = None

    def applying_w(self) -> int:
        return max([self.applied_w or 0, *self.asked])

    def draw_w(self) -> int:
        if self.car is None:
            return 0
        return min(self.car.wants_w, self.applied_w or 0, self.evse_max_w)

    async def limit(self, limit_w: int, unit: str) -> str:
        assert unit == "W"
        station = self.id
        if self.car is None:
            # A TxProfile for a transaction that has ended at the charger (the hub has not heard yet).
            return "Rejected"
        self.profiles.append(limit_w)
        if self.car is not None and self.car.first_profile_at is None:
            self.car.first_profile_at = asyncio.get_running_loop().time()
        self.asked.append(limit_w)
        self.depot.check(f"{station} asked for {limit_w} W")
        if self.mode == HANG:
            await asyncio.Event().wait()
        self.asked.remove(limit_w)
        if self.mode == "Accepted":
            self.applied_w = limit_w
        self.depot.check(f"{station} answered {self.mode} to {limit_w} W")
        return self.mode

    def leave(self) -> None:
        """The transaction ended: its TxProfile ends with it."""
        self.car, self.applied_w = None, None
        self.asked.clear()
        self.depot.check(f"{self.id} free")


class Depot16(DepotCharger, Charger16):
    @on("SetChargingProfile")
    async def on_set_charging_profile(self, **kwargs: Any) -> result16.SetChargingProfile:
        schedule = kwargs["cs_charging_profiles"]["charging_schedule"]
        limit = int(schedule["charging_schedule_period"][0]["limit"])
        status = await self.limit(limit, schedule["charging_rate_unit"])
        return result16.SetChargingProfile(status=ChargingProfileStatus(status))


class Depot201(DepotCharger, Charger201):
    @on("SetChargingProfile")
    async def on_set_charging_profile(self, **kwargs: Any) -> result201.SetChargingProfile:
        schedule = kwargs["charging_profile"]["charging_schedule"][0]
        limit = int(schedule["charging_schedule_period"][0]["limit"])
        status = await self.limit(limit, schedule["charging_rate_unit"])
        return result201.SetChargingProfile(status=ChargingProfileStatusEnumType(status))


@dataclass(frozen=True)
class Spec:
    station_id: str
    version: str
    power_type: str  # DC (50 kW) or AC_3_PHASE (22 kW)

    @property
    def maximum_w(self) -> int:
        return 50_000 if self.power_type == "DC" else 22_000


def location(specs: list[Spec]) -> dict[str, Any]:
    evses = []
    for i, spec in enumerate(specs, start=1):
        if spec.power_type == "DC":
            connector = make_connector(
                "1",
                standard="IEC_62196_T2_COMBO",
                format="CABLE",
                power_type="DC",
                max_voltage=500,
                max_amperage=125,
                max_electric_power=50_000,
            )
        else:
            connector = make_connector("1", max_voltage=230, max_amperage=32, max_electric_power=22_000)
        evse = make_evse(f"{DEPOT}-{i}", connectors=1)
        evse["connectors"] = [connector]
        evses.append(evse)
    body = make_location(DEPOT, evses=0)
    body["evses"] = evses
    body["time_zone"] = "Europe/Amsterdam"
    return body


def mapping(specs: list[Spec]) -> list[dict[str, Any]]:
    return [
        {
            "station_id": spec.station_id,
            "location_id": DEPOT,
            "connectors": [
                {"evse": 1, "connector": 1, "evse_uid": f"{DEPOT}-{i}", "connector_id": "1"}
                if spec.version == "2.0.1"
                else {"evse": 1, "evse_uid": f"{DEPOT}-{i}", "connector_id": "1"}
            ],
        }
        for i, spec in enumerate(specs, start=1)
    ]


@asynccontextmanager
async def connected(gateway: Gateway, depot: Depot, specs: list[Spec]) -> AsyncIterator[list[Any]]:
    """Every charger connected and booted, its read loop running."""
    async with AsyncExitStack() as stack:
        chargers: list[Any] = []
        for spec in specs:
            protocol = "ocpp1.6" if spec.version == "1.6" else "ocpp2.0.1"
            ws = await stack.enter_async_context(
                raw_socket(f"{gateway.ws}/{spec.station_id}", subprotocols=[protocol])
            )
            kind = Depot16 if spec.version == "1.6" else Depot201
            charger: Any = kind(spec.station_id, ws, response_timeout=10)
            charger._init_depot(depot, spec.maximum_w)
            task = asyncio.get_running_loop().create_task(charger.start())
            stack.push_async_callback(_stop, task)
            await charger.boot()
            chargers.append(charger)
            depot.chargers.append(charger)
        yield chargers
        for charger in chargers:
            if charger.meter_task is not None:
                charger.meter_task.cancel()
                await asyncio.gather(charger.meter_task, return_exceptions=True)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


_ids = itertools.count(1)


async def arrive(charger: Any, car: Car, period: float) -> None:
    """The car plugs in and the transaction starts; from then on the charger reports its power every
    `period` seconds."""
    charger.car = car
    car.started_at = asyncio.get_running_loop().time()
    now = datetime.now(UTC)
    if isinstance(charger, Depot16):
        answer = await charger.start_transaction(1, f"CAR{car.name}", charger.energy_wh, wire(now))
        charger.transaction_id = answer.transaction_id
    else:
        charger.transaction_id = f"TX-{car.name}-{next(_ids)}"
        charger.seq_no = 0
        await charger.event(
            "Started",
            charger.transaction_id,
            0,
            wire(now),
            trigger="CablePluggedIn",
            evse=(1, 1),
            charging_state="EVConnected",
        )
    charger.meter_task = asyncio.get_running_loop().create_task(_meter(charger, period))


async def report(charger: Any, power_w: int, energy_wh: int, at: datetime) -> None:
    values = [
        {"value": str(energy_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": str(power_w), "measurand": POWER, "unit": "W"},
    ]
    if isinstance(charger, Depot16):
        await charger.meter(1, charger.transaction_id, (wire(at), values))
    else:
        sampled = [
            {"value": float(v["value"]), "measurand": v["measurand"], "unitOfMeasure": {"unit": v["unit"]}}
            for v in values
        ]
        charger.seq_no += 1
        await charger.event(
            "Updated",
            charger.transaction_id,
            charger.seq_no,
            wire(at),
            trigger="MeterValuePeriodic",
            charging_state="Charging",
            meter_value=[{"timestamp": wire(at), "sampledValue": sampled}],
        )


async def _meter(charger: Any, period: float) -> None:
    while charger.car is not None:
        power = charger.draw_w()
        charger.energy_wh += int(power * period / 3600)
        await report(charger, power, charger.energy_wh, datetime.now(UTC))
        # The hub has taken the reading once it answered.
        charger.depot.poke()
        await asyncio.sleep(period)


async def leave(charger: Any) -> None:
    """The car leaves (its draw ends there), then the charger ends the transaction."""
    task, charger.meter_task = charger.meter_task, None
    charger.leave()
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    now = datetime.now(UTC)
    if isinstance(charger, Depot16):
        await charger.stop_transaction(
            charger.transaction_id, charger.energy_wh, wire(now), reason="EVDisconnected"
        )
    else:
        charger.seq_no += 1
        await charger.event(
            "Ended",
            charger.transaction_id,
            charger.seq_no,
            wire(now),
            trigger="EVDeparted",
            stopped_reason="EVDisconnected",
        )
