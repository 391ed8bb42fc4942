"""What must hold after a fault (issue 11): one Session and one CDR per accepted OCPP transaction, every CDR at
its eMSP unchanged (mod_cdrs: a CDR "cannot be changed or replaced once sent"), no object's state going
backwards at the partner (transport_and_format: pushes of one object in order), and the partner's final
state equal to the hub's."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tests.fault.charger import OfflineCharger, Transaction
from tests.fault.site import Ledger
from tests.outbox.fake_partner import FakePartner, Received

SESSION_RANK = {"PENDING": 0, "RESERVATION": 0, "ACTIVE": 1, "COMPLETED": 2, "INVALID": 2}


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Checked:
    transactions: int = 0
    sessions: int = 0
    cdrs: int = 0
    reposted_cdrs: int = 0  # CDR POSTs after the first accepted one of the same id (identical bodies)
    evses: int = 0

    @property
    def objects(self) -> int:
        return self.sessions + self.cdrs + self.evses


def accepted_transactions(chargers: list[OfflineCharger]) -> list[Transaction]:
    for charger in chargers:
        assert not charger.errors, f"{charger.station_id} got CALLERRORs: {charger.errors}"
        assert charger.pending == 0, f"{charger.station_id} still holds {charger.pending} messages"
    transactions = [t for charger in chargers for t in charger.transactions]
    refused = [t for t in transactions if not t.accepted]
    assert not refused, f"StartTransaction not accepted: {refused}"
    return transactions


def check_ledger(transactions: list[Transaction], ledger: Ledger) -> None:
    """Exactly one transaction row, Session and (once stopped) CDR per transaction the chargers got accepted,
    and nothing else; energies as metered."""
    rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in ledger.transactions:
        rows[(row["station_id"], str(row["transaction_id"]))].append(row)
    ours = {(t.station_id, str(t.transaction_id)) for t in transactions}
    assert len(ours) == len(transactions), "the hub gave two transactions the same transactionId"
    assert set(rows) == ours, (
        f"rows without a charger transaction: {set(rows) - ours}; missing: {ours - set(rows)}"
    )
    assert all(len(found) == 1 for found in rows.values())
    assert len(ledger.sessions) == len(transactions), (len(ledger.sessions), len(transactions))
    stopped = [t for t in transactions if t.stopped]
    assert len(ledger.cdrs) == len(stopped), (len(ledger.cdrs), len(stopped))
    for transaction in transactions:
        (row,) = rows[(transaction.station_id, str(transaction.transaction_id))]
        session = ledger.sessions[row["session_id"]]
        if not transaction.stopped:
            assert session["status"] == "ACTIVE", (transaction, session["status"])
            assert row["cdr_id"] is None
            continue
        assert transaction.meter_stop is not None
        kwh = Decimal(transaction.meter_stop - transaction.meter_start) / 1000
        assert session["status"] == "COMPLETED", (transaction, session["status"])
        assert Decimal(str(session["kwh"])) == kwh, (transaction, session["kwh"])
        cdr = ledger.cdrs[row["cdr_id"]]
        assert cdr["session_id"] == session["id"]
        assert Decimal(str(cdr["total_energy"])) == kwh, (transaction, cdr["total_energy"])


def check_cdrs_delivered(ledger: Ledger, emsp: FakePartner, *, reposts: bool) -> int:
    """Every CDR accepted by the eMSP, as stored; a POST of the same id again is allowed only with `reposts`
    (the hub killed between the eMSP's answer and recording it: at-least-once) and only with the same body.
    Returns the number of such re-POSTs."""
    posted: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for push in emsp.accepted("cdrs"):
        assert push.method == "POST", push
        posted[push.body["id"]].append(push.body)
    assert set(posted) == set(ledger.cdrs), (
        f"CDRs not received: {set(ledger.cdrs) - set(posted)}; unknown: {set(posted) - set(ledger.cdrs)}"
    )
    again = 0
    for cdr_id, bodies in posted.items():
        assert all(body == bodies[0] for body in bodies), f"CDR {cdr_id} changed between two POSTs"
        stored = ledger.cdrs[cdr_id]
        for name in ("session_id", "total_energy", "total_cost", "start_date_time", "end_date_time"):
            assert bodies[0][name] == stored[name], (cdr_id, name, bodies[0][name], stored[name])
        again += len(bodies) - 1
    assert reposts or again == 0, f"{again} CDRs were POSTed twice"
    return again


def session_states(emsp: FakePartner) -> dict[str, list[tuple[Received, dict[str, Any]]]]:
    """Per Session id, each accepted push with the partner's view of the Session after it."""
    states: dict[str, list[tuple[Received, dict[str, Any]]]] = defaultdict(list)
    for push in emsp.accepted("sessions"):
        session_id = push.parts[2]
        before = states[session_id][-1][1] if states[session_id] else {}
        after = dict(push.body) if push.method == "PUT" else {**before, **push.body}
        states[session_id].append((push, after))
    return states


def check_sessions_forward(ledger: Ledger, emsp: FakePartner) -> int:
    """At the eMSP no Session's status, kwh or last_updated ever goes backwards, and each ends as stored."""
    states = session_states(emsp)
    assert set(states) == set(ledger.sessions), (
        f"Sessions not received: {set(ledger.sessions) - set(states)}; unknown: {set(states) - set(ledger.sessions)}"
    )
    for session_id, seen in states.items():
        assert seen[0][0].method == "PUT", f"Session {session_id} first reached the eMSP as a PATCH"
        for (_, older), (push, newer) in itertools.pairwise(seen):
            assert SESSION_RANK[newer["status"]] >= SESSION_RANK[older["status"]], (session_id, push.body)
            assert Decimal(str(newer["kwh"])) >= Decimal(str(older["kwh"])), (session_id, push.body)
            assert stamp(newer["last_updated"]) >= stamp(older["last_updated"]), (session_id, push.body)
        final, stored = seen[-1][1], ledger.sessions[session_id]
        for name in ("status", "kwh", "last_updated"):
            assert final[name] == stored[name], (
                f"Session {session_id} {name}: {final[name]} at the eMSP, {stored[name]} stored; received "
                f"{[(push.method, push.body) for push, _ in seen]}"
            )
    return len(states)


def evse_pushes(emsp: FakePartner, since: int = 0) -> dict[tuple[str, str], list[tuple[Received, str, str]]]:
    """Per (location id, EVSE uid), each accepted push carrying its status, from request number `since` on:
    (push, status, last_updated)."""
    found: dict[tuple[str, str], list[tuple[Received, str, str]]] = defaultdict(list)
    recent = {id(request) for request in emsp.requests[since:]}
    for push in (p for p in emsp.accepted("locations") if id(p) in recent):
        parts = push.parts
        if len(parts) == 3:
            for evse in push.body.get("evses", []) if push.method == "PUT" else push.body.get("evses") or []:
                found[(parts[2], evse["uid"])].append((push, evse["status"], evse["last_updated"]))
        elif len(parts) == 4 and "status" in push.body:
            found[(parts[2], parts[3])].append((push, push.body["status"], push.body["last_updated"]))
    return found


def check_evses_forward(emsp: FakePartner, stored: dict[tuple[str, str], str]) -> int:
    """No EVSE's `last_updated` goes backwards at the eMSP, and its last status there is the hub's."""
    pushes = evse_pushes(emsp)
    for evse, seen in pushes.items():
        for (_, _, older), (push, _, newer) in itertools.pairwise(seen):
            assert stamp(newer) >= stamp(older), (evse, str(push), older, newer)
    for (location_id, evse_uid), status in stored.items():
        location = emsp.model.get("locations", "NL", "GWY", location_id)
        assert location is not None, location_id
        held = next(e["status"] for e in location["evses"] if e["uid"] == evse_uid)
        assert held == status, (location_id, evse_uid, held, status)
    return len(stored)


def lost(transactions: list[Transaction], ledger: Ledger, emsp: FakePartner) -> int:
    """Accepted transactions without a stored Session, or stopped ones whose CDR the eMSP never accepted."""
    rows = {(r["station_id"], str(r["transaction_id"])): r for r in ledger.transactions}
    received = {push.body["id"] for push in emsp.accepted("cdrs")}
    missing = 0
    for transaction in transactions:
        row = rows.get((transaction.station_id, str(transaction.transaction_id)))
        stored = row is not None and row["session_id"] in ledger.sessions
        if not stored or (transaction.stopped and row is not None and row["cdr_id"] not in received):
            missing += 1
    return missing


def sessions_held(ledger: Ledger, emsp: FakePartner) -> bool:
    """The eMSP's last view of every stored Session has the stored status, kwh and last_updated."""
    states = session_states(emsp)
    for session_id, stored in ledger.sessions.items():
        seen = states.get(session_id)
        if not seen or any(seen[-1][1].get(n) != stored[n] for n in ("status", "kwh", "last_updated")):
            return False
    return True
