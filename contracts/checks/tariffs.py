"""Tariffs module checks (mod_tariffs.asciidoc): PUT, GET and DELETE on the Receiver with the Client Owned
Object rules (the Sender's list is checked by contracts.checks.lists)."""

from __future__ import annotations

from contracts import samples
from contracts.checks.common import same_id, single_object, success, valid
from contracts.checks.owned import (
    ERRORS,
    NOT_FOUND,
    PUSH,
    created,
    id_mismatch_2001,
    owned_url,
    party_mismatch_refused,
    stored,
    unknown_object_404,
    writes,
)
from contracts.context import Context, new_id
from contracts.registry import Phase, check
from contracts.result import expect
from hub.ocpi.v221.tariffs import Tariff

MODULE = "tariffs"
FILE = "mod_tariffs.asciidoc"
RECEIVER = "RECEIVER"
CREATED = "tariffs:created"


@check(
    "tariffs.receiver.put_and_get",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "PUT Method", "mod_tariffs_put_method"),
    read_only=False,
)
async def put_and_get(ctx: Context) -> None:
    """PUT of a new Tariff (HTTP 201 or 200) is stored: GET returns it, valid."""
    writes(ctx)
    tariff_id = new_id()
    url = owned_url(ctx, MODULE, tariff_id)
    stored(
        await ctx.send("PUT", MODULE, url, json_body=samples.tariff(ctx.party, tariff_id, samples.now())),
        "PUT a new Tariff",
    )
    ctx.cache[CREATED] = tariff_id
    reply = await ctx.get(MODULE, url)
    data = single_object(reply, "GET the Tariff just PUT")
    valid(Tariff, data, "GET the Tariff just PUT", reply)
    expect(same_id(data.get("id"), tariff_id), f"GET answers Tariff {data.get('id')!r}", reply.exchange)


@check("tariffs.receiver.id_mismatch_2001", module=MODULE, role=RECEIVER, spec=ERRORS, read_only=False)
async def id_mismatch(ctx: Context) -> None:
    """PUT whose URL tariff_id differs from the body's id is answered with status_code 2001."""
    await id_mismatch_2001(ctx, MODULE, samples.tariff(ctx.party, new_id(), samples.now()))


@check("tariffs.receiver.party_mismatch_refused", module=MODULE, role=RECEIVER, spec=PUSH, read_only=False)
async def party_mismatch(ctx: Context) -> None:
    """PUT under the suite's party of a Tariff naming another party is refused and not stored."""
    await party_mismatch_refused(ctx, MODULE, samples.tariff(ctx.party, new_id(), samples.now()))


@check("tariffs.receiver.unknown_object_404", module=MODULE, role=RECEIVER, spec=NOT_FOUND, read_only=False)
async def unknown(ctx: Context) -> None:
    """GET of a Tariff the suite never pushed is answered with HTTP 404."""
    await unknown_object_404(ctx, MODULE)


@check(
    "tariffs.receiver.delete",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "DELETE Method", "mod_tariffs_delete_method"),
    read_only=False,
    phase=Phase.CLEANUP,
)
async def delete(ctx: Context) -> None:
    """DELETE removes the suite's Tariff: GET then answers HTTP 404."""
    tariff_id = created(ctx, CREATED, "tariffs.receiver.put_and_get")
    url = owned_url(ctx, MODULE, tariff_id)
    success(await ctx.send("DELETE", MODULE, url), "DELETE the Tariff")
    reply = await ctx.get(MODULE, url)
    expect(
        reply.status == 404, f"GET after DELETE: expected HTTP 404, got HTTP {reply.status}", reply.exchange
    )
