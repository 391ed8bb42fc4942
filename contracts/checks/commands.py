"""Commands module checks (mod_commands.asciidoc): the CPO's synchronous CommandResponse to each command type,
2003 and UNKNOWN_SESSION, and the asynchronous CommandResult POSTed to a response_url the suite serves."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from contracts import samples
from contracts.checks.common import describe, status_code, success, valid
from contracts.checks.owned import writes
from contracts.context import Context, new_id
from contracts.http import Reply
from contracts.registry import check
from contracts.result import expect, fail, not_applicable
from hub.ocpi.base import utc_now
from hub.ocpi.v221.commands import CommandResponse, CommandResult

MODULE = "commands"
FILE = "mod_commands.asciidoc"
SENDER, RECEIVER = "SENDER", "RECEIVER"
# Seconds a CPO may take beyond its own `timeout` to POST the result.
GRACE = 5.0


def _token(ctx: Context) -> dict[str, Any]:
    return samples.token(ctx.party, f"{ctx.party.party_id}0001", samples.now())


async def _command(ctx: Context, command: str, body: dict[str, Any]) -> Reply:
    return await ctx.send("POST", MODULE, f"{ctx.require(MODULE, RECEIVER)}/{command}", json_body=body)


def _response(reply: Reply, what: str) -> dict[str, Any]:
    data = success(reply, what)
    valid(CommandResponse, data, f"{what}: the CommandResponse", reply)
    result: dict[str, Any] = data
    return result


@check(
    "commands.receiver.unknown_location_2003",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "Flow", "mod_commands_flow"),
    read_only=False,
)
async def unknown_location(ctx: Context) -> None:
    """START_SESSION, RESERVE_NOW and UNLOCK_CONNECTOR at an unknown Location: status_code 2003."""
    writes(ctx)
    callbacks = ctx.require_callbacks()
    location_id = new_id("NOSUCH")
    expiry = samples.at(utc_now() + timedelta(minutes=15))
    commands: dict[str, dict[str, Any]] = {
        "START_SESSION": {"token": _token(ctx), "location_id": location_id},
        "RESERVE_NOW": {
            "token": _token(ctx),
            "expiry_date": expiry,
            "reservation_id": new_id("RES"),
            "location_id": location_id,
        },
        "UNLOCK_CONNECTOR": {"location_id": location_id, "evse_uid": new_id("EVSE"), "connector_id": "1"},
    }
    for command, fields in commands.items():
        url, _future = callbacks.callback(MODULE)
        reply = await _command(ctx, command, {"response_url": url, **fields})
        status_code(reply, 2003, f"{command} at unknown Location {location_id}")
        if reply.has_data:
            valid(CommandResponse, reply.data, f"{command}: the CommandResponse", reply)


@check(
    "commands.receiver.stop_unknown_session",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "CommandResponseType enum", "mod_commands_commandresponsetype_enum"),
    read_only=False,
)
async def stop_unknown_session(ctx: Context) -> None:
    """STOP_SESSION of an unknown Session is answered with a CommandResponse UNKNOWN_SESSION."""
    writes(ctx)
    url, _future = ctx.require_callbacks().callback(MODULE)
    reply = await _command(ctx, "STOP_SESSION", {"response_url": url, "session_id": new_id("NOSUCH")})
    data = _response(reply, "STOP_SESSION of an unknown Session")
    expect(
        data["result"] == "UNKNOWN_SESSION",
        f"result is {data['result']}, not UNKNOWN_SESSION",
        reply.exchange,
    )


@check(
    "commands.receiver.result_posted_to_response_url",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "CommandResult Object", "mod_commands_commandresult_object"),
    read_only=False,
)
async def result_posted(ctx: Context) -> None:
    """CANCEL_RESERVATION (of a reservation the suite never made, so no charger acts) gets a CommandResponse now
    and, when ACCEPTED, a valid CommandResult POSTed to the suite's response_url within its timeout; a TIMEOUT
    result counts (it says no charger answered)."""
    writes(ctx)
    callbacks = ctx.require_callbacks()
    url, future = callbacks.callback(MODULE)
    reply = await _command(ctx, "CANCEL_RESERVATION", {"response_url": url, "reservation_id": new_id("RES")})
    response = _response(reply, "CANCEL_RESERVATION")
    if response["result"] != "ACCEPTED":
        not_applicable(f"the CPO answered {response['result']}, so no CommandResult follows")
    wait = min(float(response["timeout"]) + GRACE, ctx.config.result_wait)
    try:
        body = await asyncio.wait_for(asyncio.shield(future), timeout=wait)
    except TimeoutError:
        fail(
            f"the CPO ACCEPTED, but no CommandResult reached the response_url within {wait:.0f} s",
            reply.exchange,
        )
    valid(CommandResult, body, "the CommandResult POSTed to the response_url", reply, path="body")
    posts = [f for f in callbacks.fetches if f.method == "POST" and url.endswith(f.path)]
    expect(
        bool(posts) and posts[0].token in callbacks.tokens,
        "the CommandResult was POSTed without the credentials token the suite gave the CPO",
        reply.exchange,
    )


@check(
    "commands.sender.result_endpoint_answers",
    module=MODULE,
    role=SENDER,
    spec=(FILE, "Sender Interface", "mod_commands_emsp_interface"),
    read_only=False,
)
async def result_endpoint(ctx: Context) -> None:
    """The announced Sender URL answers a POSTed CommandResult in the OCPI envelope without an HTTP 5xx
    (a suite cannot make the eMSP issue a real response_url)."""
    writes(ctx)
    url = f"{ctx.require(MODULE, SENDER)}/START_SESSION/{new_id()}"
    reply = await ctx.send("POST", MODULE, url, json_body={"result": "ACCEPTED"})
    expect(
        reply.envelope is not None and reply.status < 500,
        f"POST a CommandResult to the Sender URL: {describe(reply)}",
        reply.exchange,
    )
