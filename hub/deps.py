"""FastAPI dependencies as `Annotated` aliases: session, settings, caller, routing headers, JSON bodies."""

from __future__ import annotations

from email.message import Message
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth import Caller, authenticate, authenticate_registered
from hub.config import Settings
from hub.db import get_session
from hub.errors import InvalidParametersError, UnsupportedMediaTypeError
from hub.ocpi.headers import (
    RoutingHeaderError,
    RoutingHeaders,
    parse_routing_headers,
    routing_headers_present,
)
from hub.partners.client import PartnerClient

# scope="function": the session commits before the response is sent, so a reply never claims a write
# that then fails.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_partner_client(request: Request) -> PartnerClient:
    client: PartnerClient = request.app.state.partner_client
    return client


PartnerClientDep = Annotated[PartnerClient, Depends(get_partner_client)]


async def _any_caller(request: Request, session: SessionDep) -> Caller:
    return await authenticate(request, session)


async def _registered_caller(request: Request, session: SessionDep) -> Caller:
    return await authenticate_registered(request, session)


ConfigCallerDep = Annotated[Caller, Depends(_any_caller, scope="function")]
CallerDep = Annotated[Caller, Depends(_registered_caller, scope="function")]


async def routing_headers(request: Request) -> RoutingHeaders:
    """Functional modules: the OCPI-to-*/OCPI-from-* headers, validated (transport_and_format_message_routing)."""
    try:
        return parse_routing_headers(request.headers)
    except RoutingHeaderError as exc:
        raise InvalidParametersError(str(exc)) from None


RoutingDep = Annotated[RoutingHeaders, Depends(routing_headers)]


async def no_routing_headers(request: Request) -> None:
    """Configuration modules: routing headers "SHALL NOT be used with these modules"."""
    present = routing_headers_present(request.headers)
    if present:
        raise InvalidParametersError(
            f"Routing headers are not allowed on configuration modules (versions, credentials, hubclientinfo): {', '.join(present)}"
        )


async def json_body(request: Request) -> None:
    """Requests with a body must send `Content-Type: application/json` (transport_and_format_request_format)."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.headers.get("content-type")
    if content_type is None:
        return  # no body, or a peer that forgot the header: the body is still parsed as JSON
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    if message.get_content_maintype() != "application" or not (
        subtype == "json" or subtype.endswith("+json")
    ):
        raise UnsupportedMediaTypeError(f"Content-Type must be application/json, got {content_type}")
