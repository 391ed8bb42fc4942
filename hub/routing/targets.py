"""Who a routed request comes from and goes to (transport_and_format_message_routing, status_codes 4001/4003):
the OCPI-from-* party checked against the caller's credentials, the OCPI-to-* party resolved to the
connected platform that holds it and that platform's endpoint for the module and interface role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.config import Settings
from hub.errors import InvalidParametersError, ReceiverNotConnectedError, UnknownReceiverError
from hub.identity import is_local_party
from hub.ocpi.enums import Role
from hub.ocpi.headers import PartyRef
from hub.routing.directory import KnownCaller, RoutingDirectory
from hub.routing.paths import ModulePath
from hub.routing.repository import RoutingRepository
from hub.tables import PartnerRecord, PartnerStatus


@dataclass(frozen=True)
class Target:
    """Where a request is forwarded: the party named in OCPI-to-*, the platform holding it, its endpoint."""

    partner: PartnerRecord
    party: PartyRef
    endpoint: str

    @property
    def partner_id(self) -> int:
        assert self.partner.id is not None
        return self.partner.id

    @property
    def token(self) -> str:
        assert self.partner.token_out is not None
        return self.partner.token_out


@dataclass(frozen=True)
class Requester:
    """The calling platform's party a request is from: OCPI-from-*, or the caller's only party. `party` is
    None when the caller holds several parties and named none."""

    party: PartyRef | None
    parties: tuple[PartyRef, ...]


def _listing(parties: tuple[PartyRef, ...]) -> str:
    return ", ".join(str(p) for p in parties) or "none"


async def requester(
    repo: RoutingRepository, settings: Settings, known: KnownCaller, claimed: PartyRef | None
) -> Requester:
    """The party the request is from. A platform speaks only for its credentials roles; a Hub connected to us
    also for the parties behind it, but never for ours or for a party connected to us directly."""
    parties = tuple(dict.fromkeys(party for _, party in known.roles))
    if claimed is None:
        return Requester(parties[0] if len(parties) == 1 else None, parties)
    if claimed in parties:
        return Requester(claimed, parties)
    if any(role == Role.HUB for role, _ in known.roles) and not is_local_party(
        settings, claimed.country_code, claimed.party_id
    ):
        held_elsewhere = [p for p, _ in await repo.holders(claimed) if p.id != known.caller.partner_id]
        if not held_elsewhere:
            return Requester(claimed, parties)
    raise InvalidParametersError(
        f"OCPI-from-country-code/OCPI-from-party-id: {claimed} is not one of your credentials roles "
        f"({_listing(parties)})"
    )


def require_party(found: Requester) -> PartyRef:
    """The requesting party of a request to forward: the receiver must know who asks."""
    if found.party is None:
        raise InvalidParametersError(
            "OCPI-from-country-code/OCPI-from-party-id are required: your credentials list several parties "
            f"({_listing(found.parties)}), say which one this request is from"
        )
    return found.party


def reach(partner: PartnerRecord, endpoint: str | None, party: PartyRef, path: ModulePath) -> Target:
    """`party` at `partner`, if the hub can forward `path` there now (4003 when it cannot)."""
    if partner.status != PartnerStatus.REGISTERED or partner.token_out is None:
        raise ReceiverNotConnectedError(
            f"{party} is not connected to this hub (registration {partner.status.lower()})"
        )
    if partner.suspended_at is not None:
        raise ReceiverNotConnectedError(f"{party} is suspended on this hub")
    if endpoint is None:
        role = path.interface_role.value
        raise ReceiverNotConnectedError(
            f"{party} has no {path.module.value} {role} endpoint: its platform does not implement it"
        )
    return Target(partner, party, endpoint)


def _first_reachable(
    found: Sequence[tuple[PartnerRecord, str | None]], party: PartyRef, path: ModulePath
) -> Target:
    # Registered and not suspended first: a party that moved to a new platform is reached there.
    ranked = sorted(
        found, key=lambda row: (row[0].status != PartnerStatus.REGISTERED, row[0].suspended_at is not None)
    )
    failure: ReceiverNotConnectedError | None = None
    for partner, endpoint in ranked:
        try:
            return reach(partner, endpoint, party, path)
        except ReceiverNotConnectedError as exc:
            failure = failure or exc
    assert failure is not None
    raise failure


async def addressed(
    repo: RoutingRepository, directory: RoutingDirectory, party: PartyRef, path: ModulePath
) -> Target:
    """The target an OCPI-to-* party names (4001 when no connected platform holds it)."""
    found = await directory.reachable(repo, path.module.value, path.interface_role.value, party)
    if not found:
        raise UnknownReceiverError(f"{party} is not a party connected to this hub")
    return _first_reachable(found, party, path)


async def remembered(repo: RoutingRepository, partner_id: int, party: PartyRef, path: ModulePath) -> Target:
    """The target open routing remembered for an object: `party` at the platform it was routed to."""
    found = await repo.reachable(path.module.value, path.interface_role.value, partner_id=partner_id)
    if not found:
        raise UnknownReceiverError(f"{party} is no longer connected to this hub")
    return _first_reachable(found, party, path)
