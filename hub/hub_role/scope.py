"""Which requests the hub answers for every party (transport_and_format_message_routing): a dependency of the
functional modules that tells the services storing a request's objects whether to pass them on."""

from __future__ import annotations

from hub.deps import RoutingDep, SessionDep, SettingsDep
from hub.hub_role.broadcast import mark_addressed_to_hub
from hub.hub_role.mode import addressed_to_hub


async def hub_scope(session: SessionDep, settings: SettingsDep, routing: RoutingDep) -> None:
    """Remember on the request's session whether the request is addressed to the hub itself (a Broadcast
    Push when it writes partners' objects)."""
    if addressed_to_hub(settings, routing):
        mark_addressed_to_hub(session)
