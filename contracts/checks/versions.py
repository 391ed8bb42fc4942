"""Versions module checks (version_information_endpoint.asciidoc): the versions list and the 2.2.1 details."""

from __future__ import annotations

from urllib.parse import urlsplit

from contracts.checks.common import success, valid
from contracts.context import Context
from contracts.registry import VERSIONS, Phase, check
from contracts.result import expect, fail, not_applicable
from hub.ocpi.enums import ModuleID
from hub.ocpi.v221.versions import Version, VersionDetails

MODULE_IDS = {m.value for m in ModuleID}

FILE = "version_information_endpoint.asciidoc"


@check(
    "versions.list",
    module=VERSIONS,
    spec=(FILE, "Version information endpoint", "version_information_endpoint_version_information_endpoint"),
    phase=Phase.DISCOVER,
)
async def versions_list(ctx: Context) -> None:
    """The versions endpoint answers a list of Version objects that offers 2.2.1."""
    reply = ctx.versions
    assert reply is not None
    data = success(reply, "GET versions")
    expect(isinstance(data, list), "GET versions: data is not a list of Version objects", reply.exchange)
    for index, item in enumerate(data):
        valid(Version, item, f"data[{index}]", reply, path=f"data[{index}]")
    expect(
        any(isinstance(v, dict) and v.get("version") == "2.2.1" for v in data),
        "GET versions: no Version with version 2.2.1",
        reply.exchange,
    )


@check(
    "versions.details",
    module=VERSIONS,
    spec=(FILE, "Version details endpoint", "version_information_endpoint_version_details_endpoint"),
    phase=Phase.DISCOVER,
)
async def version_details(ctx: Context) -> None:
    """The 2.2.1 details list credentials and every endpoint once, each with an absolute http(s) URL."""
    reply = ctx.details
    if reply is None:
        not_applicable("the versions endpoint offers no 2.2.1 details")
    data = success(reply, "GET version details")
    expect(isinstance(data, dict), "GET version details: data is not a VersionDetails object", reply.exchange)
    expect(data.get("version") == "2.2.1", f"version is {data.get('version')!r}, not '2.2.1'", reply.exchange)
    endpoints = data.get("endpoints")
    expect(
        isinstance(endpoints, list) and bool(endpoints), "endpoints is not a non-empty list", reply.exchange
    )
    # Custom modules (version_information_endpoint_custom_modules) have ids outside ModuleID; the rest of
    # their Endpoint is checked like any other.
    standard = [
        {**e, "identifier": "credentials"}
        if isinstance(e, dict) and e.get("identifier") not in MODULE_IDS
        else e
        for e in endpoints
    ]
    valid(VersionDetails, {"version": "2.2.1", "endpoints": standard}, "the version details", reply)
    expect(
        any(e.get("identifier") == "credentials" for e in endpoints),
        "no credentials endpoint: every 2.2.1 party implements credentials",
        reply.exchange,
    )
    seen: set[tuple[str, str]] = set()
    for index, endpoint in enumerate(endpoints):
        key = (endpoint["identifier"], endpoint["role"])
        if key in seen and endpoint["identifier"] != "credentials":
            fail(f"endpoints[{index}]: {key[0]} {key[1]} is listed twice", reply.exchange)
        seen.add(key)
        parts = urlsplit(endpoint["url"])
        expect(
            parts.scheme in ("http", "https") and bool(parts.netloc),
            f"endpoints[{index}].url {endpoint['url']!r} is not an absolute http(s) URL",
            reply.exchange,
        )
