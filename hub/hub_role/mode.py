"""Whether this platform is a Hub and which requests are addressed to the hub itself
(transport_and_format_message_routing: Broadcast Push, GET All via Hubs)."""

from __future__ import annotations

from hub.config import LocalParty, Settings
from hub.identity import is_local_party
from hub.ocpi.enums import Role
from hub.ocpi.headers import PartyRef, RoutingHeaders


def hub_parties(settings: Settings) -> list[LocalParty]:
    return [party for party in settings.parties if party.role == Role.HUB]


def is_hub(settings: Settings) -> bool:
    """Hub mode: one of our local parties has the HUB role."""
    return bool(hub_parties(settings))


def addressed_to_hub(settings: Settings, routing: RoutingHeaders) -> bool:
    """In hub mode, a request the hub answers itself on behalf of every party: OCPI-to-* names the hub party
    ("the client uses the party-id and country-code of the Hub in the 'OCPI-to-' headers"), or no party at
    all (an open routing request that reached the hub's own handlers: nobody else was chosen)."""
    if not is_hub(settings):
        return False
    if routing.to is None:
        return True
    return any(
        (p.country_code, p.party_id) == (routing.to.country_code, routing.to.party_id)
        for p in hub_parties(settings)
    )


def push_sender(settings: Settings, owner: tuple[str, str]) -> PartyRef | None:
    """OCPI-from-* of a push of an object of `owner`: a Hub passing on another party's object sends it "using
    its own party-id and country-code in the 'OCPI-from-' headers"; our own objects come from their owner.
    None: the owner."""
    hubs = hub_parties(settings)
    if not hubs or is_local_party(settings, *owner):
        return None
    return PartyRef(hubs[0].country_code, hubs[0].party_id)
