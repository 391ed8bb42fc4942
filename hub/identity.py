"""Who this platform is: the Credentials object we hand to partners (credentials_credentials_object)."""

from __future__ import annotations

from hub.config import LocalParty, Settings
from hub.ocpi.enums import Role
from hub.ocpi.v221.credentials import Credentials, CredentialsRole
from hub.ocpi.v221.locations import BusinessDetails


def announced_parties(settings: Settings) -> list[LocalParty]:
    """The parties our credentials list: "A Hub SHALL only report itself as role: Hub"."""
    hubs = [party for party in settings.parties if party.role == Role.HUB]
    return hubs or list(settings.parties)


def our_credentials(settings: Settings, token: str) -> Credentials:
    return Credentials(
        token=token,
        url=settings.versions_url,
        roles=[
            CredentialsRole(
                role=party.role,
                business_details=BusinessDetails(name=party.name, website=party.website),
                party_id=party.party_id,
                country_code=party.country_code,
            )
            for party in announced_parties(settings)
        ],
    )


def is_local_party(settings: Settings, country_code: str, party_id: str) -> bool:
    return any(
        p.country_code == country_code.upper() and p.party_id == party_id.upper() for p in settings.parties
    )
