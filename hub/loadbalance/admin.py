"""Admin API of site load balancing: set, read and remove a Location's site power limit (with its
time-of-day windows), and each site's limit now, allocated and measured power and per-Session limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from hub.admin.router import SessionMakerDep, require_admin
from hub.charging import places
from hub.deps import SettingsDep
from hub.errors import AdminBadRequestError, AdminNotFoundError
from hub.loadbalance import ratings
from hub.loadbalance.balancer import LoadBalancer, site_key
from hub.loadbalance.controller import SiteController
from hub.loadbalance.repository import SiteLimitRepository
from hub.loadbalance.schedule import SiteLimit, lowest_kw
from hub.loadbalance.views import SiteView, view
from hub.modules.local_parties import cpo_owners
from hub.modules.objects import Owner
from hub.ocpi.base import utc_now
from hub.tables.operator import SitePowerLimitRecord

router = APIRouter(prefix="/admin", tags=["admin: load balancing"], dependencies=[Depends(require_admin)])

SITE = "/sites/{country_code}/{party_id}/{location_id}"


async def get_balancer(request: Request) -> LoadBalancer:
    balancer: LoadBalancer = request.app.state.load_balancer
    return balancer


BalancerDep = Annotated[LoadBalancer, Depends(get_balancer)]


def _owner(settings: SettingsDep, country_code: str, party_id: str) -> Owner:
    owner = Owner.of(country_code, party_id)
    if owner not in cpo_owners(settings):
        raise AdminNotFoundError(f"{owner} is not one of our CPO parties (OCPI_HUB_PARTIES)")
    return owner


def _controller(balancer: LoadBalancer, record: SitePowerLimitRecord) -> SiteController | None:
    return balancer.sites.get(site_key(record.country_code, record.party_id, record.location_id))


@router.get("/sites")
async def list_sites(sessionmaker: SessionMakerDep, balancer: BalancerDep) -> list[SiteView]:
    """Every site with a power limit: its limit now, allocated and measured power, per-Session limits."""
    await balancer.load()
    async with sessionmaker() as session:
        records = await SiteLimitRepository(session).all()
    return [view(record, _controller(balancer, record)) for record in records]


@router.get(SITE)
async def get_site(
    country_code: str,
    party_id: str,
    location_id: str,
    sessionmaker: SessionMakerDep,
    settings: SettingsDep,
    balancer: BalancerDep,
) -> SiteView:
    """One site's power limit and schedule, its limit now, allocated and measured power, per-Session limits."""
    owner = _owner(settings, country_code, party_id)
    await balancer.load()
    async with sessionmaker() as session:
        record = await SiteLimitRepository(session).get(owner.country_code, owner.party_id, location_id)
    if record is None:
        raise AdminNotFoundError(f"Location {location_id} of {owner} has no site power limit")
    return view(record, _controller(balancer, record))


@router.put(SITE)
async def put_site(
    country_code: str,
    party_id: str,
    location_id: str,
    body: SiteLimit,
    sessionmaker: SessionMakerDep,
    settings: SettingsDep,
    balancer: BalancerDep,
) -> SiteView:
    """Set the site power limit (kW) of one of our Locations and its windows, replacing any before. Refused
    (400) when the limit, or a window's, is below the sum of the EVSEs' least charging rates (0 is allowed:
    no charging then)."""
    owner = _owner(settings, country_code, party_id)
    async with sessionmaker() as session:
        location = await places.our_location(session, owner, location_id)
        if location is None:
            raise AdminNotFoundError(f"Location {location_id} of {owner} not found")
        least = Decimal(ratings.site_minimum_w(location)) / 1000
        lowest = lowest_kw(body)
        if lowest is not None and lowest < least:
            raise AdminBadRequestError(
                f"A limit of {lowest} kW is below the {least} kW the {len(location.get('evses') or [])} EVSEs "
                f"of Location {location_id} need to charge at once at their least rates (6 A per phase AC, "
                f"{ratings.DC_MINIMUM_W / 1000} kW DC): raise the limit or remove EVSEs"
            )
        repo = SiteLimitRepository(session)
        record = await repo.get(owner.country_code, owner.party_id, location_id)
        if record is None:
            record = SitePowerLimitRecord(
                country_code=owner.country_code,
                party_id=owner.party_id,
                location_id=str(location["id"]),
                limit_kw=body.limit_kw,
            )
        record.limit_kw = body.limit_kw
        record.schedule = [window.dump() for window in body.schedule]
        record.updated_at = utc_now()
        await repo.save(record)
        await session.commit()
        await session.refresh(record)
        controller = await balancer.site_changed(session, record)
    return view(record, controller)


@router.delete(SITE)
async def delete_site(
    country_code: str,
    party_id: str,
    location_id: str,
    sessionmaker: SessionMakerDep,
    settings: SettingsDep,
    balancer: BalancerDep,
) -> SiteView:
    """Remove a Location's site power limit; its running Sessions' profiles are cleared."""
    owner = _owner(settings, country_code, party_id)
    async with sessionmaker() as session:
        repo = SiteLimitRepository(session)
        record = await repo.get(owner.country_code, owner.party_id, location_id)
        if record is None:
            raise AdminNotFoundError(f"Location {location_id} of {owner} has no site power limit")
        await repo.delete(record)
        await session.commit()
    await balancer.site_removed(record.country_code, record.party_id, record.location_id)
    return view(record, None)
