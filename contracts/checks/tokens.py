"""Tokens module checks (mod_tokens.asciidoc): real-time authorization on the Sender (unknown Token: HTTP 404
with 2004 and no data); PUT, GET and PATCH with `?type=` on the Receiver (the Sender's list is checked by
contracts.checks.lists)."""

from __future__ import annotations

from contracts import samples
from contracts.checks.common import describe, same_id, single_object, status_code, success, valid
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
from contracts.registry import check
from contracts.result import CheckFailedError, expect, not_applicable
from hub.ocpi.v221.tokens import AuthorizationInfo, Token

MODULE = "tokens"
FILE = "mod_tokens.asciidoc"
SENDER, RECEIVER = "SENDER", "RECEIVER"
CREATED = "tokens:created"
AUTHORIZE = (FILE, "POST Method", "mod_tokens_post_method")
RFID = {"type": "RFID"}


def _authorize_url(ctx: Context, uid: str) -> str:
    return f"{ctx.require(MODULE, SENDER)}/{uid}/authorize"


@check(
    "tokens.sender.authorize_unknown_404_2004", module=MODULE, role=SENDER, spec=AUTHORIZE, read_only=False
)
async def authorize_unknown(ctx: Context) -> None:
    """Real-time authorization of an unknown Token: HTTP 404, status_code 2004 and no data."""
    writes(ctx)
    reply = await ctx.send("POST", MODULE, _authorize_url(ctx, new_id("NOSUCH")), params=RFID)
    status_code(reply, 2004, "POST authorize for an unknown Token", http=404)
    expect(
        not reply.has_data, "the 2004 answer carries a data field (the spec: no data field)", reply.exchange
    )


@check("tokens.sender.authorize_known", module=MODULE, role=SENDER, spec=AUTHORIZE, read_only=False)
async def authorize_known(ctx: Context) -> None:
    """Real-time authorization of a listed Token answers a valid AuthorizationInfo for that Token (or 2002 when
    the eMSP needs a Location)."""
    writes(ctx)
    spec = next(s for s in LISTS if s.module == MODULE)
    try:
        walk = await full_walk(ctx, spec)
    except CheckFailedError:
        not_applicable("the list could not be walked (see tokens.sender.pagination_walk)")
    if not walk.objects:
        not_applicable("needs a Token in the list")
    token = walk.objects[0]
    reply = await ctx.send(
        "POST",
        MODULE,
        _authorize_url(ctx, str(token["uid"])),
        params={"type": str(token.get("type", "RFID"))},
    )
    if reply.status_code == 2002:
        return  # "not enough information": this eMSP needs LocationReferences, which it may demand
    data = success(reply, f"POST authorize for Token {token['uid']}")
    valid(AuthorizationInfo, data, "the AuthorizationInfo", reply)
    expect(
        same_id(data["token"].get("uid"), token["uid"]),
        f"the AuthorizationInfo is for Token {data['token'].get('uid')!r}, not {token['uid']}",
        reply.exchange,
    )


@check(
    "tokens.receiver.put_and_get",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "PUT Method", "mod_tokens_put_method"),
    read_only=False,
)
async def put_and_get(ctx: Context) -> None:
    """PUT of a new Token (?type=RFID) is stored: GET returns it, also without ?type (RFID is the default)."""
    writes(ctx)
    uid = new_id("UID")
    url = owned_url(ctx, MODULE, uid)
    stored(
        await ctx.send(
            "PUT", MODULE, url, params=RFID, json_body=samples.token(ctx.party, uid, samples.now())
        ),
        "PUT a new Token",
    )
    ctx.cache[CREATED] = uid
    reply = await ctx.get(MODULE, url, params=RFID)
    data = single_object(reply, "GET the Token just PUT")
    valid(Token, data, "GET the Token just PUT", reply)
    expect(same_id(data.get("uid"), uid), f"GET answers Token {data.get('uid')!r}", reply.exchange)
    default = await ctx.get(MODULE, url)
    expect(
        default.status_code == 1000 and same_id((default.data or {}).get("uid"), uid),
        f"GET without ?type does not find the RFID Token ({describe(default)})",
        default.exchange,
    )


@check(
    "tokens.receiver.patch_without_last_updated_2001",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "PATCH Method", "mod_tokens_patch_method"),
    read_only=False,
)
async def patch_without_last_updated(ctx: Context) -> None:
    """PATCH without last_updated is answered with status_code 2001."""
    uid = created(ctx, CREATED, "tokens.receiver.put_and_get")
    reply = await ctx.send(
        "PATCH", MODULE, owned_url(ctx, MODULE, uid), params=RFID, json_body={"valid": False}
    )
    status_code(reply, 2001, "PATCH a Token without last_updated")


@check("tokens.receiver.id_mismatch_2001", module=MODULE, role=RECEIVER, spec=ERRORS, read_only=False)
async def id_mismatch(ctx: Context) -> None:
    """PUT whose URL token_uid differs from the body's uid is answered with status_code 2001."""
    await id_mismatch_2001(ctx, MODULE, samples.token(ctx.party, new_id("UID"), samples.now()), "uid")


@check("tokens.receiver.party_mismatch_refused", module=MODULE, role=RECEIVER, spec=PUSH, read_only=False)
async def party_mismatch(ctx: Context) -> None:
    """PUT under the suite's party of a Token naming another party is refused and not stored."""
    await party_mismatch_refused(ctx, MODULE, samples.token(ctx.party, new_id("UID"), samples.now()))


@check("tokens.receiver.unknown_object_404", module=MODULE, role=RECEIVER, spec=NOT_FOUND, read_only=False)
async def unknown(ctx: Context) -> None:
    """GET of a Token the suite never pushed is answered with HTTP 404."""
    await unknown_object_404(ctx, MODULE, params=RFID)


@check(
    "tokens.receiver.invalidated",
    module=MODULE,
    role=RECEIVER,
    spec=(FILE, "PATCH Method", "mod_tokens_patch_method"),
    read_only=False,
)
async def invalidated(ctx: Context) -> None:
    """The suite's Token is withdrawn the spec's way (PATCH valid=false), and GET shows it invalid."""
    uid = created(ctx, CREATED, "tokens.receiver.put_and_get")
    url = owned_url(ctx, MODULE, uid)
    body = {"valid": False, "last_updated": samples.now()}
    success(
        await ctx.send("PATCH", MODULE, url, params=RFID, json_body=body), "PATCH the Token to valid=false"
    )
    data = await get_object(ctx, MODULE, url, "GET the invalidated Token", params=RFID)
    expect(data.get("valid") is False, f"the Token's valid is {data.get('valid')!r}, not false")
