"""Locations module checks (mod_locations.asciidoc): object GETs and parent `last_updated` on the Sender; PUT,
GET, PATCH and the Client Owned Object rules on the Receiver."""

from __future__ import annotations

from typing import Any

from contracts import samples
from contracts.checks.common import http_status, same_id, single_object, status_code, success, valid
from contracts.checks.lists import LISTS, full_walk
from contracts.checks.owned import (
    ERRORS,
    NOT_FOUND,
    PUSH,
    created,
    get_object,
    id_mismatch_2001,
    owned_url,
    party_mismatch_refused,
    stored,
    unknown_object_404,
    writes,
)
from contracts.context import Context, new_id
from contracts.registry import Phase, check
from contracts.result import CheckFailedError, expect, fail, not_applicable
from hub.ocpi.base import parse_datetime
from hub.ocpi.v221.locations import EVSE, Connector, Location

MODULE = "locations"
FILE = "mod_locations.asciidoc"
SENDER, RECEIVER = "SENDER", "RECEIVER"
CREATED = "locations:created"
LOCATIONS = next(spec for spec in LISTS if spec.module == MODULE)


async def _first_location(ctx: Context) -> dict[str, Any]:
    try:
        walk = await full_walk(ctx, LOCATIONS)
    except CheckFailedError:
        not_applicable("the list could not be walked (see locations.sender.pagination_walk)")
    for location in walk.objects:
        if location.get("evses") and location["evses"][0].get("connectors"):
            return location
    not_applicable("needs a Location with an EVSE and a Connector in the list")


@check(
    "locations.sender.object_get",
    module=MODULE,
    role=SENDER,
    spec=(FILE, "GET Object: Request Parameters", "mod_locations_get_object_request_parameters"),
)
async def sender_object_get(ctx: Context) -> None:
    """GET of one Location, EVSE and Connector answers that object (not a list), valid and with the same id."""
    url = ctx.require(MODULE, SENDER)
    location = await _first_location(ctx)
    evse = location["evses"][0]
    connector = evse["connectors"][0]
    levels = (
        (Location, "id", location["id"], [location["id"]]),
        (EVSE, "uid", evse["uid"], [location["id"], evse["uid"]]),
        (Connector, "id", connector["id"], [location["id"], evse["uid"], connector["id"]]),
    )
    for model, field, wanted, path in levels:
        reply = await ctx.get(MODULE, "/".join([url, *path]))
        what = f"GET {model.__name__} {'/'.join(path)}"
        data = single_object(reply, what)
        valid(model, data, what, reply)
        expect(
            same_id(data.get(field), wanted), f"{what} answers {field} {data.get(field)!r}", reply.exchange
        )


@check("locations.sender.unknown_object_404", module=MODULE, role=SENDER, spec=NOT_FOUND)
async def sender_unknown(ctx: Context) -> None:
    """GET of a Location that does not exist is answered with HTTP 404."""
    reply = await ctx.get(MODULE, f"{ctx.require(MODULE, SENDER)}/{new_id('NOSUCH')}")
    http_status(reply, 404, "GET an unknown Location")


@check(
    "locations.sender.parents_last_updated",
    module=MODULE,
    role=SENDER,
    spec=(FILE, "Location Object", "mod_locations_location_object"),
)
async def sender_parents(ctx: Context) -> None:
    """No EVSE or Connector is newer than its parent: a child's change bumps its parents' last_updated."""
    try:
        walk = await full_walk(ctx, LOCATIONS)
    except CheckFailedError:
        not_applicable("the list could not be walked (see locations.sender.pagination_walk)")
    if not walk.objects:
        not_applicable("the list is empty")
    for location in walk.objects:
        try:
            location_stamp = parse_datetime(location.get("last_updated"))
            for evse in location.get("evses") or []:
                evse_stamp = parse_datetime(evse.get("last_updated"))
                expect(
                    evse_stamp <= location_stamp,
                    f"Location {location.get('id')}: EVSE {evse.get('uid')} last_updated {evse.get('last_updated')} "
                    f"is later than the Location's {location.get('last_updated')}",
                    walk.first.exchange,
                )
                for connector in evse.get("connectors") or []:
                    expect(
                        parse_datetime(connector.get("last_updated")) <= evse_stamp,
                        f"Location {location.get('id')}: Connector {connector.get('id')} of EVSE {evse.get('uid')} "
                        f"last_updated {connector.get('last_updated')} is later than the EVSE's",
                        walk.first.exchange,
                    )
        except ValueError:
            continue  # unreadable timestamps are reported by locations.sender.objects_valid


@check(
    "locations.receiver.put_and_get",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "PUT Method", "mod_locations_put_method"),
    read_only=False,
)
async def receiver_put_get(ctx: Context) -> None:
    """PUT of a new Location (HTTP 201 or 200) is stored: GET returns it, valid, with its EVSE and Connector."""
    writes(ctx)
    location_id, evse_uid, connector_id = new_id(), new_id("EVSE"), "1"
    url = owned_url(ctx, MODULE, location_id)
    body = samples.location(ctx.party, location_id, evse_uid, connector_id, samples.now())
    stored(await ctx.send("PUT", MODULE, url, json_body=body), "PUT a new Location")
    ctx.cache[CREATED] = (location_id, evse_uid, connector_id)
    reply = await ctx.get(MODULE, url)
    data = single_object(reply, "GET the Location just PUT")
    valid(Location, data, "GET the Location just PUT", reply)
    expect(same_id(data.get("id"), location_id), f"GET answers Location {data.get('id')!r}", reply.exchange)
    uids = [e.get("uid") for e in data.get("evses") or []]
    expect(
        any(same_id(u, evse_uid) for u in uids), f"the stored Location lost EVSE {evse_uid}", reply.exchange
    )


@check("locations.receiver.id_mismatch_2001", module=MODULE, role=RECEIVER, spec=ERRORS, read_only=False)
async def receiver_id_mismatch(ctx: Context) -> None:
    """PUT whose URL location_id differs from the body's id is answered with status_code 2001."""
    body = samples.location(ctx.party, new_id(), new_id("EVSE"), "1", samples.now())
    await id_mismatch_2001(ctx, MODULE, body)


@check("locations.receiver.party_mismatch_refused", module=MODULE, role=RECEIVER, spec=PUSH, read_only=False)
async def receiver_party_mismatch(ctx: Context) -> None:
    """PUT under the suite's party of a Location naming another party is refused and not stored."""
    await party_mismatch_refused(
        ctx, MODULE, samples.location(ctx.party, new_id(), new_id("EVSE"), "1", samples.now())
    )


@check(
    "locations.receiver.patch_without_last_updated_2001",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "PATCH Method", "mod_locations_patch_method"),
    read_only=False,
)
async def receiver_patch_without_last_updated(ctx: Context) -> None:
    """PATCH without last_updated is answered with status_code 2001."""
    location_id, evse_uid, _ = created(ctx, CREATED, "locations.receiver.put_and_get")
    reply = await ctx.send(
        "PATCH", MODULE, owned_url(ctx, MODULE, location_id, evse_uid), json_body={"status": "CHARGING"}
    )
    status_code(reply, 2001, "PATCH an EVSE without last_updated")


@check(
    "locations.receiver.patch_bumps_parents",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "PATCH Method", "mod_locations_patch_method"),
    read_only=False,
)
async def receiver_patch_parents(ctx: Context) -> None:
    """PATCH of a Connector sets its EVSE's and Location's last_updated to the Connector's."""
    location_id, evse_uid, connector_id = created(ctx, CREATED, "locations.receiver.put_and_get")
    stamp = samples.now()
    reply = await ctx.send(
        "PATCH",
        MODULE,
        owned_url(ctx, MODULE, location_id, evse_uid, connector_id),
        json_body={"max_electric_power": 7400, "last_updated": stamp},
    )
    success(reply, "PATCH a Connector")
    got = await ctx.get(MODULE, owned_url(ctx, MODULE, location_id))
    location = single_object(got, "GET the Location after the Connector PATCH")
    evse = next((e for e in location.get("evses") or [] if same_id(e.get("uid"), evse_uid)), None)
    expect(evse is not None, f"the Location lost EVSE {evse_uid}", got.exchange)
    assert evse is not None
    wanted = parse_datetime(stamp)
    for what, value in (("Location", location.get("last_updated")), ("EVSE", evse.get("last_updated"))):
        try:
            bumped = parse_datetime(value) >= wanted
        except ValueError:
            fail(f"the {what}'s last_updated {value!r} is not a DateTime", got.exchange)
        expect(
            bumped,
            f"the {what}'s last_updated {value} is older than the Connector PATCH's {stamp}",
            got.exchange,
        )


@check("locations.receiver.unknown_object_404", module=MODULE, role=RECEIVER, spec=NOT_FOUND, read_only=False)
async def receiver_unknown(ctx: Context) -> None:
    """GET of a Location the suite never pushed is answered with HTTP 404."""
    await unknown_object_404(ctx, MODULE)


@check(
    "locations.receiver.evse_removed",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "Flow and Lifecycle", "mod_locations_flow_and_lifecycle"),
    read_only=False,
    phase=Phase.CLEANUP,
)
async def receiver_removed(ctx: Context) -> None:
    """The suite's EVSE is removed the spec's way (PATCH status REMOVED), and GET shows it REMOVED."""
    location_id, evse_uid, _ = created(ctx, CREATED, "locations.receiver.put_and_get")
    url = owned_url(ctx, MODULE, location_id, evse_uid)
    reply = await ctx.send(
        "PATCH", MODULE, url, json_body={"status": "REMOVED", "last_updated": samples.now()}
    )
    success(reply, "PATCH an EVSE to REMOVED")
    evse = await get_object(ctx, MODULE, url, "GET the removed EVSE")
    expect(evse.get("status") == "REMOVED", f"the EVSE's status is {evse.get('status')!r}, not REMOVED")
