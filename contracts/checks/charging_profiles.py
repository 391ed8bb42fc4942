"""ChargingProfiles module checks (mod_charging_profiles.asciidoc): the CPO's ChargingProfileResponse to GET,
PUT and DELETE for a Session it does not know, and the Sender's answer to an ActiveChargingProfile PUT."""

from __future__ import annotations

from typing import Any

from contracts.checks.common import describe, success, valid
from contracts.checks.owned import writes
from contracts.context import Context, new_id
from contracts.http import Reply
from contracts.registry import check
from contracts.result import expect
from hub.ocpi.v221.charging_profiles import ChargingProfileResponse

MODULE = "chargingprofiles"
FILE = "mod_charging_profiles.asciidoc"
SENDER, RECEIVER = "SENDER", "RECEIVER"


def _profile() -> dict[str, Any]:
    return {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": 7400.0}]}


def _response(reply: Reply, what: str) -> dict[str, Any]:
    data = success(reply, what)
    valid(ChargingProfileResponse, data, f"{what}: the ChargingProfileResponse", reply)
    result: dict[str, Any] = data
    return result


@check(
    "chargingprofiles.receiver.unknown_session",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "ChargingProfileResponseType enum", "mod_charging_profiles_responsetype_enum"),
    read_only=False,
)
async def unknown_session(ctx: Context) -> None:
    """GET, PUT and DELETE for an unknown Session answer a ChargingProfileResponse UNKNOWN_SESSION."""
    writes(ctx)
    callbacks = ctx.require_callbacks()
    url = f"{ctx.require(MODULE, RECEIVER)}/{new_id('NOSUCH')}"
    get_url, _f1 = callbacks.callback(MODULE)
    put_url, _f2 = callbacks.callback(MODULE)
    delete_url, _f3 = callbacks.callback(MODULE)
    requests = (
        ("GET", {"params": {"duration": "900", "response_url": get_url}}),
        ("PUT", {"json_body": {"charging_profile": _profile(), "response_url": put_url}}),
        ("DELETE", {"params": {"response_url": delete_url}}),
    )
    for method, kwargs in requests:
        reply = await ctx.send(method, MODULE, url, **kwargs)
        data = _response(reply, f"{method} for an unknown Session")
        expect(
            data["result"] == "UNKNOWN_SESSION",
            f"{method} for an unknown Session: result is {data['result']}, not UNKNOWN_SESSION",
            reply.exchange,
        )


@check(
    "chargingprofiles.sender.active_profile_put_answered",
    module=MODULE,
    role=SENDER,
    spec=(FILE, "PUT Method", "mod_charging_profiles_msp_put_method"),
    read_only=False,
)
async def active_profile_put(ctx: Context) -> None:
    """A PUT ActiveChargingProfile to the Sender is answered in the envelope without an HTTP 5xx, and a success
    carries no data (the spec: the data field is omitted)."""
    writes(ctx)
    url = f"{ctx.require(MODULE, SENDER)}/{new_id()}"
    body = {"start_date_time": "2024-01-01T10:00:00Z", "charging_profile": _profile()}
    reply = await ctx.send("PUT", MODULE, url, json_body=body)
    expect(
        reply.envelope is not None and reply.status < 500,
        f"PUT ActiveChargingProfile: {describe(reply)}",
        reply.exchange,
    )
    if reply.status_code == 1000:
        expect(not reply.has_data, "the success answer carries data (the spec: omitted)", reply.exchange)
