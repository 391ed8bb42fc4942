"""Sessions module checks (mod_sessions.asciidoc): on the Receiver, PUT replaces charging_periods, PATCH
appends them and needs last_updated (the Sender's list is checked by contracts.checks.lists)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts import samples
from contracts.checks.common import same_id, single_object, status_code, success, valid
from contracts.checks.owned import (
    ERRORS,
    NOT_FOUND,
    created,
    get_object,
    id_mismatch_2001,
    owned_url,
    site,
    stored,
    unknown_object_404,
    writes,
)
from contracts.context import Context, new_id
from contracts.registry import check
from contracts.result import expect
from hub.ocpi.base import utc_now
from hub.ocpi.v221.sessions import Session

MODULE = "sessions"
FILE = "mod_sessions.asciidoc"
RECEIVER = "RECEIVER"
CREATED = "sessions:created"
PATCH = (FILE, "PATCH Method", "mod_sessions_patch_method")


def _period_starts(session: dict[str, Any]) -> list[str]:
    return [str(p.get("start_date_time")) for p in session.get("charging_periods") or []]


def _new_session(ctx: Context, session_id: str, periods: list[dict[str, Any]]) -> dict[str, Any]:
    start = utc_now() - timedelta(hours=1)
    return samples.session(
        ctx.party,
        session_id,
        token_uid=f"{ctx.party.party_id}0001",
        site=site(ctx),
        start=start,
        periods=periods,
        stamp=samples.now(),
    )


@check(
    "sessions.receiver.put_and_get",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "PUT Method", "mod_sessions_msp_put_method"),
    read_only=False,
)
async def put_and_get(ctx: Context) -> None:
    """PUT of a new Session (HTTP 201 or 200) is stored: GET returns it, valid, with its charging period."""
    writes(ctx)
    session_id = new_id()
    start = utc_now() - timedelta(hours=1)
    body = _new_session(ctx, session_id, [samples.charging_period(samples.at(start), 1.5)])
    url = owned_url(ctx, MODULE, session_id)
    stored(await ctx.send("PUT", MODULE, url, json_body=body), "PUT a new Session")
    ctx.cache[CREATED] = (session_id, start)
    reply = await ctx.get(MODULE, url)
    data = single_object(reply, "GET the Session just PUT")
    valid(Session, data, "GET the Session just PUT", reply)
    expect(same_id(data.get("id"), session_id), f"GET answers Session {data.get('id')!r}", reply.exchange)
    expect(
        len(_period_starts(data)) == 1,
        "the stored Session does not hold its one charging period",
        reply.exchange,
    )


@check(
    "sessions.receiver.patch_appends_charging_periods",
    module=MODULE,
    role=RECEIVER,
    spec=PATCH,
    read_only=False,
)
async def patch_appends(ctx: Context) -> None:
    """PATCH with one charging period appends it to the stored ones instead of replacing them."""
    session_id, start = created(ctx, CREATED, "sessions.receiver.put_and_get")
    url = owned_url(ctx, MODULE, session_id)
    second = samples.charging_period(samples.at(start + timedelta(minutes=20)), 2.0)
    reply = await ctx.send(
        "PATCH",
        MODULE,
        url,
        json_body={"kwh": 3.5, "charging_periods": [second], "last_updated": samples.now()},
    )
    success(reply, "PATCH a Session with a new charging period")
    data = await get_object(ctx, MODULE, url, "GET the Session after the PATCH")
    starts = _period_starts(data)
    expect(
        len(starts) == 2,
        f"after PATCH with 1 new charging period the Session holds {len(starts)}, not 2 (PATCH appends)",
    )


@check(
    "sessions.receiver.put_replaces_charging_periods",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "PUT Method", "mod_sessions_msp_put_method"),
    read_only=False,
)
async def put_replaces(ctx: Context) -> None:
    """PUT of the whole Session replaces its charging periods with the ones it carries."""
    session_id, start = created(ctx, CREATED, "sessions.receiver.put_and_get")
    url = owned_url(ctx, MODULE, session_id)
    only = samples.charging_period(samples.at(start + timedelta(minutes=40)), 4.0)
    success(
        await ctx.send("PUT", MODULE, url, json_body=_new_session(ctx, session_id, [only])),
        "PUT the Session again",
    )
    data = await get_object(ctx, MODULE, url, "GET the Session after the second PUT")
    starts = _period_starts(data)
    expect(
        len(starts) == 1, f"after PUT with 1 charging period the Session holds {len(starts)} (PUT replaces)"
    )


@check(
    "sessions.receiver.patch_without_last_updated_2001",
    module=MODULE,
    role=RECEIVER,
    spec=PATCH,
    read_only=False,
)
async def patch_without_last_updated(ctx: Context) -> None:
    """PATCH without last_updated is answered with status_code 2001."""
    session_id, _start = created(ctx, CREATED, "sessions.receiver.put_and_get")
    reply = await ctx.send("PATCH", MODULE, owned_url(ctx, MODULE, session_id), json_body={"kwh": 5.0})
    status_code(reply, 2001, "PATCH a Session without last_updated")


@check("sessions.receiver.id_mismatch_2001", module=MODULE, role=RECEIVER, spec=ERRORS, read_only=False)
async def id_mismatch(ctx: Context) -> None:
    """PUT whose URL session_id differs from the body's id is answered with status_code 2001."""
    start = utc_now() - timedelta(hours=1)
    await id_mismatch_2001(
        ctx, MODULE, _new_session(ctx, new_id(), [samples.charging_period(samples.at(start), 1.0)])
    )


@check("sessions.receiver.unknown_object_404", module=MODULE, role=RECEIVER, spec=NOT_FOUND, read_only=False)
async def unknown(ctx: Context) -> None:
    """GET of a Session the suite never pushed is answered with HTTP 404."""
    await unknown_object_404(ctx, MODULE)


@check(
    "sessions.receiver.completed",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "SessionStatus enum", "mod_sessions_sessionstatus_enum"),
    read_only=False,
)
async def completed(ctx: Context) -> None:
    """The suite's Session ends the spec's way (PATCH status COMPLETED), and GET shows it COMPLETED."""
    session_id, _start = created(ctx, CREATED, "sessions.receiver.put_and_get")
    url = owned_url(ctx, MODULE, session_id)
    body = {"status": "COMPLETED", "end_date_time": samples.now(), "last_updated": samples.now()}
    success(await ctx.send("PATCH", MODULE, url, json_body=body), "PATCH the Session to COMPLETED")
    data = await get_object(ctx, MODULE, url, "GET the completed Session")
    expect(
        data.get("status") == "COMPLETED", f"the Session's status is {data.get('status')!r}, not COMPLETED"
    )
