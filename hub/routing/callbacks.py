"""The hub's callback URLs, `{base_url}/ocpi/2.2.1/hub/callbacks/{id}`, that stand in for a party's URL in what
the hub forwarded (mod_commands response_url, mod_charging_profiles response_url, mod_cdrs Location): only the
party the original request went to may call one, and its call is passed on to the original URL with the
hub's token for that URL's platform."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.errors import MethodNotAllowedError, ObjectNotFoundError, ReceiverNotConnectedError
from hub.ocpi.headers import RoutingHeaders
from hub.routing.directory import RoutingDirectory
from hub.routing.repository import RoutingRepository
from hub.routing.service import caller_and_routing
from hub.routing.targets import requester
from hub.tables import PartnerRecord, PartnerStatus

# A response_url takes the result POST (mod_commands_emsp_interface); a CDR's Location its GET.
METHODS = {"response_url": "POST", "cdr_location": "GET"}


@dataclass(frozen=True)
class CallbackPlan:
    url: str
    partner: PartnerRecord
    routing: RoutingHeaders

    @property
    def token(self) -> str:
        assert self.partner.token_out is not None
        return self.partner.token_out

    @property
    def receiver(self) -> str:
        return str(self.routing.to) if self.routing.to is not None else f"partner {self.partner.name!r}"


async def plan_callback(
    session: AsyncSession, directory: RoutingDirectory, settings: Settings, request: Request, callback_id: str
) -> CallbackPlan:
    known, routing = await caller_and_routing(directory, request, session)
    caller = known.caller
    repo = RoutingRepository(session)
    found = await requester(repo, settings, known, routing.from_)
    record = await repo.callback(callback_id)
    # Anyone but the party the URL was given to sees no such URL, as for an unknown id.
    if record is None or record.caller_partner_id != caller.partner_id:
        raise ObjectNotFoundError("Unknown callback URL")
    method = METHODS.get(record.kind, "POST")
    if request.method != method:
        raise MethodNotAllowedError(f"This URL takes {method} only", headers={"Allow": method})
    partner = await repo.partner(record.partner_id)
    who = str(routing.to) if routing.to is not None else "the party this URL belongs to"
    if partner is None or partner.status != PartnerStatus.REGISTERED or partner.token_out is None:
        raise ReceiverNotConnectedError(f"{who} is no longer connected to this hub")
    if partner.suspended_at is not None:
        raise ReceiverNotConnectedError(f"{who} is suspended on this hub")
    return CallbackPlan(record.url, partner, RoutingHeaders(to=routing.to, from_=found.party))
