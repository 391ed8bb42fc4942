"""HubClientInfo (mod_hub_client_info.asciidoc): the ClientInfo list a Hub serves, derived from its partners'
credentials roles and its own local parties, and the ClientInfo objects Hubs push to us."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.errors import ObjectNotFoundError
from hub.hub_role.mode import is_hub
from hub.modules.hub_client_info.repository import ClientInfoRepository
from hub.modules.objects import Owner, check_same, to_json
from hub.ocpi.base import parse_datetime, utc_now
from hub.ocpi.enums import Role
from hub.ocpi.envelope import dump
from hub.ocpi.pagination import PageRequest
from hub.ocpi.v221.hub_client_info import ClientInfo, ConnectionStatus
from hub.tables import PartnerRecord, PartnerRoleRecord, PartnerStatus
from hub.tables.client_info import ClientInfoRecord

# When this process started serving the local parties of OCPI_HUB_PARTIES: their ClientInfo last_updated.
STARTED_AT = utc_now()

# INVITED and CONNECTING: "Connection to this party is planned, but has never been connected".
# UNREGISTERED: "will never connect anymore" (a new registration is a new partner record).
_STATUS = {
    PartnerStatus.REGISTERED: ConnectionStatus.CONNECTED,
    PartnerStatus.UNREGISTERED: ConnectionStatus.SUSPENDED,
    PartnerStatus.INVITED: ConnectionStatus.PLANNED,
    PartnerStatus.CONNECTING: ConnectionStatus.PLANNED,
}


def connection_status(status: str, *, suspended: bool = False, unreachable: bool = False) -> ConnectionStatus:
    """The ConnectionStatus of a partner in this PartnerStatus: SUSPENDED while an operator suspends it,
    OFFLINE while a registered partner does not answer our calls ("Connection to party is not available")."""
    if suspended:
        return ConnectionStatus.SUSPENDED
    current = _STATUS[PartnerStatus(status)]
    if current == ConnectionStatus.CONNECTED and unreachable:
        return ConnectionStatus.OFFLINE
    return current


def _millis(value: datetime) -> datetime:
    # DateTime goes out with at most three fraction digits: a ClientInfo we PUT must equal the one read back.
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def client_info(partner: PartnerRecord, role: PartnerRoleRecord) -> ClientInfo:
    """The ClientInfo of one credentials role of a partner; the partner's updated_at is its last_updated
    (it changes with the partner's status, roles, credentials, suspension and reachability)."""
    return ClientInfo(
        party_id=role.party_id,
        country_code=role.country_code,
        role=Role(role.role),
        status=connection_status(
            partner.status,
            suspended=partner.suspended_at is not None,
            unreachable=partner.unreachable_since is not None,
        ),
        last_updated=_millis(partner.updated_at),
    )


def local_client_infos(settings: Settings) -> list[ClientInfo]:
    """Our own local parties other than the Hub: connected for as long as this platform runs them."""
    return [
        ClientInfo(
            party_id=party.party_id,
            country_code=party.country_code,
            role=party.role,
            status=ConnectionStatus.CONNECTED,
            last_updated=STARTED_AT,
        )
        for party in settings.parties
        if party.role != Role.HUB
    ]


def _current(rows: Sequence[tuple[PartnerRecord, PartnerRoleRecord]]) -> list[tuple[int, ClientInfo]]:
    """One ClientInfo per (role, country_code, party_id), with the row id as a stable tie-breaker: a party that
    unregistered and registered again as a new partner has two partner records, and the registered one is
    the truth; otherwise the latest change is."""
    best: dict[tuple[str, str, str], tuple[bool, datetime, int, PartnerRecord, PartnerRoleRecord]] = {}
    for partner, role in rows:
        assert role.id is not None
        identity = (role.role, role.country_code, role.party_id)
        candidate = (partner.status == PartnerStatus.REGISTERED, partner.updated_at, role.id, partner, role)
        if identity not in best or candidate[:3] > best[identity][:3]:
            best[identity] = candidate
    return [(row_id, client_info(partner, role)) for _, _, row_id, partner, role in best.values()]


async def client_infos(
    session: AsyncSession, settings: Settings, *, exclude_partner_id: int | None = None
) -> list[ClientInfo]:
    """Every ClientInfo this platform serves as a Hub, oldest last_updated first in a stable order; empty when
    we are not a Hub. `exclude_partner_id` leaves out that partner's own roles: the module tells parties the
    status "of other parties"."""
    if not is_hub(settings):
        return []
    rows = await ClientInfoRepository(session).partner_roles()
    ranked: list[tuple[datetime, int, int, ClientInfo]] = [
        (info.last_updated, 0, row_id, info)
        for row_id, info in _current([(p, r) for p, r in rows if p.id != exclude_partner_id])
    ]
    ranked += [(info.last_updated, 1, index, info) for index, info in enumerate(local_client_infos(settings))]
    ranked.sort(key=lambda item: item[:3])
    return [info for *_, info in ranked]


async def partner_client_infos(session: AsyncSession, partner_id: int) -> list[ClientInfo]:
    """The ClientInfo of each credentials role of one partner: what a Hub PUTs to its other connected parties
    when that partner's status changes."""
    rows = await ClientInfoRepository(session).partner_roles(partner_id)
    return [client_info(partner, role) for partner, role in rows]


def receiver_url(endpoint_url: str, info: ClientInfo) -> str:
    """Where a Hub PUTs `info` on a party's Receiver interface: {url}/{country_code}/{party_id}."""
    return f"{endpoint_url.rstrip('/')}/{info.country_code}/{info.party_id}"


def page_of(infos: Sequence[ClientInfo], page: PageRequest) -> tuple[int, list[ClientInfo]]:
    """(total matching the date filters, this page): date_from inclusive, date_to exclusive."""
    matching = [
        info
        for info in infos
        if (page.date_from is None or info.last_updated >= page.date_from)
        and (page.date_to is None or info.last_updated < page.date_to)
    ]
    return len(matching), matching[page.offset : page.offset + page.limit]


class ReceivedClientInfos:
    """The ClientInfo objects one Hub partner pushed to us (mod_hub_client_info_client_interface)."""

    def __init__(self, session: AsyncSession, hub_partner_id: int) -> None:
        self.repo = ClientInfoRepository(session)
        self.hub_partner_id = hub_partner_id

    async def get(self, party: Owner) -> str:
        """The stored ClientInfo of this party. The URL names no role, so of a party the Hub reported in
        several roles the latest pushed is returned."""
        records = await self.repo.received(self.hub_partner_id, party)
        if not records:
            raise ObjectNotFoundError(f"No ClientInfo of {party} from this Hub")
        return records[0].body

    async def put(self, party: Owner, info: ClientInfo) -> bool:
        """Store a pushed ClientInfo, one per party and role; True when it is new."""
        check_same("country_code", party.country_code, info.country_code)
        check_same("party_id", party.party_id, info.party_id)
        body = dump(info)
        existing = {r.object_key: r for r in await self.repo.received(self.hub_partner_id, party)}
        record = existing.get(info.role.value)
        created = record is None
        if record is None:
            record = ClientInfoRecord(
                country_code=party.country_code,
                party_id=party.party_id,
                object_key=info.role.value,
                partner_id=self.hub_partner_id,
                last_updated=info.last_updated,
                body="",
            )
        record.body = to_json(body)
        record.last_updated = parse_datetime(body["last_updated"])
        await self.repo.save(record)
        return created
