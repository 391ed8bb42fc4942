"""Hostile bodies on every interface that writes (issue 11, hostile input; transport_and_format_errors, DESIGN
decision 1): hypothesis mutates a valid body of each Receiver interface, command and callback, the
credentials module, the internal CSMS event API and the admin API (wrong types, nulls, missing and extra
fields, over-long and odd unicode strings, bad enums and dates, huge numbers, deep nesting, no JSON, ids
that differ from the URL's, PATCHes of missing objects). Never a 5xx; on /ocpi always the envelope, a
refusal with a 2xxx status naming its reason; and no partial write: every table reads the same after each
refused request, while an accepted one reads back as sent. The schemathesis run (tests/fuzz) holds every
operation to the transport rules; this one adds what it cannot see, the database."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import re
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from hub.main import create_app
from hub.modules.commands.runner import runner
from hub.tables.commands import CommandDirection, CommandRecord, CommandState
from tests.figures import record
from tests.fixtures_locations import make_evse, make_location, make_tariff
from tests.fuzz import seed
from tests.fuzz.platforms import (
    ADMIN_HEADERS,
    HUB_HOST,
    PEER_HOST,
    PEER_PARTIES,
    Registered,
    fuzz_settings,
    register,
)
from tests.fuzz.platforms import ocpi_headers as token_headers
from tests.network import PeerNetwork

INTERNAL_TOKEN = "internal-fuzz-secret"
OCPI = "/ocpi/2.2.1"
PARTNER = "/".join(seed.PARTNERS)
LOC = f"{OCPI}/receiver/locations/{PARTNER}/{seed.LOCATION_ID}"
LAST_UPDATED = "2026-06-01T00:00:00Z"
# Result URLs of requests we sent the partner (a command, a charging profile), by module.
CALLBACKS = {"commands": "cb-commands-1", "chargingprofiles": "cb-profiles-1"}
COMMANDS = {"commands": "START_SESSION", "chargingprofiles": "SET_CHARGING_PROFILE"}


def cdr() -> dict[str, Any]:
    value: dict[str, Any] = json.loads((Path("tests/spec/ocpi-2.2.1/examples/cdr_example.json")).read_text())
    return {**value, "country_code": seed.PARTNERS[0], "party_id": seed.PARTNERS[1], "id": "CDR-FUZZ"}


def start_session() -> dict[str, Any]:
    return {
        "response_url": f"http://{PEER_HOST}/commands/1",
        "token": seed.token(*seed.PARTNERS),
        "location_id": seed.LOCATION_ID,
        "evse_uid": seed.EVSE_UID,
        "connector_id": seed.CONNECTOR_ID,
    }


def station_status() -> dict[str, Any]:
    return {
        "type": "station_status",
        "event_id": "E1",
        "station_id": "CP-FUZZ",
        "timestamp": LAST_UPDATED,
        "evse": 1,
        "status": "Available",
    }


@dataclass(frozen=True)
class Endpoint:
    """A write and the body it takes; `read` is where an accepted write reads back (None: not readable)."""

    method: str
    path: str
    body: dict[str, Any]
    read: str | None = None
    auth: str = "ocpi"

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _endpoints() -> list[Endpoint]:
    location = make_location(seed.LOCATION_ID, 1, 1, *seed.PARTNERS)
    evse = location["evses"][0]
    connector = evse["connectors"][0]
    patch = {"name": "Patched", "last_updated": LAST_UPDATED}
    ours = "/".join(seed.OURS)
    token = seed.token(*seed.PARTNERS)
    return [
        Endpoint("PUT", LOC, location, LOC),
        Endpoint("PATCH", LOC, patch, LOC),
        Endpoint("PUT", f"{LOC}/{seed.EVSE_UID}", evse, f"{LOC}/{seed.EVSE_UID}"),
        Endpoint("PATCH", f"{LOC}/{seed.EVSE_UID}", {"status": "CHARGING", "last_updated": LAST_UPDATED}),
        Endpoint("PUT", f"{LOC}/{seed.EVSE_UID}/1", connector, f"{LOC}/{seed.EVSE_UID}/1"),
        Endpoint("PATCH", f"{LOC}/{seed.EVSE_UID}/1", {"max_voltage": 400, "last_updated": LAST_UPDATED}),
        Endpoint(
            "PUT",
            f"{OCPI}/receiver/sessions/{PARTNER}/{seed.SESSION_ID}",
            seed.session(*seed.PARTNERS),
            f"{OCPI}/receiver/sessions/{PARTNER}/{seed.SESSION_ID}",
        ),
        Endpoint(
            "PATCH",
            f"{OCPI}/receiver/sessions/{PARTNER}/{seed.SESSION_ID}",
            {"kwh": 2.5, "last_updated": LAST_UPDATED},
        ),
        Endpoint("POST", f"{OCPI}/receiver/cdrs", cdr()),
        Endpoint(
            "PUT",
            f"{OCPI}/receiver/tariffs/{PARTNER}/{seed.TARIFF_ID}",
            make_tariff(seed.TARIFF_ID, *seed.PARTNERS),
            f"{OCPI}/receiver/tariffs/{PARTNER}/{seed.TARIFF_ID}",
        ),
        Endpoint("DELETE", f"{OCPI}/receiver/tariffs/{PARTNER}/{seed.TARIFF_ID}", {}),
        Endpoint(
            "PUT",
            f"{OCPI}/receiver/tokens/{PARTNER}/{seed.TOKEN_UID}",
            token,
            f"{OCPI}/receiver/tokens/{PARTNER}/{seed.TOKEN_UID}",
        ),
        Endpoint(
            "PATCH",
            f"{OCPI}/receiver/tokens/{PARTNER}/{seed.TOKEN_UID}",
            {"valid": False, "last_updated": LAST_UPDATED},
        ),
        Endpoint("POST", f"{OCPI}/receiver/commands/START_SESSION", start_session()),
        Endpoint(
            "POST", f"{OCPI}/sender/commands/START_SESSION/{CALLBACKS['commands']}", {"result": "ACCEPTED"}
        ),
        Endpoint(
            "PUT",
            f"{OCPI}/receiver/chargingprofiles/{seed.SESSION_ID}",
            {
                "charging_profile": {
                    "charging_rate_unit": "A",
                    "charging_profile_period": [{"start_period": 0, "limit": 16.0}],
                },
                "response_url": f"http://{PEER_HOST}/profiles/1",
            },
        ),
        Endpoint(
            "POST",
            f"{OCPI}/sender/chargingprofiles/SET_CHARGING_PROFILE/{CALLBACKS['chargingprofiles']}",
            {"result": "ACCEPTED"},
        ),
        Endpoint(
            "PUT",
            f"{OCPI}/receiver/hubclientinfo/{PARTNER}",
            {"country_code": "DE", "party_id": "MSP", "role": "EMSP", "status": "CONNECTED"}
            | {"last_updated": LAST_UPDATED},
        ),
        Endpoint(
            "PUT",
            f"{OCPI}/credentials",
            {
                "token": "a-new-token",
                "url": "http://nowhere.test/ocpi/versions",
                "roles": [
                    {
                        "role": "EMSP",
                        "country_code": "DE",
                        "party_id": "MSP",
                        "business_details": {"name": "Peer eMSP"},
                    }
                ],
            },
        ),
        Endpoint("POST", f"{OCPI}/credentials", {"token": "x", "url": "http://nowhere.test/", "roles": []}),
        Endpoint("POST", "/internal/v1/events", station_status(), auth="internal"),
        Endpoint(
            "PUT",
            f"/admin/locations/{ours}/{seed.LOCATION_ID}",
            make_location(seed.LOCATION_ID, tariff_ids=[seed.TARIFF_ID]),
            f"/admin/locations/{ours}/{seed.LOCATION_ID}",
            auth="admin",
        ),
        Endpoint(
            "PUT",
            f"/admin/locations/{ours}/{seed.LOCATION_ID}/{seed.EVSE_UID}",
            make_evse(seed.EVSE_UID),
            auth="admin",
        ),
        Endpoint(
            "PUT",
            f"/admin/tariffs/{ours}/{seed.TARIFF_ID}",
            make_tariff(seed.TARIFF_ID),
            f"/admin/tariffs/{ours}/{seed.TARIFF_ID}",
            auth="admin",
        ),
        Endpoint(
            "PUT",
            f"/admin/sessions/{ours}/{seed.SESSION_ID}",
            seed.session(*seed.OURS),
            f"/admin/sessions/{ours}/{seed.SESSION_ID}",
            auth="admin",
        ),
        Endpoint("POST", "/admin/import/locations", [make_location("LOC9")], auth="admin"),  # type: ignore[arg-type]
    ]


ENDPOINTS = _endpoints()

# Values no field expects, or not in this form.
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([1e308, -1e308, 2**63, -(2**63) - 1, 0.1 + 0.2, 10**30]),
    st.text(max_size=16),
    st.text(min_size=65, max_size=3000, alphabet="xé😀\u202e\u0000"),
    st.sampled_from(["NOT_AN_ENUM", "2026-13-45T99:00:00Z", "2026-01-01", "yesterday", "", " ", "\u0000"]),
    st.sampled_from(["1e999", "NaN", "-0", "DE", "de", "http://", "javascript:alert(1)"]),
    st.just([]),
    st.just({}),
    st.just([[[[[[[[[[{}]]]]]]]]]]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value inside a body."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield (*prefix, key)
        yield from paths(inner, (*prefix, key))


def parent(body: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        body = body[key]
    return body


@dataclass
class Case:
    """One request: what it changed from the valid body, and how."""

    endpoint: Endpoint
    kind: str
    body: Any = None
    raw: bytes | None = None
    path: str = ""
    field: str | None = None
    # What an accepted write reads back: the body, less the fields it added that no object has.
    expect: Any = None


# Two halves, so that xdist runs them side by side.
GROUPS = {
    "receivers": [e for e in ENDPOINTS if "/receiver/" in e.path],
    "others": [e for e in ENDPOINTS if "/receiver/" not in e.path],
}


@st.composite
def cases(draw: st.DrawFn, endpoints: list[Endpoint]) -> Case:
    endpoint = draw(st.sampled_from(endpoints))
    body = copy.deepcopy(endpoint.body)
    if endpoint.path.endswith("/cdrs"):
        body["id"] = draw(st.from_regex(r"CDR-[A-Z0-9]{1,12}", fullmatch=True))  # a CDR is never replaced
    kind = draw(
        st.sampled_from(["set", "set", "set", "delete", "extra", "whole", "raw", "url", "missing", "valid"])
    )
    case = Case(endpoint, kind, body=body, path=endpoint.path)
    where = list(paths(body))
    if kind in ("set", "delete", "extra") and where:
        path = draw(st.sampled_from(where))
        holder = parent(body, path)
        field = next((key for key in reversed(path) if isinstance(key, str)), None)
        case.field = field
        if kind == "set":
            holder[path[-1]] = draw(HOSTILE)
        elif kind == "delete":
            holder.pop(path[-1])
        else:
            case.expect = copy.deepcopy(body)
            if isinstance(holder, dict):
                holder[draw(st.text(min_size=1, max_size=20))] = draw(HOSTILE)
            else:
                holder.append(draw(HOSTILE))
            case.field = None
    elif kind == "whole":
        case.body = draw(HOSTILE)
    elif kind == "raw":
        depth = draw(st.integers(min_value=1, max_value=5000))
        case.raw = draw(
            st.sampled_from(
                [
                    b"[" * depth + b"]" * depth,
                    b'{"a":' * depth + b"1" + b"}" * depth,
                    b"{not json",
                    b"\xff\xfe\x00",
                    b"",
                    b'{"last_updated": "\xed\xa0\x80"}',
                ]
            )
        )
    elif kind == "url":
        # The body names one object, the URL another (or a party that is not the caller's).
        segments = endpoint.path.split("/")
        index = draw(st.sampled_from(range(len(segments) - 3, len(segments))))
        segments[index] = draw(st.sampled_from(["OTHER", "XX", "Y" * 40, "%20", "NL", "GWY"]))
        case.path = "/".join(segments)
    elif kind == "missing":
        case.path = endpoint.path.rstrip("/") + "-MISSING" if endpoint.method == "PATCH" else endpoint.path
        if endpoint.method != "PATCH":
            case.kind = "valid"
    return case


def fingerprint(database: Path) -> dict[str, tuple[int, str]]:
    """Row count and content hash of every table (nothing on a refused request should move, not even a
    timestamp, so no column is left out)."""
    tables: dict[str, tuple[int, str]] = {}
    with sqlite3.connect(database) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for name in names:
            rows = sorted(repr(row) for row in connection.execute(f'SELECT * FROM "{name}"'))
            tables[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return tables


def without_last_updated(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_last_updated(v) for k, v in value.items() if k != "last_updated"}
    if isinstance(value, list):
        return [without_last_updated(v) for v in value]
    return value


def differences(sent: Any, got: Any) -> list[tuple[str, Any, Any]]:
    """The top-level fields that do not read back, for the failure message."""
    if not isinstance(sent, dict) or not isinstance(got, dict):
        return [("", sent, got)]
    return [(key, value, got.get(key)) for key, value in sent.items() if not reads_back({key: value}, got)]


def _decimal(text: str) -> float | None:
    try:
        return float(Decimal(text))
    except ArithmeticError:
        return None


def reads_back(sent: Any, got: Any) -> bool:
    """`contains`, where a field sent as null may read back absent."""
    if isinstance(sent, dict):
        return isinstance(got, dict) and all(
            (value is None and got.get(key) is None) or (key in got and reads_back(value, got[key]))
            for key, value in sent.items()
        )
    if isinstance(sent, list):
        return isinstance(got, list) and len(sent) == len(got) and all(map(reads_back, sent, got))
    if isinstance(sent, str) and isinstance(got, int | float) and not isinstance(got, bool):
        # A number sent as text ("0") is taken (types_number_type is parsed leniently) and our own objects
        # are written back with JSON numbers.
        return _decimal(sent) == got
    if isinstance(sent, int | float) and isinstance(got, int | float) and bool not in (type(sent), type(got)):
        # RFC 8259 §6: a JSON number is interoperable to a double's precision, as we emit our own numbers.
        return float(sent) == float(got)
    return bool(sent == got)


@dataclass
class Hub:
    app: FastAPI
    client: httpx.AsyncClient
    database: Path
    registered: Registered


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Registered:
    return register(tmp_path_factory.mktemp("bodies"), sqlite_template)


@pytest.fixture
async def hub(registered: Registered, tmp_path: Path) -> AsyncIterator[Hub]:
    hub_db, peer_db = tmp_path / "hub.db", tmp_path / "peer.db"
    shutil.copy(registered.hub_db, hub_db)
    shutil.copy(registered.peer_db, peer_db)
    network = PeerNetwork()
    hub_settings = fuzz_settings(f"sqlite:///{hub_db}", HUB_HOST).model_copy(
        update={"internal_tokens": (SecretStr(INTERNAL_TOKEN),)}
    )
    app = create_app(hub_settings, partner_transport=network)
    peer = create_app(
        fuzz_settings(f"sqlite:///{peer_db}", PEER_HOST, PEER_PARTIES), partner_transport=network
    )
    network.attach_app(HUB_HOST, app)
    network.attach_app(PEER_HOST, peer)
    async with LifespanManager(peer), LifespanManager(app) as manager:
        async with app.state.sessionmaker() as session:
            for module, callback_id in CALLBACKS.items():
                session.add(
                    CommandRecord(
                        direction=CommandDirection.SENT,
                        module=module,
                        command=COMMANDS[module],
                        partner_id=registered.partner_id,
                        callback_id=callback_id,
                        response_url=f"http://{HUB_HOST}{OCPI}/sender/{module}/{COMMANDS[module]}/{callback_id}",
                        request="{}",
                        state=CommandState.WAITING,
                    )
                )
            await session.commit()
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{HUB_HOST}") as client:
            yield Hub(app, client, hub_db, registered)


def headers(case: Case, registered: Registered) -> dict[str, str]:
    chosen = {
        "ocpi": token_headers(registered.token),
        "admin": dict(ADMIN_HEADERS),
        "internal": {"Authorization": f"Bearer {INTERNAL_TOKEN}"},
    }[case.endpoint.auth]
    return {**chosen, "Content-Type": "application/json"}


@dataclass
class Tally:
    cases: int = 0
    refused: int = 0
    accepted: int = 0
    read_back: int = 0
    partial_writes: int = 0
    # The fingerprint after the last request (None after an accepted one: taken afresh).
    baseline: dict[str, tuple[int, str]] | None = None


async def send(hub: Hub, case: Case, tally: Tally) -> None:
    before = tally.baseline if tally.baseline is not None else fingerprint(hub.database)
    if case.raw is not None:
        content = case.raw
    elif case.endpoint.method == "DELETE" and case.kind == "valid":
        content = b""
    else:
        content = json.dumps(case.body).encode()
    response = await hub.client.request(
        case.endpoint.method, case.path, content=content, headers=headers(case, hub.registered)
    )
    tally.cases += 1
    label = f"{case.kind} {case.endpoint.method} {case.path} {content[:300]!r}"
    assert response.status_code < 500, (label, response.status_code, response.text[:500])
    accepted = 200 <= response.status_code < 300
    if case.path.startswith("/ocpi"):
        envelope = response.json()
        assert set(envelope) <= {"data", "status_code", "status_message", "timestamp"}, (label, envelope)
        status = envelope["status_code"]
        accepted = status == 1000
        if not accepted:
            # 2xxx: the client's request; 3001 only where the credentials module tried the partner's URL.
            assert 2000 <= status < 3000 or (status == 3001 and "credentials" in case.path), (label, envelope)
            assert envelope.get("status_message"), (label, envelope)
            assert response.status_code in (200, 400, 404, 405), (label, response.status_code)
            if response.status_code == 400:
                assert case.raw is not None, (label, envelope)  # HTTP 400 only for a body that is no JSON
            if status == 2001:
                # transport_and_format_errors: the message says what is wrong, the field first.
                assert FIELD_FIRST.match(envelope["status_message"]), (label, envelope)
    if not accepted:
        tally.refused += 1
        after = fingerprint(hub.database)
        tally.baseline = after
        changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        if changed:
            tally.partial_writes += 1
        assert not changed, (label, response.status_code, response.text[:300], changed)
        return
    tally.accepted += 1
    tally.baseline = None
    await runner(hub.app.state).join()  # a command's work ends before the next request's fingerprint
    if case.endpoint.read and case.path == case.endpoint.path and isinstance(case.body, dict):
        got = await hub.client.get(case.endpoint.read, headers=headers(case, hub.registered))
        answer = got.json()
        data = answer["data"] if "status_code" in answer else answer
        expect = case.body if case.expect is None else case.expect
        if case.endpoint.auth == "admin":
            expect = without_last_updated(expect)  # we keep our own objects' last_updated (README)
        assert reads_back(expect, data), (label, differences(expect, data))
        tally.read_back += 1


FIELD_FIRST = re.compile(r"[A-Za-z_][\w.\[\]-]*(, [A-Za-z_][\w.\[\]-]*)*: ")
EXAMPLES = 1500


@pytest.mark.parametrize("group", sorted(GROUPS))
async def test_hostile_bodies_are_refused_whole_and_accepted_ones_read_back(hub: Hub, group: str) -> None:
    loop = asyncio.get_running_loop()
    tally = Tally()
    started = time.monotonic()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(cases(GROUPS[group]))
    def example(case: Case) -> None:
        asyncio.run_coroutine_threadsafe(send(hub, case, tally), loop).result(30)

    await asyncio.to_thread(example)
    assert tally.cases >= EXAMPLES
    assert tally.refused > EXAMPLES // 2, tally
    assert tally.accepted > 50, tally
    assert tally.read_back > 20, tally
    record(
        f"hostile bodies: {group}",
        cases=tally.cases,
        refused=tally.refused,
        accepted=tally.accepted,
        read_back=tally.read_back,
        partial_writes=tally.partial_writes,
        seconds=round(time.monotonic() - started, 1),
    )
