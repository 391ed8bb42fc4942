"""Hub routing checks (transport_and_format_message_routing, status_codes_4xxx_hub_errors), for endpoints that
play the HUB role: 4001 for an unknown receiver; a routed request reaches the suite's own platform with a new
X-Request-ID, the same X-Correlation-ID, the routing headers and last_updated untouched; 4002 when the receiver
does not answer; 4003 when the hub cannot connect to it."""

from __future__ import annotations

import asyncio

from contracts import samples
from contracts.callbacks import CallbackServer
from contracts.checks.common import describe, single_object, status_code
from contracts.context import Context, Party, new_id
from contracts.registry import HUB, check
from contracts.result import expect, fail, not_applicable

TRANSPORT = "transport_and_format.asciidoc"
ROUTING = (TRANSPORT, "Message Routing", "transport_and_format_message_routing")
HUB_ERRORS = ("status_codes.asciidoc", "4xxx: Hub errors", "status_codes_4xxx_hub_errors")


def _hub(ctx: Context) -> CallbackServer:
    if not ctx.is_hub:
        not_applicable("the endpoint does not play the HUB role (see --role)")
    if not ctx.registered:
        not_applicable("the suite is not registered with the hub")
    return ctx.require_callbacks()


def _to(party: Party) -> dict[str, str]:
    return {"OCPI-to-country-code": party.country_code, "OCPI-to-party-id": party.party_id}


def _from(ctx: Context) -> dict[str, str]:
    return {"OCPI-from-country-code": ctx.party.country_code, "OCPI-from-party-id": ctx.party.party_id}


@check("hub.routing_unknown_receiver_4001", module=HUB, spec=HUB_ERRORS, read_only=False)
async def unknown_receiver(ctx: Context) -> None:
    """A request addressed (OCPI-to-*) to a party the hub does not know is answered with status_code 4001."""
    _hub(ctx)
    url = ctx.require("locations", "SENDER")
    nobody = Party("ZZ", new_id("Q")[-3:])
    reply = await ctx.client.call("GET", f"{url}/{new_id()}", headers=_from(ctx) | _to(nobody))
    code = reply.status_code
    expect(
        code == 4001,
        f"GET addressed to unknown party {nobody}: expected status_code 4001, got {describe(reply)}",
        reply.exchange,
    )


@check("hub.routing_forwards_request", module=HUB, spec=ROUTING, read_only=False)
async def forwards(ctx: Context) -> None:
    """A GET addressed to the suite's own party reaches the suite's platform with a new X-Request-ID, the same
    X-Correlation-ID and the routing headers; the answer comes back with last_updated untouched."""
    callbacks = _hub(ctx)
    url = ctx.require("locations", "SENDER")
    location_id = new_id()
    sent = samples.location(ctx.party, location_id, new_id("EVSE"), "1", "2020-01-01T00:00:00Z")
    callbacks.target_objects[location_id.upper()] = sent
    start = len(callbacks.fetches)
    reply = await ctx.client.call("GET", f"{url}/{location_id}", headers=_from(ctx) | _to(ctx.party))
    data = single_object(reply, "GET a Location of the suite's party through the hub")
    arrived = [f for f in callbacks.fetches[start:] if f.path.endswith(f"/locations/{location_id}")]
    expect(
        bool(arrived),
        "the hub answered without forwarding the request to the suite's platform",
        reply.exchange,
    )
    forwarded = {k.lower(): v for k, v in arrived[0].headers.items()}
    expect(
        forwarded.get("x-request-id") != reply.request_id,
        "the hub forwarded the original X-Request-ID",
        reply.exchange,
    )
    expect(
        forwarded.get("x-correlation-id") == reply.correlation_id,
        "the hub did not keep the X-Correlation-ID when forwarding",
        reply.exchange,
    )
    for name, value in (_from(ctx) | _to(ctx.party)).items():
        expect(
            forwarded.get(name.lower(), "").upper() == value,
            f"the forwarded request's {name} is not {value}",
            reply.exchange,
        )
    expect(data.get("last_updated") == sent["last_updated"], "the hub changed last_updated", reply.exchange)


@check("hub.routing_timeout_4002", module=HUB, spec=HUB_ERRORS, read_only=False)
async def timeout(ctx: Context) -> None:
    """A receiver that does not answer makes the hub answer status_code 4002."""
    callbacks = _hub(ctx)
    url = ctx.require("sessions", "SENDER")
    try:
        reply = await asyncio.wait_for(
            ctx.client.call(
                "GET",
                f"{url}/{new_id()}",
                headers=_from(ctx) | _to(ctx.party),
                read_timeout=ctx.config.result_wait + 5,
            ),
            timeout=ctx.config.result_wait,
        )
    except TimeoutError:
        fail(f"the hub gave no answer within {ctx.config.result_wait:.0f} s while the receiver was silent")
    finally:
        callbacks.hang.set()
    status_code(reply, 4002, "GET routed to a receiver that does not answer")


@check("hub.routing_not_connected_4003", module=HUB, spec=HUB_ERRORS, read_only=False)
async def not_connected(ctx: Context) -> None:
    """A receiver the hub cannot connect to makes the hub answer status_code 4003."""
    _hub(ctx)
    url = ctx.require("tariffs", "SENDER")
    reply = await ctx.client.call("GET", url, headers=_from(ctx) | _to(ctx.party))
    status_code(reply, 4003, "GET routed to a receiver whose URL refuses connections")
