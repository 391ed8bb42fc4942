"""Property: for any sequence of changes to one object, interleaved with the worker claiming, delivering and
failing pushes, what the partner holds in the end after receiving the coalesced queue (enqueue._coalesce,
changes.merge, changes.absorbing) equals what it holds after receiving every change in order (DESIGN
decision 5: the latest state, not the history; mod_locations, mod_sessions, mod_tariffs PUT/PATCH/DELETE)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.ocpi.base import format_datetime
from hub.outbox.changes import absorbing
from hub.outbox.enqueue import Change, _coalesce, _Pending
from tests.outbox.partner_model import PartnerModel

START = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = ["AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER", "INOPERATIVE"]
EVSE_UIDS = ["E1", "E2", "E3"]
CONNECTOR_IDS = ["1", "2", "3"]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def connector(connector_id: str, stamp: str, amperage: int = 16) -> dict[str, Any]:
    return {"id": connector_id, "standard": "IEC_62196_T2", "max_amperage": amperage, "last_updated": stamp}


def evse(uid: str, stamp: str, status: str = "AVAILABLE", connectors: int = 1) -> dict[str, Any]:
    return {
        "uid": uid,
        "status": status,
        "connectors": [connector(CONNECTOR_IDS[i], stamp) for i in range(connectors)],
        "last_updated": stamp,
    }


def location(stamp: str, name: str = "Station", evses: int = 2) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "id": "LOC1",
        "name": name,
        "evses": [evse(EVSE_UIDS[i], stamp) for i in range(evses)],
        "last_updated": stamp,
    }


def session(stamp: str, kwh: float = 0.0, periods: int = 0) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "id": "S1",
        "kwh": kwh,
        "status": "ACTIVE",
        "charging_periods": [period(stamp, n) for n in range(periods)],
        "last_updated": stamp,
    }


def period(stamp: str, n: int) -> dict[str, Any]:
    return {"start_date_time": stamp, "dimensions": [{"type": "ENERGY", "volume": n + 1}]}


def tariff(stamp: str, price: float) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "GWY",
        "id": "T1",
        "currency": "EUR",
        "price": price,
        "last_updated": stamp,
    }


@dataclass
class Run:
    """One object's changes as the hub makes them, the partner that gets every one of them in order, and the
    partner that gets the outbox's coalesced pushes with the worker claiming, delivering and failing them."""

    module: str
    object_id: str
    initial: dict[str, Any]
    clock: int = 0
    in_order: PartnerModel = field(default_factory=PartnerModel)
    coalesced: PartnerModel = field(default_factory=PartnerModel)
    queue: list[_Pending] = field(default_factory=list)
    in_flight: _Pending | None = None
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for partner in (self.in_order, self.coalesced):
            partner.apply(self.module, "PUT", ["NL", "GWY", self.object_id], copy.deepcopy(self.initial))

    def stamp(self) -> str:
        self.clock += 1
        return format_datetime(START + timedelta(seconds=self.clock))

    @property
    def held(self) -> dict[str, Any] | None:
        """The object as the in-order partner holds it: the hub's current state."""
        return self.in_order.get(self.module, "NL", "GWY", self.object_id)

    def change(self, method: str, body: dict[str, Any] | None, *target: str) -> None:
        self.log.append(f"{method} {'/'.join(target) or self.object_id} {body}")
        parts = ["NL", "GWY", self.object_id, *target]
        self.in_order.apply(self.module, method, parts, copy.deepcopy(body))
        made = Change(
            module=self.module,
            country_code="NL",
            party_id="GWY",
            object_id=self.object_id,
            method=method,
            body=copy.deepcopy(body),
            evse_uid=target[0] if target else None,
            connector_id=target[1] if len(target) > 1 else None,
            changed_at=START + timedelta(seconds=self.clock),
        )
        _coalesce(self.queue, made, {"changed_at": made.changed_at})

    def _open(self) -> list[_Pending]:
        return [p for p in self.queue if not p.superseded]

    def claim(self) -> None:
        """The worker claims the oldest open push (one at a time per object)."""
        waiting = self._open()
        if self.in_flight is None and waiting:
            self.log.append("claim")
            self.in_flight = waiting[0]
            self.queue.remove(waiting[0])

    def deliver(self) -> None:
        if self.in_flight is not None:
            self.log.append("deliver")
            push = self.in_flight.push
            parts = ["NL", "GWY", self.object_id, *push.target]
            self.coalesced.apply(self.module, push.method, parts, copy.deepcopy(push.body))
            self.in_flight = None

    def fail(self) -> None:
        """The attempt fails: the push is pending again, first in line, and absorbs what queued behind it."""
        if self.in_flight is None:
            return
        self.log.append("fail")
        head, self.in_flight = self.in_flight, None
        waiting = self._open()
        merged = absorbing(head.push, [p.push for p in waiting])
        for index, _ in merged:
            waiting[index].superseded = True
        if merged:
            head.push = merged[-1][1]
        self.queue.insert(0, head)

    def finish(self) -> None:
        while self.in_flight is not None or self._open():
            self.claim()
            self.deliver()


def unordered(objects: dict[tuple[str, ...], dict[str, Any]]) -> dict[tuple[str, ...], dict[str, Any]]:
    """EVSEs and Connectors in uid and id order: an EVSE first PUT later than a sibling is appended after it,
    and a receiver identifies them by uid and id, not by position."""

    def sort(value: Any) -> Any:
        if isinstance(value, dict):
            result = {k: sort(v) for k, v in value.items()}
            for children, key in (("evses", "uid"), ("connectors", "id")):
                if isinstance(result.get(children), list):
                    result[children] = sorted(result[children], key=lambda child: str(child[key]))
            return result
        return value

    return {k: sort(v) for k, v in objects.items()}


def _worker_step(run: Run, step: str) -> None:
    {"claim": run.claim, "deliver": run.deliver, "fail": run.fail}[step]()


WORKER = st.sampled_from(["claim", "deliver", "fail"])


@PROPERTY
@given(st.data())
def test_coalesced_location_pushes_leave_the_partner_where_every_change_would(data: st.DataObject) -> None:
    run = Run("locations", "LOC1", location(format_datetime(START)))
    for _ in range(data.draw(st.integers(1, 25), label="steps")):
        kind = data.draw(
            st.sampled_from(
                [
                    "worker",
                    "put_location",
                    "patch_location",
                    "put_evse",
                    "patch_evse",
                    "put_connector",
                    "patch_connector",
                ]
            )
        )
        held = run.held
        assert held is not None
        evses = [e["uid"] for e in held.get("evses") or []]
        if kind == "worker":
            _worker_step(run, data.draw(WORKER))
        elif kind == "put_location":
            stamp = run.stamp()
            run.change(
                "PUT", location(stamp, data.draw(st.sampled_from(["A", "B"])), data.draw(st.integers(0, 3)))
            )
        elif kind == "patch_location":
            run.change(
                "PATCH", {"name": data.draw(st.sampled_from(["A", "B", "C"])), "last_updated": run.stamp()}
            )
        elif kind == "put_evse":
            uid = data.draw(st.sampled_from(EVSE_UIDS))
            stamp = run.stamp()
            run.change(
                "PUT",
                evse(uid, stamp, data.draw(st.sampled_from(STATUSES)), data.draw(st.integers(1, 3))),
                uid,
            )
        elif not evses:
            continue
        elif kind == "patch_evse":
            uid = data.draw(st.sampled_from(evses))
            run.change(
                "PATCH", {"status": data.draw(st.sampled_from(STATUSES)), "last_updated": run.stamp()}, uid
            )
        else:
            uid = data.draw(st.sampled_from(evses))
            found = next(e for e in held["evses"] if e["uid"] == uid)
            connectors = [c["id"] for c in found.get("connectors") or []]
            amperage = data.draw(st.sampled_from([16, 32, 63]))
            if kind == "put_connector":
                connector_id = data.draw(st.sampled_from(CONNECTOR_IDS))
                run.change("PUT", connector(connector_id, run.stamp(), amperage), uid, connector_id)
            elif connectors:
                connector_id = data.draw(st.sampled_from(connectors))
                run.change(
                    "PATCH", {"max_amperage": amperage, "last_updated": run.stamp()}, uid, connector_id
                )
    run.finish()
    assert unordered(run.coalesced.objects) == unordered(run.in_order.objects), run.log


@PROPERTY
@given(st.data())
def test_coalesced_session_pushes_keep_every_charging_period(data: st.DataObject) -> None:
    run = Run("sessions", "S1", session(format_datetime(START)))
    for _ in range(data.draw(st.integers(1, 25), label="steps")):
        kind = data.draw(st.sampled_from(["worker", "put", "patch_periods", "patch_fields"]))
        if kind == "worker":
            _worker_step(run, data.draw(WORKER))
        elif kind == "put":
            stamp = run.stamp()
            run.change(
                "PUT", session(stamp, data.draw(st.sampled_from([0.0, 5.0])), data.draw(st.integers(0, 2)))
            )
        elif kind == "patch_periods":
            stamp = run.stamp()
            periods = [period(stamp, n) for n in range(data.draw(st.integers(1, 2)))]
            run.change("PATCH", {"charging_periods": periods, "kwh": float(run.clock), "last_updated": stamp})
        else:
            status = data.draw(st.sampled_from(["ACTIVE", "COMPLETED"]))
            run.change("PATCH", {"status": status, "last_updated": run.stamp()})
    run.finish()
    assert run.coalesced.objects == run.in_order.objects, run.log


@PROPERTY
@given(
    st.lists(st.one_of(st.integers(10, 90).map(lambda cents: cents / 100), st.none(), WORKER), max_size=25)
)
def test_coalesced_tariff_pushes_and_deletes_leave_the_partner_where_every_change_would(
    steps: list[float | str | None],
) -> None:
    run = Run("tariffs", "T1", tariff(format_datetime(START), 0.25))
    for step in steps:
        if isinstance(step, str):
            _worker_step(run, step)
        elif step is None:
            run.change("DELETE", None)
        else:
            run.change("PUT", tariff(run.stamp(), step))
    run.finish()
    assert run.coalesced.objects == run.in_order.objects, run.log
