"""A conformance run: discover the endpoint's versions and details, serve the suite's own endpoints, walk the
phases (token A, registration, modules, unregistration, review), and decide per check whether it applies."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from contracts.callbacks import CallbackServer
from contracts.context import Context, Endpoint, RunConfig
from contracts.http import OcpiClient, Reply, UnreachableError
from contracts.registry import Check, Phase, all_checks
from contracts.result import CheckFailedError, CheckResult, NotApplicableError, Outcome
from hub.ocpi.enums import ModuleID

MODULE_IDS = {m.value for m in ModuleID}
READ_ONLY = "read-only run (--read-only): this check sends writes"


class SetupError(Exception):
    """The run could not start (bad URL, unreachable endpoint, refused token): one line for the operator."""


@dataclass(frozen=True)
class Report:
    versions_url: str
    read_only: bool
    started: float
    duration: float
    endpoints: list[Endpoint]
    partner_roles: list[str]
    results: list[CheckResult]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def passed(self) -> bool:
        """Every applicable check passed."""
        return self.count(Outcome.FAIL) == 0


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SetupError(f"--versions-url must be an http:// or https:// URL, got {url!r}")


async def _get(ctx: Context, url: str, what: str) -> Reply:
    """GET with the token, trying the raw token once when Base64 is refused (the spec's NOTE on 2.1.1 peers)."""
    try:
        reply = await ctx.client.call("GET", url)
        if reply.status in (401, 403) and not ctx.client.raw:
            raw = await ctx.client.call("GET", url, raw=True)
            if raw.status not in (401, 403):
                ctx.client.raw = True
                ctx.refused_base64 = reply
                reply = raw
    except UnreachableError as exc:
        raise SetupError(f"cannot reach {url}: {exc.exchange.error}") from None
    if reply.status in (401, 403):
        raise SetupError(
            f"{what} {url} refused the token (HTTP {reply.status}), Base64-encoded and raw: check --token"
        )
    if reply.envelope is None:
        raise SetupError(
            f"{what} {url} did not answer with an OCPI response (HTTP {reply.status}): is it an OCPI versions URL?"
        )
    return reply


def _endpoints(data: Any) -> list[Endpoint]:
    if not isinstance(data, dict) or not isinstance(data.get("endpoints"), list):
        return []
    found: list[Endpoint] = []
    for item in data["endpoints"]:
        if (
            isinstance(item, dict)
            and isinstance(item.get("identifier"), str)
            and isinstance(item.get("url"), str)
        ):
            found.append(Endpoint(item["identifier"], str(item.get("role") or "").upper(), item["url"]))
    return found


async def discover(ctx: Context) -> None:
    """Versions, the 2.2.1 details and, where the token allows, the endpoint's Credentials (for its roles)."""
    url = ctx.config.versions_url
    ctx.versions = await _get(ctx, url, "the versions endpoint")
    data = ctx.versions.data
    if isinstance(data, dict) and "endpoints" in data:
        ctx.details_url, ctx.details = url, ctx.versions  # a details URL handed out as the versions URL
    elif isinstance(data, list):
        match = next((v for v in data if isinstance(v, dict) and v.get("version") == "2.2.1"), None)
        if match is not None and isinstance(match.get("url"), str):
            ctx.details_url = urljoin(url, match["url"])
            ctx.details = await _get(ctx, ctx.details_url, "the 2.2.1 details endpoint")
    if ctx.details is not None:
        ctx.endpoints = _endpoints(ctx.details.data)
    credentials = ctx.endpoint(ModuleID.CREDENTIALS.value)
    if credentials is not None:
        try:
            reply = await ctx.client.call("GET", credentials)
        except UnreachableError:
            return
        if reply.status_code == 1000 and isinstance(reply.data, dict):
            ctx.partner_credentials = reply.data


def _not_applicable(ctx: Context, check: Check) -> str | None:
    """Why `check` does not apply to this endpoint and run, or None."""
    if ctx.details is None and check.phase != Phase.DISCOVER:
        return "the versions endpoint offers no OCPI 2.2.1 details"
    if ctx.config.read_only and not check.read_only:
        return READ_ONLY
    functional = check.module in MODULE_IDS and check.module != ModuleID.CREDENTIALS.value
    if functional and ctx.config.modules and check.module not in ctx.config.modules:
        return "not selected (--modules)"
    if functional and check.role is not None and ctx.endpoint(check.module, check.role) is None:
        return f"{check.module} {check.role} is not announced in the version details"
    if not ctx.config.read_only and check.phase in (Phase.MODULES, Phase.CLEANUP) and not ctx.registered:
        return (
            f"the suite could not register ({ctx.registration_problem or 'see credentials.post_registers'})"
        )
    return None


async def run_check(ctx: Context, check: Check) -> CheckResult:
    def result(outcome: Outcome, message: str = "", exchange: Any = None) -> CheckResult:
        return CheckResult(
            check.name,
            check.module,
            check.role,
            check.title,
            check.spec,
            check.read_only,
            outcome,
            message,
            exchange,
        )

    reason = _not_applicable(ctx, check)
    if reason is not None:
        return result(Outcome.NOT_APPLICABLE, reason)
    try:
        await check.run(ctx)
    except CheckFailedError as exc:
        return result(Outcome.FAIL, exc.message, exc.exchange)
    except NotApplicableError as exc:
        return result(Outcome.NOT_APPLICABLE, exc.reason)
    except UnreachableError as exc:
        return result(Outcome.FAIL, f"no answer: {exc}", exc.exchange)
    except Exception as exc:
        # The endpoint answered in a shape no check expected (e.g. a string where an object belongs).
        last = ctx.client.log[-1].exchange if ctx.client.log else None
        return result(Outcome.FAIL, f"unexpected answer ({type(exc).__name__}: {exc})", last)
    return result(Outcome.PASS)


async def run(
    config: RunConfig, *, transport: httpx.AsyncBaseTransport | None = None, checks: list[Check] | None = None
) -> Report:
    """Run every check against `config.versions_url`. Raises SetupError when the run cannot start."""
    _check_url(config.versions_url)
    started, clock = time.time(), time.monotonic()
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=config.timeout, transport=transport, follow_redirects=False)
        )
        callbacks = None
        if not config.read_only:
            callbacks = CallbackServer(
                host=config.listen_host, port=config.listen_port, public_url=config.public_url
            )
        ctx = Context(config=config, client=OcpiClient(http, token=config.token), callbacks=callbacks)
        if not config.read_only:
            ctx.token_a = config.token
        await discover(ctx)
        if callbacks is not None:
            callbacks.routing_targets = ctx.is_hub
            await stack.enter_async_context(callbacks)
        for check in checks if checks is not None else all_checks():
            if check.phase == Phase.REVIEW and ctx.registered and not config.read_only:
                await _unregister(ctx)
            ctx.results.append(await run_check(ctx, check))
        if ctx.registered and not config.read_only:
            await _unregister(ctx)
    return Report(
        versions_url=config.versions_url,
        read_only=config.read_only,
        started=started,
        duration=time.monotonic() - clock,
        endpoints=ctx.endpoints,
        partner_roles=sorted(ctx.partner_roles),
        results=ctx.results,
    )


async def _unregister(ctx: Context) -> None:
    """Leave no registration behind when credentials.delete_unregisters could not do it."""
    with suppress(UnreachableError, NotApplicableError):
        await ctx.client.call("DELETE", ctx.credentials_url)
    ctx.registered = False
