"""Transport checks (transport_and_format.asciidoc, status_codes.asciidoc): authorization, the envelope, HTTP
statuses, request ids and the envelope timestamp, the last three over every exchange of the run."""

from __future__ import annotations

import secrets

from contracts.checks.common import describe, http_status
from contracts.context import Context
from contracts.http import Reply
from contracts.registry import TRANSPORT, Phase, check
from contracts.result import expect, fail, not_applicable
from contracts.validate import datetime_problem
from hub.ocpi.enums import CONFIGURATION_MODULES

FILE = "transport_and_format.asciidoc"
AUTHORIZATION = (FILE, "Authorization header", "transport_and_format_authorization_header")
SHOWN = 5


def _details_url(ctx: Context) -> str:
    if ctx.details_url is None:
        not_applicable("no 2.2.1 version details to call")
    return ctx.details_url


@check("transport.authorization_missing_401", module=TRANSPORT, spec=AUTHORIZATION, phase=Phase.CONNECT)
async def authorization_missing(ctx: Context) -> None:
    """A request without an Authorization header is answered with HTTP 401."""
    reply = await ctx.client.call("GET", _details_url(ctx), no_auth=True)
    http_status(reply, 401, "GET version details without Authorization")


@check("transport.authorization_unknown_token_401", module=TRANSPORT, spec=AUTHORIZATION, phase=Phase.CONNECT)
async def authorization_unknown(ctx: Context) -> None:
    """A token that matches no party is answered with HTTP 401 (not 403)."""
    reply = await ctx.client.call("GET", _details_url(ctx), token=f"unknown-{secrets.token_hex(16)}")
    http_status(reply, 401, "GET version details with an unknown token")


@check("transport.authorization_base64", module=TRANSPORT, spec=AUTHORIZATION, phase=Phase.CONNECT)
async def authorization_base64(ctx: Context) -> None:
    """`Authorization: Token <base64(token)>` is accepted (the raw token alone is the pre-2.2 form)."""
    refused = ctx.refused_base64
    if refused is not None:
        fail(
            f"the Base64-encoded token was refused ({describe(refused)}) while the raw token was accepted: "
            "the endpoint only reads unencoded tokens",
            refused.exchange,
        )


@check(
    "transport.token_a_refused_outside_credentials",
    module=TRANSPORT,
    spec=AUTHORIZATION,
    phase=Phase.CONNECT,
)
async def token_a_refused(ctx: Context) -> None:
    """CREDENTIALS_TOKEN_A on a module other than credentials and versions is answered with HTTP 401."""
    if ctx.token_a is None:
        not_applicable("needs a credentials token A (this is a --read-only run)")
    functional = [
        e
        for e in ctx.endpoints
        if e.role == "SENDER" and e.identifier not in {m.value for m in CONFIGURATION_MODULES}
    ]
    if not functional:
        not_applicable("no functional module Sender interface is announced")
    endpoint = functional[0]
    reply = await ctx.get(endpoint.identifier, endpoint.url, token=ctx.token_a)
    http_status(reply, 401, f"GET {endpoint.identifier} with token A")


@check(
    "transport.invalid_json_400",
    module=TRANSPORT,
    spec=("status_codes.asciidoc", "Status codes", "status_codes_status_codes"),
    read_only=False,
)
async def invalid_json(ctx: Context) -> None:
    """A body that is not valid JSON is answered with HTTP 400."""
    reply = await ctx.client.call("PUT", ctx.credentials_url, content=b'{"token": "unterminated')
    http_status(reply, 400, "PUT credentials with a body that is not JSON")


def _offenders(replies: list[Reply], problem: str) -> str:
    shown = "; ".join(f"{r.exchange.request_line()} ({problem})" for r in replies[:SHOWN])
    more = f" and {len(replies) - SHOWN} more" if len(replies) > SHOWN else ""
    return f"{len(replies)} of the run's responses: {shown}{more}"


@check(
    "transport.every_response_enveloped",
    module=TRANSPORT,
    spec=(FILE, "Response format", "transport_and_format_response_format"),
    phase=Phase.REVIEW,
)
async def every_response_enveloped(ctx: Context) -> None:
    """Every response of the run, errors included, is an OCPI envelope {data, status_code, timestamp}."""
    bad = [r for r in ctx.client.log if r.envelope is None]
    if bad:
        fail(_offenders(bad, "no envelope"), bad[0].exchange)


@check(
    "transport.request_ids_echoed",
    module=TRANSPORT,
    spec=("transport_and_format.asciidoc", "Unique message IDs", "transport_and_format_unique_messageg_ids"),
    phase=Phase.REVIEW,
)
async def request_ids_echoed(ctx: Context) -> None:
    """Every response carries the request's X-Request-ID and X-Correlation-ID."""
    bad = [
        r
        for r in ctx.client.log
        if r.headers.get("X-Request-ID") != r.request_id
        or r.headers.get("X-Correlation-ID") != r.correlation_id
    ]
    if bad:
        fail(_offenders(bad, "ids not echoed"), bad[0].exchange)


@check(
    "transport.timestamp_format",
    module=TRANSPORT,
    spec=("types.asciidoc", "DateTime type", "types_datetime_type"),
    phase=Phase.REVIEW,
)
async def timestamp_format(ctx: Context) -> None:
    """Every envelope's timestamp is a DateTime in an allowed form (UTC, RFC 3339)."""
    enveloped = [r for r in ctx.client.log if r.envelope is not None]
    expect(bool(enveloped), "no response of the run was an envelope")
    bad = [r for r in enveloped if datetime_problem((r.envelope or {}).get("timestamp")) is not None]
    if bad:
        problem = datetime_problem((bad[0].envelope or {}).get("timestamp"))
        fail(_offenders(bad, "timestamp") + f"; first: {problem}", bad[0].exchange)


# status_codes.asciidoc: "Custom status code range values SHALL NOT be used by standard OCPI module", so every
# module this suite calls answers one of these.
STANDARD_CODES = {1000, 2000, 2001, 2002, 2003, 2004, 3000, 3001, 3002, 3003, 4000, 4001, 4002, 4003}


@check(
    "transport.status_codes_standard",
    module=TRANSPORT,
    spec=("status_codes.asciidoc", "Status codes", "status_codes_status_codes"),
    phase=Phase.REVIEW,
)
async def status_codes_standard(ctx: Context) -> None:
    """Every status_code of the run is one the spec defines (custom x9xx codes are not for standard modules)."""
    bad = [r for r in ctx.client.log if r.status_code is not None and r.status_code not in STANDARD_CODES]
    if bad:
        codes = sorted({r.status_code or 0 for r in bad})
        fail(_offenders(bad, "status_code not defined by the spec") + f"; codes: {codes}", bad[0].exchange)
