"""Discovery of a partner's 2.2.1 endpoints (version_information_endpoint): GET versions, pick 2.2.1, GET details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.config import OCPI_VERSION
from hub.ocpi.enums import ModuleID
from hub.partners.client import PartnerBadReplyError, PartnerClient, PartnerRejectedError, PartnerReply
from hub.partners.repository import DiscoveredEndpoint


class NoCommonVersionError(Exception):
    """The partner does not offer OCPI 2.2.1."""


class MissingEndpointsError(Exception):
    """The partner's version details lack an endpoint we need."""


@dataclass(frozen=True)
class Discovery:
    versions_url: str
    version: str
    details_url: str
    endpoints: tuple[DiscoveredEndpoint, ...]
    raw_token: bool

    def endpoint(self, module: str, interface_role: str | None = None) -> str | None:
        for endpoint in self.endpoints:
            if endpoint.module == module and (
                interface_role is None or endpoint.interface_role == interface_role
            ):
                return endpoint.url
        return None

    @property
    def credentials_url(self) -> str:
        url = self.endpoint(ModuleID.CREDENTIALS)
        assert url is not None
        return url


async def _get(client: PartnerClient, url: str, token: str, raw: bool | None) -> tuple[PartnerReply, bool]:
    """GET with a Base64 token, falling back to the raw token once when the partner answers 401
    (the spec's NOTE: choose "by trial and error")."""
    if raw is not None:
        return await client.call("GET", url, token=token, raw_token=raw), raw
    try:
        return await client.call("GET", url, token=token), False
    except PartnerRejectedError as exc:
        if exc.http_status != 401:
            raise
        try:
            return await client.call("GET", url, token=token, raw_token=True), True
        except PartnerRejectedError:
            raise exc from None


def _parse_endpoints(url: str, data: Any) -> tuple[DiscoveredEndpoint, ...]:
    if not isinstance(data, dict) or not isinstance(data.get("endpoints"), list):
        raise PartnerBadReplyError(f"GET {url}: version details without an endpoints list")
    endpoints: dict[tuple[str, str], DiscoveredEndpoint] = {}
    for item in data["endpoints"]:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("identifier"), str)
            or not isinstance(item.get("url"), str)
        ):
            continue  # the spec: process the correct objects of a list, skip the broken ones
        module = item["identifier"].strip().lower()
        role = item.get("role")
        interface_role = role.strip().upper() if isinstance(role, str) else ""
        if module == ModuleID.CREDENTIALS:
            interface_role = "SENDER"  # the role of a credentials endpoint carries no meaning; keep one
        endpoints.setdefault(
            (module, interface_role), DiscoveredEndpoint(module, interface_role, item["url"].strip())
        )
    return tuple(endpoints.values())


async def discover(
    client: PartnerClient, versions_url: str, token: str, *, raw_token: bool | None = None
) -> Discovery:
    """Find the partner's 2.2.1 details and endpoints. Raises PartnerError, NoCommonVersionError or
    MissingEndpointsError."""
    reply, raw = await _get(client, versions_url, token, raw_token)
    data = reply.data
    if isinstance(data, dict) and "endpoints" in data:
        # Some peers hand out their details URL as the versions URL; accept it when it is 2.2.1.
        if str(data.get("version")) != OCPI_VERSION:
            raise NoCommonVersionError(
                f"{versions_url} serves OCPI {data.get('version')}, not {OCPI_VERSION}"
            )
        details_url, details = versions_url, data
    else:
        if not isinstance(data, list):
            raise PartnerBadReplyError(f"GET {versions_url}: versions data is not a list")
        offered = [v for v in data if isinstance(v, dict) and isinstance(v.get("url"), str)]
        match = next((v for v in offered if str(v.get("version")).strip() == OCPI_VERSION), None)
        if match is None:
            versions = ", ".join(str(v.get("version")) for v in offered) or "none"
            raise NoCommonVersionError(f"{versions_url} offers OCPI {versions}; we speak {OCPI_VERSION}")
        details_url = match["url"].strip()
        # A versions endpoint that checks no token proves nothing about the encoding: let the details GET
        # fall back to the raw token as well, unless the caller fixed the encoding.
        details_reply, raw = await _get(
            client, details_url, token, raw_token if raw_token is not None else (True if raw else None)
        )
        details = details_reply.data
    endpoints = _parse_endpoints(details_url, details)
    if not any(e.module == ModuleID.CREDENTIALS for e in endpoints):
        raise MissingEndpointsError(f"{details_url} lists no credentials endpoint")
    return Discovery(
        versions_url=versions_url,
        version=OCPI_VERSION,
        details_url=details_url,
        endpoints=endpoints,
        raw_token=raw,
    )
