"""Shared Receiver checks of Client Owned Objects (transport_and_format_client_owned_object_push): the URL
carries the owner's country_code and party_id and the object id; the suite's own party owns what it pushes."""

from __future__ import annotations

from typing import Any

from contracts import samples
from contracts.checks.common import describe, http_status, single_object, status_code, success
from contracts.context import Context, Party, new_id
from contracts.http import Reply
from contracts.result import expect, not_applicable

TRANSPORT = "transport_and_format.asciidoc"
PUSH = (TRANSPORT, "Client Owned Object Push", "transport_and_format_client_owned_object_push")
ERRORS = (TRANSPORT, "Errors", "transport_and_format_errors")
NOT_FOUND = ("status_codes.asciidoc", "Status codes", "status_codes_status_codes")
OTHER_PARTY_ID = "CTX"


def site(ctx: Context) -> tuple[str, str, str]:
    """The Location, EVSE and Connector the suite pushed (locations.receiver.put_and_get), where its Sessions and
    CDRs take place, since a Receiver may refuse them at a Location it does not know (2003)."""
    pushed = ctx.cache.get("locations:created")
    return tuple(pushed) if pushed else samples.SITE


def owned_url(ctx: Context, module: str, *parts: str, party: Party | None = None) -> str:
    base = ctx.require(module, "RECEIVER")
    owner = party or ctx.party
    return "/".join([base, owner.country_code, owner.party_id, *parts])


def writes(ctx: Context) -> None:
    if not ctx.registered:
        not_applicable("the suite is not registered, so it owns no party to push objects for")


def created(ctx: Context, key: str, by: str) -> Any:
    """What an earlier check of this run created, or not applicable."""
    value = ctx.cache.get(key)
    if value is None:
        not_applicable(f"needs the object created by {by}")
    return value


def stored(reply: Reply, what: str) -> None:
    """A pushed object is accepted: status_code 1000 with HTTP 200 or 201 (status_codes_status_codes)."""
    success(reply, what)
    expect(
        reply.status in (200, 201), f"{what}: expected HTTP 200 or 201, got {describe(reply)}", reply.exchange
    )


async def get_object(ctx: Context, module: str, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
    return single_object(await ctx.get(module, url, **kwargs), what)


async def unknown_object_404(ctx: Context, module: str, **kwargs: Any) -> None:
    """GET of an object the suite never pushed, under its own party: HTTP 404."""
    writes(ctx)
    reply = await ctx.get(module, owned_url(ctx, module, new_id()), **kwargs)
    http_status(reply, 404, f"GET an unknown {module} object")


async def id_mismatch_2001(ctx: Context, module: str, body: dict[str, Any], id_field: str = "id") -> None:
    """PUT whose URL id differs from the body's id: status_code 2001, and nothing stored under either id."""
    writes(ctx)
    url_id = new_id()
    reply = await ctx.send("PUT", module, owned_url(ctx, module, url_id), json_body=body)
    status_code(reply, 2001, f"PUT {module} at id {url_id} with {id_field} {body[id_field]} in the body")


async def party_mismatch_refused(ctx: Context, module: str, body: dict[str, Any]) -> None:
    """PUT under the suite's party of an object that names another party is refused (2xxx or HTTP 404) and not
    stored."""
    writes(ctx)
    other = Party(ctx.party.country_code, OTHER_PARTY_ID)
    object_id = str(body.get("id") or body.get("uid"))
    foreign = {**body, "party_id": other.party_id}
    url = owned_url(ctx, module, object_id)
    reply = await ctx.send("PUT", module, url, json_body=foreign)
    code = reply.status_code
    expect(
        reply.status == 404 or (code is not None and 2000 <= code < 3000),
        f"PUT at {ctx.party} of an object owned by {other}: expected an OCPI 2xxx error or HTTP 404, got "
        f"{describe(reply)}",
        reply.exchange,
    )
    check = await ctx.get(module, url)
    expect(
        check.status == 404 or check.status_code != 1000,
        f"the refused {module} object was stored anyway",
        check.exchange,
    )
