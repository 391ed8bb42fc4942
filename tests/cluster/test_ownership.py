"""Who holds a station (hub.cluster.lease, adapters.ocpp.relay): the process named by the station's
gateway_id while its lease runs. A charger whose process's lease ran out is offline for commands at once, and
the next sweep of a live process hands it back (offline, EVSEs UNKNOWN); live processes keep theirs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import select

from adapters.ocpp.commands import OcppChargerCommands
from adapters.ocpp.gateway import OcppGateway
from adapters.ocpp.relay import RelayedChargerCommands
from hub.cluster.lease import CALL_RETENTION, ProcessLease
from hub.cluster.relay import CallRelay
from hub.config import Settings
from hub.db import SessionMaker, create_engine, create_sessionmaker
from hub.ocpi.base import utc_now
from hub.ports import ChargerTarget
from hub.stations.service import StationHub
from hub.stations.settings import OcppSettings
from hub.tables.cluster import ChargerCallRecord, ProcessRecord
from hub.tables.stations import ConnectionState, StationRecord

ME = "me"


@pytest.fixture
async def sessionmaker(cluster_url: str) -> AsyncIterator[SessionMaker]:
    engine = create_engine(cluster_url)
    sessionmaker = create_sessionmaker(engine)
    yield sessionmaker
    async with sessionmaker() as session:
        for table in (ChargerCallRecord, ProcessRecord, StationRecord):
            for row in (await session.exec(select(table))).all():
                await session.delete(row)
        await session.commit()
    await engine.dispose()


async def _seed(sessionmaker: SessionMaker, *rows: Any) -> None:
    async with sessionmaker() as session:
        session.add_all(rows)
        await session.commit()


def _process(process_id: str, *, expired: bool = False) -> ProcessRecord:
    lease = timedelta(seconds=-1 if expired else 30)
    return ProcessRecord(process_id=process_id, kind="serve", host="h", pid=1, lease_until=utc_now() + lease)


def _station(station_id: str, gateway_id: str, connection: str = ConnectionState.CONNECTED) -> StationRecord:
    return StationRecord(
        station_id=station_id,
        country_code="NL",
        party_id="GWY",
        location_id=f"LOC-{station_id}",
        connectors=[{"evse": 1, "connector": 1, "evse_uid": f"{station_id}-1", "connector_id": "1"}],
        connection=connection,
        gateway_id=gateway_id,
        connection_id="c1",
        last_seen_at=utc_now(),
    )


@pytest.fixture
def commands(sessionmaker: SessionMaker, cluster_url: str) -> RelayedChargerCommands:
    settings = Settings(database_url=cluster_url)
    hub = StationHub(sessionmaker, settings, OcppSettings(), gateway_id=ME)

    async def never(method: str, arguments: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("nothing is relayed here")

    local = OcppChargerCommands(OcppGateway(hub, OcppSettings()), hub)
    return RelayedChargerCommands(local, CallRelay(sessionmaker, cluster_url, ME, never), hub, timeout=1)


def _at(station_id: str) -> ChargerTarget:
    return ChargerTarget("NL", "GWY", f"LOC-{station_id}", f"{station_id}-1", "1")


async def test_a_station_is_reachable_only_through_a_process_with_a_live_lease(
    sessionmaker: SessionMaker, commands: RelayedChargerCommands
) -> None:
    await _seed(
        sessionmaker,
        _process("live"),
        _process("expired", expired=True),
        _station("CP-LIVE", "live"),
        _station("CP-SILENT", "live", ConnectionState.SILENT),
        _station("CP-EXPIRED", "expired"),
        _station("CP-UNLEASED", "never-leased"),
        _station("CP-MINE", ME),
    )
    assert await commands.reachable(_at("CP-LIVE")) is None
    assert await commands.reachable(_at("CP-SILENT")) == "Charge Point CP-SILENT is not responding"
    # The lease ran out a moment ago: no sweep yet, and still no process to ask.
    assert await commands.reachable(_at("CP-EXPIRED")) == "Charge Point CP-EXPIRED is offline"
    assert await commands.reachable(_at("CP-UNLEASED")) == "Charge Point CP-UNLEASED is offline"
    # Recorded as ours but not in our gateway's links: our websocket to it is gone.
    assert await commands.reachable(_at("CP-MINE")) == "Charge Point CP-MINE is offline"


async def test_a_sweep_hands_back_the_stations_of_expired_processes_only(
    sessionmaker: SessionMaker, commands: RelayedChargerCommands
) -> None:
    old = utc_now() - CALL_RETENTION - timedelta(minutes=1)
    await _seed(
        sessionmaker,
        _process(ME),
        _process("live"),
        _process("expired", expired=True),
        _station("CP-LIVE", "live"),
        _station("CP-EXPIRED", "expired"),
        _station("CP-EXPIRED-2", "expired", ConnectionState.SILENT),
        _station("CP-MINE", ME),
        ChargerCallRecord(
            station_id="CP-LIVE",
            caller=ME,
            owner="live",
            method="unlock_connector",
            created_at=old,
            deadline=old,
        ),
        ChargerCallRecord(
            station_id="CP-LIVE", caller=ME, owner="live", method="unlock_connector", deadline=utc_now()
        ),
    )
    handed: list[tuple[str, str]] = []

    async def abandon(station_id: str, process_id: str) -> None:
        handed.append((station_id, process_id))
        assert await commands.hub.station_abandoned(station_id, gateway_id=process_id)

    lease = ProcessLease(sessionmaker, ME, "serve", 30)
    assert await lease.sweep(abandon) == 2
    assert sorted(handed) == [("CP-EXPIRED", "expired"), ("CP-EXPIRED-2", "expired")]
    async with sessionmaker() as session:
        processes = {r.process_id for r in (await session.exec(select(ProcessRecord))).all()}
        stations = {
            r.station_id: (r.connection, r.gateway_id)
            for r in (await session.exec(select(StationRecord))).all()
        }
        calls = len((await session.exec(select(ChargerCallRecord))).all())
    assert processes == {ME, "live"}
    assert stations == {
        "CP-LIVE": (ConnectionState.CONNECTED, "live"),
        "CP-EXPIRED": (ConnectionState.OFFLINE, None),
        "CP-EXPIRED-2": (ConnectionState.OFFLINE, None),
        "CP-MINE": (ConnectionState.CONNECTED, ME),
    }
    assert calls == 1
    # Nothing is left to hand back; a station that moved on meanwhile is not taken from its new process.
    assert await lease.sweep(abandon) == 0
    assert not await commands.hub.station_abandoned("CP-LIVE", gateway_id="expired")


async def test_a_lease_is_renewed_and_given_up_and_a_lost_one_is_noticed(sessionmaker: SessionMaker) -> None:
    lease = ProcessLease(sessionmaker, ME, "ocpp-gateway", 30)
    await lease.acquire()
    assert await lease.renew()
    await lease.release()
    async with sessionmaker() as session:
        assert (await session.exec(select(ProcessRecord))).all() == []
    # Released (or swept by another process): the next renewal says so.
    assert not await lease.renew()


class WatchedLease(ProcessLease):
    """A lease that says when it was renewed twice and when it was taken again."""

    def __init__(self, sessionmaker: SessionMaker) -> None:
        super().__init__(sessionmaker, ME, "serve", 0.3)
        self.renewals = 0
        self.renewed_twice = asyncio.Event()
        self.acquired = asyncio.Event()

    async def renew(self) -> bool:
        renewed = await super().renew()
        self.renewals += renewed
        if self.renewals >= 2:
            self.renewed_twice.set()
        return renewed

    async def acquire(self) -> None:
        await super().acquire()
        self.acquired.set()


async def test_a_process_whose_lease_was_taken_lets_its_websockets_go_and_takes_a_new_lease(
    sessionmaker: SessionMaker,
) -> None:
    """Stopped longer than its lease (a frozen VM): another process took its stations, so the websockets it
    still has are no longer its to keep."""
    lease = WatchedLease(sessionmaker)
    await lease.acquire()
    lost = asyncio.Event()

    async def abandon(station_id: str, process_id: str) -> None:
        raise AssertionError("no station to hand back")

    async def let_go() -> None:
        assert not lease.acquired.is_set()
        lost.set()

    running = asyncio.create_task(lease.run(abandon, let_go))
    try:
        await asyncio.wait_for(lease.renewed_twice.wait(), 5)
        assert not lost.is_set()  # renewed: the lease alone is no reason to let go
        lease.acquired.clear()
        async with sessionmaker() as session:
            await session.exec(delete(ProcessRecord))  # another process's sweep
            await session.commit()
        await asyncio.wait_for(lost.wait(), 5)
        await asyncio.wait_for(lease.acquired.wait(), 5)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    async with sessionmaker() as session:
        assert [r.process_id for r in (await session.exec(select(ProcessRecord))).all()] == [ME]
