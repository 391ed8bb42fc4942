"""HubClientInfo in both roles (mod_hub_client_info.asciidoc): a Hub partner pushes ClientInfo to our Receiver
interface; as a Hub we serve the ClientInfo of our connected parties on our Sender interface."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlmodel import col, select

from hub.config import LocalParty
from hub.modules.credentials import module as credentials_module
from hub.modules.hub_client_info import module as hub_client_info_module
from hub.modules.hub_client_info.service import (
    STARTED_AT,
    client_infos,
    partner_client_infos,
    receiver_url,
)
from hub.ocpi.base import format_datetime
from hub.ocpi.enums import Role
from hub.ocpi.v221.hub_client_info import ClientInfo, ConnectionStatus
from hub.tables import PartnerRecord, PartnerRoleRecord, PartnerStatus
from hub.tables.client_info import ClientInfoRecord
from tests.conftest import ADMIN_TOKEN, Platform, PlatformFactory, connect, invite, ocpi_auth
from tests.unit.test_client_info_examples import put_example, repaired

SENDER = "/ocpi/2.2.1/sender/hubclientinfo"
RECEIVER = "/ocpi/2.2.1/receiver/hubclientinfo"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MODULES = (credentials_module, hub_client_info_module)
ROUTING = {"OCPI-to-country-code": "NL", "OCPI-to-party-id": "HUB"}


def party(country_code: str, party_id: str, role: Role) -> LocalParty:
    return LocalParty(country_code=country_code, party_id=party_id, role=role, name=f"{role} {party_id}")


@dataclass
class Joined:
    """A partner platform connected to the platform under test."""

    platform: Platform
    token: str  # the token it calls the platform under test with
    partner_id: int  # its partner record on the platform under test


async def latest_partner_id(platform: Platform) -> int:
    async with platform.app.state.sessionmaker() as session:
        partner: PartnerRecord | None = (
            await session.exec(select(PartnerRecord).order_by(col(PartnerRecord.id).desc()))
        ).first()
    assert partner is not None
    assert partner.id is not None
    return partner.id


@pytest.fixture
def join(
    platforms: PlatformFactory, new_sqlite_url: Callable[[], str]
) -> Callable[[Platform, str, LocalParty], Any]:
    """Starts a partner platform (SQLite) with one local party and registers it with `target`."""

    async def run(target: Platform, host: str, local: LocalParty) -> Joined:
        platform = platforms(new_sqlite_url(), host, [local], modules=MODULES)
        token, _ = await connect(target, platform)
        return Joined(platform, token, await latest_partner_id(target))

    return run


def info(
    country_code: str = "NL",
    party_id: str = "ALL",
    role: str = "CPO",
    status: str = "PLANNED",
    last_updated: str | None = "2026-01-01T00:00:00Z",
) -> dict[str, Any]:
    body = {"country_code": country_code, "party_id": party_id, "role": role, "status": status}
    if last_updated is not None:
        body["last_updated"] = last_updated
    return body


async def stored(platform: Platform) -> list[ClientInfoRecord]:
    async with platform.app.state.sessionmaker() as session:
        return list((await session.exec(select(ClientInfoRecord).order_by(col(ClientInfoRecord.id)))).all())


# -- Receiver interface (every party connected to a Hub) -----------------------------------------------------


@pytest.fixture
async def us(platforms: PlatformFactory, database_url: str) -> Platform:
    """The platform under test as a CPO connected to Hubs, on both engines."""
    return platforms(database_url, "us.test", [party("NL", "GWY", Role.CPO)], modules=MODULES)


@pytest.fixture
async def roaming_hub(us: Platform, join: Callable[..., Any]) -> Joined:
    """A Hub registered with us (its credentials list only the HUB role)."""
    joined: Joined = await join(us, "roaming-hub.test", party("NL", "RHB", Role.HUB))
    return joined


async def put(
    platform: Platform, token: str, path: str, body: Any, headers: dict[str, str] | None = None
) -> Any:
    return await platform.client.put(
        f"{RECEIVER}/{path}", json=body, headers={**ocpi_auth(token), **(headers or {})}
    )


async def test_hub_put_is_201_then_200_and_get_returns_what_it_pushed(
    us: Platform, roaming_hub: Joined
) -> None:
    first = await put(us, roaming_hub.token, "NL/ALL", info(status="PLANNED"))
    assert (first.status_code, first.json()["status_code"]) == (201, 1000)
    connected = info(status="CONNECTED", last_updated="2026-01-02T00:00:00Z")
    second = await put(us, roaming_hub.token, "NL/ALL", connected)
    assert (second.status_code, second.json()["status_code"]) == (200, 1000)

    got = await us.client.get(f"{RECEIVER}/NL/ALL", headers=ocpi_auth(roaming_hub.token))

    assert (got.status_code, got.json()["status_code"]) == (200, 1000)
    assert got.json()["data"] == connected
    (record,) = await stored(us)
    assert (record.partner_id, record.country_code, record.party_id, record.object_key) == (
        roaming_hub.partner_id,
        "NL",
        "ALL",
        "CPO",
    )
    assert record.last_updated == datetime(2026, 1, 2, tzinfo=UTC)


async def test_hub_suspends_a_party_by_put(us: Platform, roaming_hub: Joined) -> None:
    # "When the Hub invalidates a ClientInfo object (deleting is not possible), the Hub will send the updated
    # ClientInfo object (with the field: status set to SUSPENDED"
    await put(us, roaming_hub.token, "NL/ALL", info(status="CONNECTED"))
    await put(us, roaming_hub.token, "NL/ALL", info(status="SUSPENDED", last_updated="2026-01-03T00:00:00Z"))

    got = await us.client.get(f"{RECEIVER}/NL/ALL", headers=ocpi_auth(roaming_hub.token))

    assert got.json()["data"]["status"] == "SUSPENDED"


async def test_party_identifiers_in_the_url_are_case_insensitive(us: Platform, roaming_hub: Joined) -> None:
    assert (
        await put(us, roaming_hub.token, "nl/all", info(country_code="nl", party_id="All"))
    ).status_code == 201

    got = await us.client.get(f"{RECEIVER}/Nl/aLL", headers=ocpi_auth(roaming_hub.token))

    assert got.json()["data"] == info()  # CiString: kept upper-cased, as credentials roles are


async def test_get_of_an_unknown_client_info_is_404(us: Platform, roaming_hub: Joined) -> None:
    response = await us.client.get(f"{RECEIVER}/NL/ALL", headers=ocpi_auth(roaming_hub.token))

    assert (response.status_code, response.json()["status_code"]) == (404, 2000)


async def test_url_party_differing_from_the_body_is_2001(us: Platform, roaming_hub: Joined) -> None:
    for path in ("DE/ALL", "NL/XYZ"):
        response = await put(us, roaming_hub.token, path, info())
        assert (response.status_code, response.json()["status_code"]) == (200, 2001), path
        assert "in the body differs from" in response.json()["status_message"]
    assert await stored(us) == []


async def test_put_without_last_updated_like_the_spec_example_is_2001(
    us: Platform, roaming_hub: Joined
) -> None:
    # The chapter's PUT example leaves last_updated out, but ClientInfo.last_updated has cardinality 1.
    response = await put(us, roaming_hub.token, "NL/ALL", info(last_updated=None))

    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("last_updated")
    assert await stored(us) == []


async def test_the_spec_example_verbatim_is_not_json_so_http_400(us: Platform, roaming_hub: Joined) -> None:
    # The example as printed has a trailing comma after "status": "PLANNED" (tests/unit/test_client_info_examples).
    url, body = put_example()
    response = await us.client.put(
        f"{RECEIVER}/{'/'.join(url.split('/')[-2:])}",
        content=body.encode(),
        headers={**ocpi_auth(roaming_hub.token), "Content-Type": "application/json"},
    )

    assert (response.status_code, response.json()["status_code"]) == (400, 2000)
    assert await stored(us) == []


async def test_the_spec_example_repaired_is_2001_for_its_missing_last_updated(
    us: Platform, roaming_hub: Joined
) -> None:
    _url, body = put_example()

    response = await put(us, roaming_hub.token, "NL/ALL", repaired(body))

    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"] == "last_updated: Field required"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "ONLINE"}, "status"),
        ({"status": "connected"}, "status"),  # enum values are case-sensitive
        ({"role": "DRIVER"}, "role"),
        ({"party_id": "ALLE"}, "party_id"),
        ({"country_code": "NLD"}, "country_code"),
        ({"last_updated": "yesterday"}, "last_updated"),
    ],
)
async def test_invalid_client_info_is_2001_naming_the_field(
    us: Platform, roaming_hub: Joined, change: dict[str, str], field: str
) -> None:
    response = await put(us, roaming_hub.token, "NL/ALL", info() | change)

    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith(field)
    assert await stored(us) == []


async def test_one_party_in_two_roles_is_kept_per_role_and_get_returns_the_latest_pushed(
    us: Platform, roaming_hub: Joined
) -> None:
    cpo = info(party_id="ABC", role="CPO", status="CONNECTED", last_updated="2026-01-01T00:00:00Z")
    emsp = info(party_id="ABC", role="EMSP", status="PLANNED", last_updated="2026-01-02T00:00:00Z")
    assert (await put(us, roaming_hub.token, "NL/ABC", cpo)).status_code == 201
    assert (await put(us, roaming_hub.token, "NL/ABC", emsp)).status_code == 201

    got = await us.client.get(f"{RECEIVER}/NL/ABC", headers=ocpi_auth(roaming_hub.token))

    assert got.json()["data"] == emsp
    assert [r.object_key for r in await stored(us)] == ["CPO", "EMSP"]


async def test_each_hub_sees_only_what_it_pushed(us: Platform, roaming_hub: Joined, join: Any) -> None:
    other: Joined = await join(us, "other-hub.test", party("DE", "OHB", Role.HUB))
    await put(us, roaming_hub.token, "NL/ALL", info(status="CONNECTED"))

    assert (await us.client.get(f"{RECEIVER}/NL/ALL", headers=ocpi_auth(other.token))).status_code == 404
    assert (await put(us, other.token, "NL/ALL", info(status="OFFLINE"))).status_code == 201
    mine = await us.client.get(f"{RECEIVER}/NL/ALL", headers=ocpi_auth(roaming_hub.token))
    assert mine.json()["data"]["status"] == "CONNECTED"


async def test_a_partner_without_the_hub_role_gets_404_even_with_an_invalid_body(
    us: Platform, roaming_hub: Joined, join: Any
) -> None:
    cpo: Joined = await join(us, "cpo.test", party("DE", "CPX", Role.CPO))
    await put(us, roaming_hub.token, "NL/ALL", info(status="CONNECTED"))

    for body in (info(), {"status": "nonsense"}):
        response = await put(us, cpo.token, "NL/ALL", body)
        assert (response.status_code, response.json()["status_code"]) == (404, 2000)
        assert "HUB role" in response.json()["status_message"]
    got = await us.client.get(f"{RECEIVER}/NL/ALL", headers=ocpi_auth(cpo.token))
    assert got.status_code == 404
    assert [orjson.loads(r.body)["status"] for r in await stored(us)] == ["CONNECTED"]


async def test_token_a_is_refused_with_401(us: Platform) -> None:
    token_a = (await invite(us))["token"]

    for method, path in (("GET", f"{RECEIVER}/NL/ALL"), ("PUT", f"{RECEIVER}/NL/ALL"), ("GET", SENDER)):
        response = await us.client.request(
            method, path, json=info() if method == "PUT" else None, headers=ocpi_auth(token_a)
        )
        assert response.status_code == 401, (method, path)


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
async def test_receiver_methods_the_spec_marks_na_are_405(
    us: Platform, roaming_hub: Joined, method: str
) -> None:
    response = await us.client.request(
        method, f"{RECEIVER}/NL/ALL", json=info(), headers=ocpi_auth(roaming_hub.token)
    )

    assert (response.status_code, response.json()["status_code"]) == (405, 2000)


@pytest.mark.parametrize(
    "headers",
    [
        {"OCPI-to-country-code": "NL", "OCPI-to-party-id": "GWY"},
        {"OCPI-from-country-code": "NL", "OCPI-from-party-id": "RHB"},
    ],
)
async def test_receiver_refuses_routing_headers_it_is_a_configuration_module(
    us: Platform, roaming_hub: Joined, headers: dict[str, str]
) -> None:
    # transport_and_format_message_routing: the routing headers "SHALL NOT be used with these modules".
    response = await put(us, roaming_hub.token, "NL/ALL", info(), headers)
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert "configuration modules" in response.json()["status_message"]
    got = await us.client.get(f"{RECEIVER}/NL/ALL", headers={**ocpi_auth(roaming_hub.token), **headers})
    assert got.json()["status_code"] == 2001
    assert await stored(us) == []


async def test_version_details_announce_the_receiver_and_only_a_hub_the_sender(
    platforms: PlatformFactory, new_sqlite_url: Callable[[], str], us: Platform
) -> None:
    hub = platforms(new_sqlite_url(), "ahub.test", [party("NL", "HUB", Role.HUB)], modules=MODULES)
    announced = {}
    for platform in (us, hub):
        token_a = (await invite(platform))["token"]
        details = await platform.client.get("/ocpi/2.2.1", headers=ocpi_auth(token_a))
        announced[platform.settings.base_url] = [
            (e["role"], e["url"])
            for e in details.json()["data"]["endpoints"]
            if e["identifier"] == "hubclientinfo"
        ]
    assert announced == {
        "http://us.test": [("RECEIVER", "http://us.test/ocpi/2.2.1/receiver/hubclientinfo")],
        "http://ahub.test": [
            ("SENDER", "http://ahub.test/ocpi/2.2.1/sender/hubclientinfo"),
            ("RECEIVER", "http://ahub.test/ocpi/2.2.1/receiver/hubclientinfo"),
        ],
    }


# -- Sender interface (the Hub) ------------------------------------------------------------------------------


@pytest.fixture
async def hub(platforms: PlatformFactory, database_url: str) -> Platform:
    """The platform under test as a Hub that also runs a CPO party of its own, on both engines."""
    return platforms(
        database_url,
        "hub.test",
        [party("NL", "HUB", Role.HUB), party("NL", "HCP", Role.CPO)],
        modules=MODULES,
    )


@pytest.fixture
async def cpo(hub: Platform, join: Any) -> Joined:
    joined: Joined = await join(hub, "cpo.test", party("DE", "CPX", Role.CPO))
    return joined


@pytest.fixture
async def msp(hub: Platform, join: Any) -> Joined:
    joined: Joined = await join(hub, "msp.test", party("DE", "MSP", Role.EMSP))
    return joined


async def updated_at(platform: Platform, partner_id: int) -> datetime:
    async with platform.app.state.sessionmaker() as session:
        partner: PartnerRecord | None = await session.get(PartnerRecord, partner_id)
    assert partner is not None
    return partner.updated_at


async def set_updated_at(platform: Platform, partner_id: int, when: datetime) -> None:
    async with platform.app.state.sessionmaker() as session:
        partner = await session.get(PartnerRecord, partner_id)
        assert partner is not None
        partner.updated_at = when
        session.add(partner)
        await session.commit()


async def listed(platform: Platform, token: str, **params: str) -> list[dict[str, Any]]:
    response = await platform.client.get(SENDER, params=params, headers=ocpi_auth(token))
    assert (response.status_code, response.json()["status_code"]) == (200, 1000), response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def local_hcp() -> dict[str, Any]:
    return {
        "party_id": "HCP",
        "country_code": "NL",
        "role": "CPO",
        "status": "CONNECTED",
        "last_updated": format_datetime(STARTED_AT),
    }


async def test_hub_lists_other_connected_parties_and_its_own_non_hub_parties(
    hub: Platform, cpo: Joined, msp: Joined
) -> None:
    cpo_updated = await updated_at(hub, cpo.partner_id)

    data = await listed(hub, msp.token)

    # The caller (DE*MSP) is left out: the module gives "the connection status of other parties"; the Hub
    # itself (NL*HUB) is no party connected to the Hub.
    assert sorted(data, key=lambda d: d["party_id"]) == [
        {
            "party_id": "CPX",
            "country_code": "DE",
            "role": "CPO",
            "status": "CONNECTED",
            "last_updated": format_datetime(cpo_updated),
        },
        local_hcp(),
    ]
    assert {d["party_id"] for d in await listed(hub, cpo.token)} == {"MSP", "HCP"}


async def test_last_updated_is_the_partners_updated_at_and_the_list_is_oldest_first(
    hub: Platform, cpo: Joined, msp: Joined, join: Any
) -> None:
    nsp: Joined = await join(hub, "nsp.test", party("FR", "NSP", Role.NSP))
    await set_updated_at(hub, cpo.partner_id, datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC))
    await set_updated_at(hub, msp.partner_id, datetime(2026, 1, 1, tzinfo=UTC))

    data = await listed(hub, nsp.token)

    assert [(d["party_id"], d["last_updated"]) for d in data] == [
        ("MSP", "2026-01-01T00:00:00Z"),
        ("CPX", "2026-01-02T03:04:05.678Z"),
        ("HCP", format_datetime(STARTED_AT)),
    ]


async def test_an_unregistered_partner_is_suspended_with_the_time_it_left(
    hub: Platform, cpo: Joined, msp: Joined
) -> None:
    removed = await hub.client.delete(f"/admin/partners/{cpo.partner_id}", headers=ADMIN)
    assert removed.status_code == 200, removed.text

    (entry,) = [d for d in await listed(hub, msp.token) if d["party_id"] == "CPX"]

    assert entry["status"] == "SUSPENDED"
    assert entry["last_updated"] == format_datetime(await updated_at(hub, cpo.partner_id))


async def test_a_partner_that_unregisters_itself_is_suspended(
    hub: Platform, cpo: Joined, msp: Joined
) -> None:
    # The CPO's platform removes us (credentials DELETE to the hub).
    (hub_on_cpo,) = (await cpo.platform.client.get("/admin/partners", headers=ADMIN)).json()
    assert (await cpo.platform.client.delete(f"/admin/partners/{hub_on_cpo['id']}", headers=ADMIN)).json()[
        "notified"
    ]

    statuses = {d["party_id"]: d["status"] for d in await listed(hub, msp.token)}

    assert statuses["CPX"] == "SUSPENDED"


async def add_partner(platform: Platform, status: PartnerStatus, roles: list[tuple[str, str, str]]) -> int:
    """A partner record written directly: states the credentials flows pass through too briefly to observe."""
    async with platform.app.state.sessionmaker() as session:
        partner = PartnerRecord(name=f"{status} partner", status=status)
        session.add(partner)
        await session.flush()
        assert partner.id is not None
        for role, country_code, party_id in roles:
            session.add(
                PartnerRoleRecord(
                    partner_id=partner.id,
                    role=role,
                    country_code=country_code,
                    party_id=party_id,
                    business_details={"name": party_id},
                )
            )
        await session.commit()
        return partner.id


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (PartnerStatus.REGISTERED, "CONNECTED"),
        (PartnerStatus.UNREGISTERED, "SUSPENDED"),
        (PartnerStatus.INVITED, "PLANNED"),
        (PartnerStatus.CONNECTING, "PLANNED"),
    ],
)
async def test_partner_status_maps_to_connection_status(
    hub: Platform, msp: Joined, status: PartnerStatus, expected: str
) -> None:
    await add_partner(hub, status, [("CPO", "BE", "XYZ")])

    (entry,) = [d for d in await listed(hub, msp.token) if d["party_id"] == "XYZ"]

    assert (entry["role"], entry["status"]) == ("CPO", expected)


async def test_every_credentials_role_of_a_partner_is_listed(hub: Platform, msp: Joined) -> None:
    await add_partner(
        hub, PartnerStatus.REGISTERED, [("CPO", "BE", "ABC"), ("EMSP", "BE", "ABC"), ("CPO", "BE", "DEF")]
    )

    data = await listed(hub, msp.token)

    assert sorted((d["role"], d["party_id"]) for d in data if d["country_code"] == "BE") == [
        ("CPO", "ABC"),
        ("CPO", "DEF"),
        ("EMSP", "ABC"),
    ]


async def test_a_party_that_registered_again_is_listed_once_as_connected(hub: Platform, msp: Joined) -> None:
    old = await add_partner(hub, PartnerStatus.UNREGISTERED, [("CPO", "BE", "ABC")])
    new = await add_partner(hub, PartnerStatus.REGISTERED, [("CPO", "BE", "ABC")])
    # Removing an already unregistered partner again touches its record after the new registration.
    await set_updated_at(hub, new, datetime(2026, 1, 1, tzinfo=UTC))
    await set_updated_at(hub, old, datetime(2026, 1, 2, tzinfo=UTC))

    entries = [d for d in await listed(hub, msp.token) if d["party_id"] == "ABC"]

    assert entries == [
        {
            "party_id": "ABC",
            "country_code": "BE",
            "role": "CPO",
            "status": "CONNECTED",
            "last_updated": "2026-01-01T00:00:00Z",
        }
    ]


async def test_of_two_departed_partners_with_one_role_the_later_departure_is_listed(
    hub: Platform, msp: Joined
) -> None:
    first = await add_partner(hub, PartnerStatus.UNREGISTERED, [("CPO", "BE", "ABC")])
    second = await add_partner(hub, PartnerStatus.INVITED, [("CPO", "BE", "ABC")])
    await set_updated_at(hub, first, datetime(2026, 1, 2, tzinfo=UTC))
    await set_updated_at(hub, second, datetime(2026, 1, 1, tzinfo=UTC))

    entries = [d for d in await listed(hub, msp.token) if d["party_id"] == "ABC"]

    assert [(e["status"], e["last_updated"]) for e in entries] == [("SUSPENDED", "2026-01-02T00:00:00Z")]


async def test_sender_is_paginated_with_filters_in_the_next_link(hub: Platform, msp: Joined) -> None:
    for day in (1, 2, 3, 4):
        partner_id = await add_partner(hub, PartnerStatus.REGISTERED, [("CPO", "BE", f"P{day}0")])
        await set_updated_at(hub, partner_id, datetime(2026, 1, day, tzinfo=UTC))
    filters = {"date_from": "2026-01-02T00:00:00Z", "date_to": "2026-01-04T00:00:00Z"}

    first = await hub.client.get(SENDER, params={**filters, "limit": "1"}, headers=ocpi_auth(msp.token))

    assert [d["party_id"] for d in first.json()["data"]] == ["P20"]  # date_from inclusive
    assert first.headers["X-Total-Count"] == "2"  # date_to exclusive: P40 is out, and so is HCP (now)
    assert first.headers["X-Limit"] == str(hub.settings.page_limit)
    link = first.headers["Link"]
    assert link.startswith("<http://hub.test/ocpi/2.2.1/sender/hubclientinfo?")
    assert link.endswith('>; rel="next"')
    assert "offset=1" in link
    assert "limit=1" in link
    assert "date_from=2026-01-02T00:00:00Z" in link
    assert "date_to=2026-01-04T00:00:00Z" in link
    following = await hub.client.get(link[1 : link.index(">")], headers=ocpi_auth(msp.token))
    assert [d["party_id"] for d in following.json()["data"]] == ["P30"]
    assert "Link" not in following.headers


async def test_offset_and_limit_walk_the_whole_list(hub: Platform, msp: Joined) -> None:
    for day in (1, 2, 3):
        partner_id = await add_partner(hub, PartnerStatus.REGISTERED, [("CPO", "BE", f"P{day}0")])
        await set_updated_at(hub, partner_id, datetime(2026, 1, day, tzinfo=UTC))

    pages = [await listed(hub, msp.token, offset=str(offset), limit="2") for offset in (0, 2, 4)]

    assert [[d["party_id"] for d in page] for page in pages] == [["P10", "P20"], ["P30", "HCP"], []]
    empty = await hub.client.get(SENDER, params={"limit": "0"}, headers=ocpi_auth(msp.token))
    assert (empty.json()["data"], empty.headers["X-Total-Count"]) == ([], "4")


async def test_sender_accepts_the_trailing_slash_of_the_spec_examples(hub: Platform, msp: Joined) -> None:
    # ".../hubclientinfo/?date_from=2019-01-28T12:00:00&date_to=2019-01-29T12:00:00", as the chapter writes it.
    response = await hub.client.get(
        f"{SENDER}/?date_from=2019-01-28T12:00:00&date_to=2019-01-29T12:00:00", headers=ocpi_auth(msp.token)
    )

    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    assert (response.json()["data"], response.headers["X-Total-Count"]) == ([], "0")


async def test_bad_pagination_parameters_are_2001(hub: Platform, msp: Joined) -> None:
    response = await hub.client.get(SENDER, params={"date_from": "monday"}, headers=ocpi_auth(msp.token))

    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("date_from")


async def test_sender_refuses_routing_headers_it_is_a_configuration_module(
    hub: Platform, msp: Joined
) -> None:
    response = await hub.client.get(SENDER, headers={**ocpi_auth(msp.token), **ROUTING})

    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert "OCPI-to-country-code" in response.json()["status_message"]


async def test_a_platform_without_a_hub_party_serves_an_empty_list(us: Platform, join: Any) -> None:
    msp: Joined = await join(us, "msp.test", party("DE", "MSP", Role.EMSP))
    await join(us, "cpo.test", party("DE", "CPX", Role.CPO))

    response = await us.client.get(SENDER, headers=ocpi_auth(msp.token))

    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    assert (response.json()["data"], response.headers["X-Total-Count"]) == ([], "0")
    assert "Link" not in response.headers


# -- Service functions for the Hub's pushes --------------------------------------------------------------------


async def test_client_infos_is_what_the_sender_serves_without_leaving_anyone_out(
    hub: Platform, cpo: Joined, msp: Joined
) -> None:
    async with hub.app.state.sessionmaker() as session:
        everyone = await client_infos(session, hub.settings)
        for_msp = await client_infos(session, hub.settings, exclude_partner_id=msp.partner_id)

    assert {(i.party_id, i.status) for i in everyone} == {
        ("CPX", ConnectionStatus.CONNECTED),
        ("MSP", ConnectionStatus.CONNECTED),
        ("HCP", ConnectionStatus.CONNECTED),
    }
    assert [i.model_dump(mode="json") for i in for_msp] == await listed(hub, msp.token)


async def test_partner_client_infos_follow_its_status(hub: Platform, cpo: Joined) -> None:
    await hub.client.delete(f"/admin/partners/{cpo.partner_id}", headers=ADMIN)

    async with hub.app.state.sessionmaker() as session:
        infos = await partner_client_infos(session, cpo.partner_id)

    left = await updated_at(hub, cpo.partner_id)
    assert infos == [
        ClientInfo(
            party_id="CPX",
            country_code="DE",
            role=Role.CPO,
            status=ConnectionStatus.SUSPENDED,
            last_updated=left.replace(microsecond=left.microsecond // 1000 * 1000),
        )
    ]


async def test_a_hub_push_reaches_our_receiver_at_receiver_url(
    hub: Platform, cpo: Joined, msp: Joined
) -> None:
    """The pieces the push issue will combine: the partner's ClientInfo endpoint, receiver_url and a PUT."""
    async with hub.app.state.sessionmaker() as session:
        (cpo_info,) = await partner_client_infos(session, cpo.partner_id)
    endpoints = (await hub.client.get("/admin/partners", headers=ADMIN)).json()
    (msp_endpoint,) = [
        e["url"]
        for p in endpoints
        if p["id"] == msp.partner_id
        for e in p["endpoints"]
        if (e["identifier"], e["role"]) == ("hubclientinfo", "RECEIVER")
    ]
    (msp_partner,) = (await msp.platform.client.get("/admin/partners", headers=ADMIN)).json()
    msp_token_for_hub = await hub_token_for(hub, msp.partner_id)

    response = await hub.client.put(
        receiver_url(msp_endpoint, cpo_info),
        json=cpo_info.model_dump(mode="json"),
        headers=ocpi_auth(msp_token_for_hub),
    )

    assert receiver_url(msp_endpoint, cpo_info) == "http://msp.test/ocpi/2.2.1/receiver/hubclientinfo/DE/CPX"
    assert (response.status_code, response.json()["status_code"]) == (201, 1000)
    (record,) = await stored(msp.platform)
    assert (record.partner_id, orjson.loads(record.body)) == (
        msp_partner["id"],
        cpo_info.model_dump(mode="json"),
    )


async def hub_token_for(platform: Platform, partner_id: int) -> str:
    async with platform.app.state.sessionmaker() as session:
        partner: PartnerRecord | None = await session.get(PartnerRecord, partner_id)
    assert partner is not None
    assert partner.token_out is not None
    return partner.token_out


# -- Admin API -------------------------------------------------------------------------------------------------


async def test_admin_shows_what_we_serve_and_what_hubs_pushed(us: Platform, roaming_hub: Joined) -> None:
    await put(us, roaming_hub.token, "NL/ALL", info(status="CONNECTED"))

    overview = await us.client.get("/admin/hubclientinfo", headers=ADMIN)

    assert overview.status_code == 200
    assert overview.json() == {
        "served": [],  # not a Hub
        "received": [{"hub_partner_id": roaming_hub.partner_id, "client_info": info(status="CONNECTED")}],
    }


async def test_admin_served_lists_every_party(hub: Platform, cpo: Joined, msp: Joined) -> None:
    overview = await hub.client.get("/admin/hubclientinfo", headers=ADMIN)

    assert {d["party_id"] for d in overview.json()["served"]} == {"CPX", "MSP", "HCP"}


async def test_admin_needs_the_admin_token(us: Platform) -> None:
    response = await us.client.get("/admin/hubclientinfo")

    assert response.status_code == 401
