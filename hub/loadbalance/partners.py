"""Smart-charging partners at a balanced site (mod_charging_profiles): the profile a partner sets on a Session
is that Session's upper bound, enforced by the limits load balancing sends (the charger holds one TxProfile
per transaction, so the partner's profile is not sent as it is); clearing it lifts the bound."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import State

from hub.loadbalance.balancer import LoadBalancer
from hub.ocpi.v221.charging_profiles import ChargingProfile, ChargingProfileResultType
from hub.ports import ChargerCommands

Ask = Callable[[ChargerCommands], Awaitable[Any]]


def balanced(state: State, session_id: str, profile: ChargingProfile | None, ask: Ask) -> Ask:
    """`ask` (a SetChargingProfile with `profile`, or a ClearProfile with None), unless the Session runs at a
    balanced site: there it becomes (or stops being) the Session's bound, answered ACCEPTED."""

    async def bound_or_ask(port: ChargerCommands) -> Any:
        balancer: LoadBalancer | None = getattr(state, "load_balancer", None)
        if balancer is not None and balancer.partner_profile(session_id, profile):
            return ChargingProfileResultType.ACCEPTED
        return await ask(port)

    return bound_or_ask
