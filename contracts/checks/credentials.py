"""Credentials module checks (credentials.asciidoc): the handshake with token A, 3001-3003, the 405 rules,
token rotation by PUT, and unregistration."""

from __future__ import annotations

import secrets
import time
from typing import Any

from contracts.checks.common import describe, http_status, status_code, success, valid
from contracts.context import Context
from contracts.http import Reply
from contracts.registry import Phase, check
from contracts.result import expect, fail, not_applicable
from hub.ocpi.v221.credentials import Credentials

MODULE = "credentials"
FILE = "credentials.asciidoc"
POST = (FILE, "POST Method", "credentials_post_method")
PUT = (FILE, "PUT Method", "credentials_put_method")
DELETE = (FILE, "DELETE Method", "credentials_delete_method")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def our_credentials(ctx: Context, token: str, versions_url: str | None = None) -> dict[str, Any]:
    """The suite's Credentials with `token` (which the partner may now call it with)."""
    callbacks = ctx.require_callbacks()
    callbacks.tokens.add(token)
    body = callbacks.credentials(
        token, [(role, ctx.party.country_code, ctx.party.party_id) for role in ctx.suite_roles()]
    )
    if versions_url is not None:
        body["url"] = versions_url
    return body


def _adopt(ctx: Context, reply: Reply, what: str) -> bool:
    """A credentials call that registered the suite: use the token it returned, so the run goes on."""
    data = reply.data if reply.status_code == 1000 else None
    if isinstance(data, dict) and isinstance(data.get("token"), str):
        ctx.client.token = data["token"]
        ctx.registered = True
        ctx.partner_credentials = data
        ctx.registration_problem = f"the endpoint registered the suite on {what}"
        return True
    return False


def _token_a(ctx: Context) -> str:
    if ctx.token_a is None:
        not_applicable("needs a credentials token A (this is a --read-only run)")
    if ctx.registered:
        not_applicable(f"already registered ({ctx.registration_problem})")
    return ctx.token_a


def _registered_token(ctx: Context) -> str:
    if ctx.token_a is None:
        not_applicable("read-only run: the suite does not change the registration")
    if not ctx.registered:
        not_applicable("the suite is not registered")
    return ctx.client.token


@check("credentials.put_unregistered_405", module=MODULE, spec=PUT, read_only=False, phase=Phase.CONNECT)
async def put_unregistered(ctx: Context) -> None:
    """PUT before registering (with token A) is answered with HTTP 405."""
    token_a = _token_a(ctx)
    reply = await ctx.client.call(
        "PUT", ctx.credentials_url, token=token_a, json_body=our_credentials(ctx, new_token())
    )
    if _adopt(ctx, reply, "a PUT with token A"):
        fail("PUT with token A registered the suite instead of answering HTTP 405", reply.exchange)
    http_status(reply, 405, "PUT credentials before registering")


@check(
    "credentials.delete_unregistered_405", module=MODULE, spec=DELETE, read_only=False, phase=Phase.CONNECT
)
async def delete_unregistered(ctx: Context) -> None:
    """DELETE before registering (with token A) is answered with HTTP 405."""
    reply = await ctx.client.call("DELETE", ctx.credentials_url, token=_token_a(ctx))
    http_status(reply, 405, "DELETE credentials before registering")


async def _provoke(ctx: Context, code: int, what: str) -> None:
    token_a = _token_a(ctx)
    callbacks = ctx.require_callbacks()
    body = our_credentials(ctx, new_token(), versions_url=callbacks.bad_versions_url(code))
    reply = await ctx.client.call("POST", ctx.credentials_url, token=token_a, json_body=body)
    if _adopt(ctx, reply, f"a POST whose versions URL {what}"):
        fail(f"POST credentials whose versions URL {what} registered the suite", reply.exchange)
    status_code(reply, code, f"POST credentials whose versions URL {what}")


@check(
    "credentials.post_unusable_client_3001",
    module=MODULE,
    spec=(FILE, "Errors during registration", "credentials_errors_during_registration"),
    read_only=False,
    phase=Phase.CONNECT,
)
async def post_3001(ctx: Context) -> None:
    """POST whose versions URL fails (HTTP 503) is answered with status_code 3001."""
    await _provoke(ctx, 3001, "answers HTTP 503")


@check(
    "credentials.post_unsupported_version_3002",
    module=MODULE,
    spec=("status_codes.asciidoc", "3xxx: Server errors", "status_codes_3xxx_server_errors"),
    read_only=False,
    phase=Phase.CONNECT,
)
async def post_3002(ctx: Context) -> None:
    """POST whose versions URL offers only OCPI 2.1.1 is answered with status_code 3002."""
    await _provoke(ctx, 3002, "offers only 2.1.1")


@check(
    "credentials.post_missing_endpoints_3003",
    module=MODULE,
    spec=(FILE, "Required endpoints not available", "credentials_required_endpoints_not_available"),
    read_only=False,
    phase=Phase.CONNECT,
)
async def post_3003(ctx: Context) -> None:
    """POST whose 2.2.1 details list no endpoints (not even credentials) is answered with status_code 3003."""
    await _provoke(ctx, 3003, "lists no endpoints")


def _fetched_with(ctx: Context, start: float, token: str) -> list[str]:
    """Which of the suite's versions and details the partner fetched with `token` since `start`."""
    callbacks = ctx.require_callbacks()
    paths = {f.path for f in callbacks.fetches_since(start) if f.token == token and f.method == "GET"}
    return [p for p in ("/ocpi/versions", "/ocpi/2.2.1") if p in paths]


def _new_credentials(ctx: Context, reply: Reply, what: str, old_tokens: set[str]) -> dict[str, Any]:
    """The Credentials a POST or PUT answered; their token becomes the suite's even when the object is
    flawed, so the run can go on and report the flaw."""
    data = success(reply, what)
    if isinstance(data, dict) and isinstance(data.get("token"), str):
        ctx.client.token = data["token"]
        ctx.registered = True
        ctx.partner_credentials = data
    valid(Credentials, data, f"{what}: the Credentials", reply)
    expect(
        data["token"] not in old_tokens,
        f"{what}: the answer repeats a token the suite already had instead of a new one",
        reply.exchange,
    )
    result: dict[str, Any] = data
    return result


@check("credentials.post_registers", module=MODULE, spec=POST, read_only=False, phase=Phase.REGISTER)
async def post_registers(ctx: Context) -> None:
    """POST with token A fetches the suite's versions and details with token B, then answers a new token C."""
    if ctx.token_a is None:
        not_applicable("read-only run: the suite uses an existing registration")
    if ctx.registered:
        fail(f"registration went wrong before the POST: {ctx.registration_problem}")
    token_b = new_token()
    start = time.monotonic()
    reply = await ctx.client.call(
        "POST", ctx.credentials_url, token=ctx.token_a, json_body=our_credentials(ctx, token_b)
    )
    if reply.status_code != 1000 or not isinstance(reply.data, dict):
        ctx.registration_problem = f"POST credentials: {describe(reply)}"
    _new_credentials(ctx, reply, "POST credentials", {ctx.token_a, token_b})
    fetched = _fetched_with(ctx, start, token_b)
    expect(
        len(fetched) == 2,
        "the endpoint registered the suite without first fetching its versions and details with token B "
        f"(fetched with B: {', '.join(fetched) or 'nothing'})",
        reply.exchange,
    )


@check(
    "credentials.token_a_single_use",
    module=MODULE,
    spec=(FILE, "Registration", "credentials_registration"),
    read_only=False,
    phase=Phase.REGISTERED,
)
async def token_a_single_use(ctx: Context) -> None:
    """After registration, token A no longer works (HTTP 401 on the versions endpoint)."""
    _registered_token(ctx)
    assert ctx.token_a is not None
    reply = await ctx.client.call("GET", ctx.config.versions_url, token=ctx.token_a)
    http_status(reply, 401, "GET versions with token A after registration")


@check("credentials.post_registered_405", module=MODULE, spec=POST, read_only=False, phase=Phase.REGISTERED)
async def post_registered(ctx: Context) -> None:
    """A second POST once registered is answered with HTTP 405."""
    _registered_token(ctx)
    reply = await ctx.client.call("POST", ctx.credentials_url, json_body=our_credentials(ctx, new_token()))
    if _adopt(ctx, reply, "a second POST"):
        fail("a second POST registered the suite again instead of answering HTTP 405", reply.exchange)
    http_status(reply, 405, "POST credentials when registered")


@check("credentials.put_rotates_token", module=MODULE, spec=PUT, read_only=False, phase=Phase.REGISTERED)
async def put_rotates_token(ctx: Context) -> None:
    """PUT re-fetches the suite's versions and details with the new token and answers a new token; the old one
    stops working."""
    old = _registered_token(ctx)
    token_b = new_token()
    start = time.monotonic()
    reply = await ctx.client.call("PUT", ctx.credentials_url, json_body=our_credentials(ctx, token_b))
    _new_credentials(ctx, reply, "PUT credentials", {old, token_b})
    fetched = _fetched_with(ctx, start, token_b)
    expect(
        len(fetched) == 2,
        "PUT credentials did not fetch the suite's versions and details again with the new token "
        f"(fetched: {', '.join(fetched) or 'nothing'})",
        reply.exchange,
    )
    stale = await ctx.client.call("GET", ctx.credentials_url, token=old)
    http_status(stale, 401, "GET credentials with the token PUT replaced")


@check(
    "credentials.get",
    module=MODULE,
    spec=(FILE, "GET Method", "credentials_get_method"),
    phase=Phase.REGISTERED,
)
async def get_credentials(ctx: Context) -> None:
    """GET answers the endpoint's valid Credentials object."""
    if ctx.token_a is not None and not ctx.registered:
        not_applicable("the suite is not registered")
    reply = await ctx.client.call("GET", ctx.credentials_url)
    data = success(reply, "GET credentials")
    valid(Credentials, data, "GET credentials", reply)
    ctx.partner_credentials = data


@check(
    "credentials.hub_reports_only_hub",
    module=MODULE,
    spec=(FILE, "Credentials object", "credentials_credentials_object"),
    phase=Phase.REGISTERED,
)
async def hub_only_hub(ctx: Context) -> None:
    """A Hub lists only the role HUB in its Credentials, not the parties connected to it."""
    roles = [r for r in (ctx.partner_credentials or {}).get("roles") or [] if isinstance(r, dict)]
    if not any(str(r.get("role", "")).upper() == "HUB" for r in roles):
        not_applicable("the endpoint's credentials list no HUB role")
    others = [
        f"{r.get('role')} {r.get('country_code')}*{r.get('party_id')}"
        for r in roles
        if r.get("role") != "HUB"
    ]
    expect(not others, f"a Hub's credentials also list {', '.join(others)}")


@check("credentials.delete_unregisters", module=MODULE, spec=DELETE, read_only=False, phase=Phase.UNREGISTER)
async def delete_unregisters(ctx: Context) -> None:
    """DELETE unregisters: it succeeds once, and a second DELETE is refused (HTTP 405, or 401 once the token
    is gone)."""
    _registered_token(ctx)
    reply = await ctx.client.call("DELETE", ctx.credentials_url)
    success(reply, "DELETE credentials")
    ctx.registered = False
    again = await ctx.client.call("DELETE", ctx.credentials_url)
    # Whether an unregistered client's token gets 405 or 401 is disputed (ocpi/ocpi issue 441): both refuse.
    expect(
        again.status in (401, 405),
        f"a second DELETE: expected HTTP 405 (or 401), got {describe(again)}",
        again.exchange,
    )
