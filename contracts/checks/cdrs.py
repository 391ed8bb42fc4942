"""CDRs module checks (mod_cdrs.asciidoc): on the Receiver, POST answers a Location header, GET at that URL
returns the CDR, a CDR never changes, and a Credit CDR is accepted (the Sender's list is checked by
contracts.checks.lists)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from contracts import samples
from contracts.checks.common import describe, same_id, single_object, success, valid
from contracts.checks.owned import created, site, writes
from contracts.context import Context, new_id
from contracts.http import Reply
from contracts.registry import check
from contracts.result import expect, fail
from hub.ocpi.base import utc_now
from hub.ocpi.v221.cdrs import CDR

MODULE = "cdrs"
FILE = "mod_cdrs.asciidoc"
RECEIVER = "RECEIVER"
CREATED = "cdrs:created"
HEADERS = (FILE, "Response Headers", "mod_cdrs_response_headers")


def _location(reply: Reply, what: str) -> str:
    header = reply.headers.get("Location")
    expect(bool(header), f"{what}: the response has no Location header", reply.exchange)
    assert header is not None
    url: str = urljoin(reply.exchange.url, header.strip())
    expect(
        urlsplit(url).scheme in ("http", "https"), f"{what}: Location {header!r} is not a URL", reply.exchange
    )
    return url


def _total(cdr: dict[str, Any]) -> Any:
    cost = cdr.get("total_cost")
    return cost.get("excl_vat") if isinstance(cost, dict) else None


@check("cdrs.receiver.post_location_header", module=MODULE, role=RECEIVER, spec=HEADERS, read_only=False)
async def post_location(ctx: Context) -> None:
    """POST of a new CDR is accepted (HTTP 201 or 200) with a Location header: the URL of the stored CDR."""
    writes(ctx)
    cdr_id = new_id()
    body = samples.cdr(
        ctx.party,
        cdr_id,
        token_uid=f"{ctx.party.party_id}0001",
        start=utc_now() - timedelta(hours=2),
        stamp=samples.now(),
        site=site(ctx),
    )
    reply = await ctx.send("POST", MODULE, ctx.require(MODULE, RECEIVER), json_body=body)
    success(reply, "POST a new CDR")
    expect(
        reply.status in (200, 201),
        f"POST a new CDR: expected HTTP 201 or 200, got {describe(reply)}",
        reply.exchange,
    )
    ctx.cache[CREATED] = (cdr_id, _location(reply, "POST a new CDR"), body)


@check(
    "cdrs.receiver.get_at_location",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "GET Method", "mod_cdrs_msp_get_method"),
    read_only=False,
)
async def get_at_location(ctx: Context) -> None:
    """GET at the Location URL returns the CDR just POSTed (one object, valid, same id)."""
    cdr_id, url, _body = created(ctx, CREATED, "cdrs.receiver.post_location_header")
    reply = await ctx.get(MODULE, url)
    data = single_object(reply, "GET the CDR at its Location URL")
    valid(CDR, data, "GET the CDR at its Location URL", reply)
    expect(
        same_id(data.get("id"), cdr_id),
        f"the Location URL answers CDR {data.get('id')!r}, not {cdr_id}",
        reply.exchange,
    )


@check(
    "cdrs.receiver.immutable",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "Flow and Lifecycle", "mod_cdrs_flow_and_lifecycle"),
    read_only=False,
)
async def immutable(ctx: Context) -> None:
    """A CDR cannot be changed: a PUT of other costs to its URL leaves the stored CDR as it was."""
    _cdr_id, url, body = created(ctx, CREATED, "cdrs.receiver.post_location_header")
    changed = {**body, "total_cost": {"excl_vat": 99.0, "incl_vat": 119.79}}
    await ctx.send("PUT", MODULE, url, json_body=changed)
    reply = await ctx.get(MODULE, url)
    data = single_object(reply, "GET the CDR after a PUT to it")
    if _total(data) != _total(body):
        fail(f"a PUT changed the stored CDR's total_cost to {data.get('total_cost')}", reply.exchange)


@check(
    "cdrs.receiver.credit_cdr_accepted",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "Credit CDRs", "mod_cdrs_credit_cdrs"),
    read_only=False,
)
async def credit_cdr(ctx: Context) -> None:
    """A Credit CDR for the suite's CDR (id + "-C", credit, negative total_cost) is accepted with a Location."""
    cdr_id, _url, body = created(ctx, CREATED, "cdrs.receiver.post_location_header")
    credit = samples.cdr(
        ctx.party,
        f"{cdr_id}-C",
        token_uid=body["cdr_token"]["uid"],
        start=utc_now() - timedelta(hours=2),
        stamp=samples.now(),
        site=site(ctx),
        credit_for=cdr_id,
    )
    credit["start_date_time"], credit["end_date_time"] = body["start_date_time"], body["end_date_time"]
    credit["charging_periods"] = body["charging_periods"]
    reply = await ctx.send("POST", MODULE, ctx.require(MODULE, RECEIVER), json_body=credit)
    success(reply, "POST a Credit CDR")
    _location(reply, "POST a Credit CDR")
