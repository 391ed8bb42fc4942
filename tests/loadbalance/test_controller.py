"""Site load balancing, one site's controller against fake chargers that answer when told to: decreases go
first, increases only once they fit, a charger that refuses or never answers counts at its maximum, and the
limits the chargers may be applying never add up above the site limit at any instant."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hub.loadbalance.controller import SiteController, Tracked, Tuning
from hub.loadbalance.schedule import SiteLimit, Window
from hub.ports import ChargerTarget
from tests.loadbalance.fakes import FakeChargers

T0 = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)


def tracked(session_id: str, maximum_w: int = 150_000, minimum_w: int = 1_000) -> Tracked:
    return Tracked(
        session_id=session_id,
        station_id=f"CP-{session_id}",
        target=ChargerTarget("NL", "GWY", "SITE", f"EVSE-{session_id}", "1"),
        evse_uid=f"EVSE-{session_id}",
        maximum_w=maximum_w,
        minimum_w=minimum_w,
        watts_per_amp=690,
        order=0,
    )


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
async def site() -> AsyncIterator[tuple[SiteController, FakeChargers]]:
    chargers = FakeChargers(site_limit_w=150_000)
    controller = SiteController(
        "NL*GWY*SITE",
        SiteLimit(limit_kw=Decimal(150)),
        ZoneInfo("Europe/Amsterdam"),
        lambda: chargers,  # type: ignore[arg-type, return-value]
        Tuning(timeout=0.3, ramp=0.0, retry=3600),
        Clock(),
    )
    # The controller's own accounting is checked too, at every change it makes.
    controller.listeners.append(lambda c: _within(c))
    yield controller, chargers
    await controller.close()


def _within(controller: SiteController) -> None:
    controlled = [t for t in controller.sessions.values() if not t.uncontrolled]
    fixed = sum(t.maximum_w for t in controller.sessions.values() if t.uncontrolled)
    assert sum(t.effective_w() for t in controlled) <= max(0, controller.limit_w() - fixed) or any(
        t.sending_w is not None for t in controlled
    )


async def settle(controller: SiteController) -> None:
    """Until the controller has planned after the last change."""
    for _ in range(5):
        await asyncio.sleep(0)


async def start_confirmed(
    controller: SiteController, chargers: FakeChargers, *ids: str, maximum_w: int = 150_000
) -> None:
    for session_id in ids:
        controller.add(tracked(session_id, maximum_w))
    for _ in ids:
        (await chargers.next()).accept()
    await settle(controller)


async def test_an_arrival_waits_for_the_others_to_confirm_their_decrease(
    site: tuple[SiteController, FakeChargers],
) -> None:
    controller, chargers = site
    await start_confirmed(controller, chargers, "A", "B", "C")
    assert chargers.applied == {"A": 50_000, "B": 50_000, "C": 50_000}
    controller.add(tracked("D"))
    decreases = [await chargers.next() for _ in range(3)]
    assert sorted(r.session_id for r in decreases) == ["A", "B", "C"]
    assert {r.limit_w for r in decreases} == {37_500}
    await settle(controller)
    assert chargers.requests.empty(), "D was raised before the others confirmed"
    decreases[0].accept()
    decreases[1].accept()
    await settle(controller)
    assert chargers.requests.empty(), "D's 37.5 kW does not fit yet"
    decreases[2].accept()
    arrival = await chargers.next()
    assert (arrival.session_id, arrival.limit_w) == ("D", 37_500)
    arrival.accept()
    await settle(controller)
    assert chargers.applied == {"A": 37_500, "B": 37_500, "C": 37_500, "D": 37_500}
    assert max(chargers.history) <= 150_000


async def test_a_departure_raises_the_others(site: tuple[SiteController, FakeChargers]) -> None:
    controller, chargers = site
    await start_confirmed(controller, chargers, "A", "B", "C")
    controller.remove("C")
    chargers.end("C")
    raises = [await chargers.next() for _ in range(2)]
    assert {(r.session_id, r.limit_w) for r in raises} == {("A", 75_000), ("B", 75_000)}


async def test_a_charger_that_rejects_counts_at_its_maximum(
    site: tuple[SiteController, FakeChargers],
) -> None:
    controller, chargers = site
    await start_confirmed(controller, chargers, "A", "B", maximum_w=60_000)
    assert chargers.applied == {"A": 60_000, "B": 60_000}
    controller.add(tracked("C", 60_000))
    first = [await chargers.next() for _ in range(2)]
    for request in first:
        if request.session_id == "A":
            request.reject()
        else:
            request.accept()
    # A counts at its 60 kW: B and C share the other 90 kW.
    answers: dict[str, int] = {}
    while len(answers) < 2:
        request = await chargers.next()
        answers[request.session_id] = request.limit_w
        request.accept()
    await settle(controller)
    assert controller.sessions["A"].uncontrolled
    assert controller.effective_w() <= 150_000
    assert answers["C"] + chargers.applied["B"] <= 90_000
    assert max(chargers.history) <= 150_000


async def test_a_charger_that_never_answers_counts_at_its_maximum(
    site: tuple[SiteController, FakeChargers],
) -> None:
    controller, chargers = site
    await start_confirmed(controller, chargers, "A", "B", maximum_w=60_000)
    controller.add(tracked("C", 60_000))
    hanging = [await chargers.next() for _ in range(2)]
    by_id = {r.session_id: r for r in hanging}
    by_id["B"].accept()
    # A's decrease is never answered: after the timeout it counts at 60 kW; B and C share what is left.
    got: dict[str, int] = {}
    while "C" not in got:
        request = await chargers.next(within=3)
        got[request.session_id] = request.limit_w
        request.accept()
    await settle(controller)
    assert controller.sessions["A"].uncontrolled
    assert got == {"B": 45_000, "C": 45_000}
    assert chargers.applied["A"] == 60_000  # the larger of the limit it had and the one never confirmed
    assert max(chargers.history) <= 150_000


async def test_headroom_a_car_does_not_use_goes_to_the_others(
    site: tuple[SiteController, FakeChargers],
) -> None:
    controller, chargers = site
    await start_confirmed(controller, chargers, "A", "B", "C")
    controller.metered("A", 10_000, T0)
    decrease = await chargers.next()
    assert (decrease.session_id, decrease.limit_w) == ("A", 12_000)
    decrease.accept()
    raises = [await chargers.next() for _ in range(2)]
    assert {(r.session_id, r.limit_w) for r in raises} == {("B", 69_000), ("C", 69_000)}


async def test_a_small_change_is_not_material_and_a_late_reading_is_ignored(
    site: tuple[SiteController, FakeChargers],
) -> None:
    controller, chargers = site
    await start_confirmed(controller, chargers, "A", "B", "C")
    controller.metered("A", 10_000, T0)
    (await chargers.next()).accept()
    for request in [await chargers.next() for _ in range(2)]:
        request.accept()
    await settle(controller)
    controller.metered("A", 10_400, T0 + timedelta(seconds=10))
    # Older than the last reading (a meter going backwards in time): says nothing about now.
    controller.metered("A", 0, T0 + timedelta(seconds=5))
    # A reading below zero counts as nothing drawn; older anyway.
    controller.metered("A", -5_000, T0 + timedelta(seconds=1))
    await settle(controller)
    assert chargers.requests.empty()
    assert controller.sessions["A"].measured_w == 10_400


async def test_a_partner_bound_caps_one_session(site: tuple[SiteController, FakeChargers]) -> None:
    controller, chargers = site
    await start_confirmed(controller, chargers, "A", "B")
    assert controller.set_bound("A", 20_000)
    decrease = await chargers.next()
    assert (decrease.session_id, decrease.limit_w) == ("A", 20_000)
    decrease.accept()
    increase = await chargers.next()
    assert (increase.session_id, increase.limit_w) == ("B", 130_000)


async def test_a_lower_window_applies_a_minute_ahead(site: tuple[SiteController, FakeChargers]) -> None:
    controller, chargers = site
    await start_confirmed(controller, chargers, "A", "B")
    clock: Clock = controller.now  # type: ignore[assignment]
    # 17:00-21:00 Amsterdam (16:00 UTC in winter): 60 kW.
    window = Window.model_validate({"from": "17:00", "to": "21:00", "limit_kw": "60"})
    clock.at = datetime(2026, 12, 1, 15, 58, 30, tzinfo=UTC)
    controller.set_limit(SiteLimit(limit_kw=Decimal(150), schedule=[window]), ZoneInfo("Europe/Amsterdam"))
    await settle(controller)
    assert chargers.requests.empty()
    clock.at = datetime(2026, 12, 1, 15, 59, 0, 100_000, tzinfo=UTC)
    controller.wake()
    decreases = [await chargers.next() for _ in range(2)]
    assert {r.limit_w for r in decreases} == {30_000}
    chargers.site_limit_w = 60_000
    for request in decreases:
        request.accept()
    await settle(controller)
    assert chargers.applying_w() == 60_000


async def test_a_limit_below_the_minimums_pauses_the_last_arrival(
    site: tuple[SiteController, FakeChargers],
) -> None:
    controller, chargers = site
    controller.set_limit(SiteLimit(limit_kw=Decimal(10)), ZoneInfo("UTC"))
    chargers.site_limit_w = 10_000
    for session_id in "ABC":
        controller.add(tracked(session_id, 22_000, 4_140))
    got: dict[str, int] = {}
    for _ in range(3):
        request = await chargers.next()
        got[request.session_id] = request.limit_w
        request.accept()
    assert got == {"A": 5_000, "B": 5_000, "C": 0}
