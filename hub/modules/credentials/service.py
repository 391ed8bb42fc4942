"""Credentials as the server side of the handshake (credentials_interfaces_and_endpoints): POST registers,
PUT updates and rotates, DELETE unregisters, with the 405 rules."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth import Caller
from hub.config import Settings
from hub.errors import (
    InvalidParametersError,
    MethodNotAllowedError,
    NoMatchingEndpointsError,
    UnableToUseClientApiError,
    UnsupportedVersionError,
)
from hub.hub_role.client_info import announce
from hub.identity import is_local_party, our_credentials
from hub.ocpi.v221.credentials import Credentials
from hub.partners.client import PartnerClient, PartnerError
from hub.partners.discovery import Discovery, MissingEndpointsError, NoCommonVersionError, discover
from hub.partners.registration import apply_credentials
from hub.partners.repository import PartnerRepository
from hub.security import new_token
from hub.tables import PartnerStatus


async def _check_roles(
    repo: PartnerRepository, settings: Settings, caller: Caller, credentials: Credentials
) -> None:
    for role in credentials.roles:
        if is_local_party(settings, role.country_code, role.party_id):
            raise InvalidParametersError(
                f"roles: {role.country_code}*{role.party_id} is a party of this platform and cannot be registered by a partner"
            )
        owner = await repo.registered_role_owner(role.role, role.country_code, role.party_id)
        if owner is not None and owner != caller.partner_id:
            raise InvalidParametersError(
                f"roles: {role.role} {role.country_code}*{role.party_id} is already registered by another partner"
            )


async def _discover(client: PartnerClient, credentials: Credentials) -> Discovery:
    """Fetch the client's versions and details with the token it sent (credentials_errors_during_registration)."""
    try:
        return await discover(client, credentials.url, credentials.token)
    except NoCommonVersionError as exc:
        raise UnsupportedVersionError(str(exc)) from None
    except MissingEndpointsError as exc:
        raise NoMatchingEndpointsError(str(exc)) from None
    except PartnerError as exc:
        raise UnableToUseClientApiError(f"Could not use your versions endpoint: {exc}") from None


async def register(
    session: AsyncSession, client: PartnerClient, settings: Settings, caller: Caller, credentials: Credentials
) -> Credentials:
    """POST: "MUST return HTTP 405 if the client has already been registered before"."""
    if caller.partner.status != PartnerStatus.INVITED:
        raise MethodNotAllowedError("Already registered: use PUT to update credentials, DELETE to unregister")
    repo = PartnerRepository(session)
    await _check_roles(repo, settings, caller, credentials)
    discovery = await _discover(client, credentials)
    await apply_credentials(repo, caller.partner, credentials, discovery)
    token_c = new_token()
    await repo.activate_token(caller.partner, token_c)  # token A stops working
    await announce(session, settings, caller.partner_id, joined=True)
    return our_credentials(settings, token_c)


async def update(
    session: AsyncSession, client: PartnerClient, settings: Settings, caller: Caller, credentials: Credentials
) -> Credentials:
    """PUT: "MUST return HTTP 405 if the client has not been registered yet"; re-fetch endpoints, new token."""
    if not caller.registered:
        raise MethodNotAllowedError("Not registered: use POST to register")
    repo = PartnerRepository(session)
    await _check_roles(repo, settings, caller, credentials)
    discovery = await _discover(client, credentials)
    await apply_credentials(repo, caller.partner, credentials, discovery)
    token_c = new_token()
    await repo.activate_token(caller.partner, token_c)  # the previous token stops working
    await announce(session, settings, caller.partner_id)
    return our_credentials(settings, token_c)


async def unregister(session: AsyncSession, settings: Settings, caller: Caller) -> None:
    """DELETE: "MUST return HTTP 405 if the client has not been registered before"."""
    if not caller.registered:
        raise MethodNotAllowedError("Not registered: nothing to unregister")
    repo = PartnerRepository(session)
    await repo.drop_tokens(caller.partner)
    caller.partner.status = PartnerStatus.UNREGISTERED
    caller.partner.token_out = None
    await repo.save(caller.partner)
    await announce(session, settings, caller.partner_id)
