"""Which of our local parties a Sender request is about (transport_and_format_message_routing)."""

from __future__ import annotations

from hub.config import Settings
from hub.modules.objects import Owner
from hub.ocpi.enums import Role
from hub.ocpi.headers import RoutingHeaders


def sender_owners(settings: Settings, role: Role, routing: RoutingHeaders) -> list[Owner]:
    """Our parties with `role` whose objects a Sender GET serves: the one the OCPI-to-* headers name,
    or all of them when the request names none (a request addressed to a party we are not gets nothing)."""
    owners = [Owner.of(p.country_code, p.party_id) for p in settings.parties if p.role == role]
    if routing.to is not None:
        owners = [
            o
            for o in owners
            if (o.country_code, o.party_id) == (routing.to.country_code, routing.to.party_id)
        ]
    return owners


def cpo_owners(settings: Settings) -> set[Owner]:
    return owners_with_role(settings, Role.CPO)


def owners_with_role(settings: Settings, role: Role) -> set[Owner]:
    return {Owner.of(p.country_code, p.party_id) for p in settings.parties if p.role == role}
