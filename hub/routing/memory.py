"""What open routing remembers of forwarded requests (transport_and_format_message_routing_open_routing_request),
so that later requests about the same object without OCPI-to-* reach the same party: a Session's PATCH its
eMSP, a STOP_SESSION or charging profile the Session's CPO, a CANCEL_RESERVATION the CPO of the RESERVE_NOW,
an ActiveChargingProfile the party that set the profile."""

from __future__ import annotations

from typing import Any

from hub.ocpi.enums import InterfaceRole, ModuleID
from hub.ocpi.headers import PartyRef
from hub.routing.paths import ModulePath
from hub.routing.repository import RoutingRepository

# HubRouteRecord.module values: what the key names → who the request about it goes to.
SESSION_EMSP = "sessions"  # CPO party * session id → the eMSP the Session was PUT to
SESSION_CPO = "sessions:cpo"  # eMSP party * session id → the CPO that PUT the Session
RESERVATION_CPO = "commands:reservation"  # eMSP party * reservation id → the CPO of the RESERVE_NOW
PROFILE_SENDER = "chargingprofiles"  # CPO party * session id → the party that PUT a ChargingProfile


def memo_key(party: PartyRef, object_id: str) -> str:
    """CiString ids compare case-insensitively: the key is upper-cased."""
    return f"{party}*{object_id}".upper()


async def remember_forwarded(
    repo: RoutingRepository,
    path: ModulePath,
    method: str,
    body: Any,
    *,
    sender: PartyRef,
    sender_partner_id: int,
    receiver: PartyRef,
    receiver_partner_id: int,
) -> None:
    """Write the memos a forwarded request gives (whether it was addressed or open-routed)."""
    segments = path.segments
    if path.interface_role != InterfaceRole.RECEIVER:
        return
    if path.module == ModuleID.SESSIONS and method == "PUT" and len(segments) == 3:
        owner = PartyRef(segments[0].upper(), segments[1].upper())
        await repo.remember(SESSION_EMSP, memo_key(owner, segments[2]), receiver_partner_id, receiver)
        await repo.remember(SESSION_CPO, memo_key(receiver, segments[2]), sender_partner_id, sender)
    elif path.module == ModuleID.COMMANDS and method == "POST" and segments == ["RESERVE_NOW"]:
        reservation = body.get("reservation_id") if isinstance(body, dict) else None
        if isinstance(reservation, str):
            await repo.remember(RESERVATION_CPO, memo_key(sender, reservation), receiver_partner_id, receiver)
    elif path.module == ModuleID.CHARGING_PROFILES and method == "PUT" and len(segments) == 1:
        await repo.remember(PROFILE_SENDER, memo_key(receiver, segments[0]), sender_partner_id, sender)
