"""`hub.ports.ChargerCommands` across hub processes (DESIGN: Scale): a call for a station connected to this
process runs here; one for a station another live process holds is relayed to it through PostgreSQL
(`hub.cluster.relay`). On SQLite there is one process and every call stays local."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI

from adapters.ocpp.commands import OcppChargerCommands
from adapters.ocpp.gateway import OcppGateway
from hub.cluster import codec
from hub.cluster.lease import ProcessLease, station_owner
from hub.cluster.relay import CallRelay, relay_possible, wait_listening
from hub.config import Settings
from hub.ocpi.v221.charging_profiles import (
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResultType,
)
from hub.ocpi.v221.commands import CommandResultType
from hub.ocpi.v221.tokens import Token
from hub.ports import ChargerCommands, ChargerTarget
from hub.stations.service import StationHub

logger = logging.getLogger(__name__)

# Seconds startup waits for the relay's LISTEN before it serves anyway (the listener keeps trying).
LISTEN_AT_START = 10.0


class RelayedChargerCommands:
    """The local `OcppChargerCommands` for the stations in this process's gateway; the others' calls go to
    the live process holding them, bounded by the hub's command timeout."""

    def __init__(
        self, local: OcppChargerCommands, relay: CallRelay, hub: StationHub, *, timeout: float
    ) -> None:
        self.local = local
        self.relay = relay
        self.hub = hub
        self.timeout = timeout

    def _here(self, station_id: str) -> bool:
        link = self.local.gateway.links.get(station_id)
        return link is not None and link.charge_point is not None

    async def _remote_owner(self, station_id: str | None) -> str | None:
        """The other live process holding the station; None: ask locally (here, or nowhere)."""
        if station_id is None or self._here(station_id):
            return None
        owner = await station_owner(self.hub.sessionmaker, station_id)
        if owner is None or owner.process_id == self.hub.gateway_id:
            return None
        return owner.process_id

    async def _by_target(self, method: str, target: ChargerTarget, **arguments: Any) -> Any:
        address = await self.hub.locate(target)
        return await self._route(method, None if address is None else address.station_id, target, arguments)

    async def _by_session(self, method: str, target: ChargerTarget, **arguments: Any) -> Any:
        running = await self.hub.running_transaction(arguments["session_id"])
        return await self._route(method, None if running is None else running.station_id, target, arguments)

    async def _route(
        self, method: str, station_id: str | None, target: ChargerTarget, arguments: dict[str, Any]
    ) -> Any:
        owner = await self._remote_owner(station_id)
        if owner is None or station_id is None:
            return await getattr(self.local, method)(target, **arguments)
        logger.info("%s for station %s relayed to process %s", method, station_id, owner)
        outcome = await self.relay.ask(
            station_id, owner, method, codec.encode_arguments(target, arguments), self.timeout
        )
        return codec.decode_outcome(method, outcome)

    async def reachable(self, target: ChargerTarget) -> str | None:
        address = await self.hub.locate(target)
        if address is None or self._here(address.station_id):
            return await self.local.reachable(target)
        owner = await station_owner(self.hub.sessionmaker, address.station_id)
        if owner is None or owner.process_id == self.hub.gateway_id:
            return f"Charge Point {address.station_id} is offline"
        if not owner.responding:
            return f"Charge Point {address.station_id} is not responding"
        return None

    async def start_session(
        self, target: ChargerTarget, *, token: Token, authorization_reference: str | None
    ) -> CommandResultType:
        result: CommandResultType = await self._by_target(
            "start_session", target, token=token, authorization_reference=authorization_reference
        )
        return result

    async def stop_session(self, target: ChargerTarget, *, session_id: str) -> CommandResultType:
        result: CommandResultType = await self._by_session("stop_session", target, session_id=session_id)
        return result

    async def reserve_now(
        self,
        target: ChargerTarget,
        *,
        reservation_id: int,
        token: Token,
        expiry_date: datetime,
        authorization_reference: str | None,
    ) -> CommandResultType:
        result: CommandResultType = await self._by_target(
            "reserve_now",
            target,
            reservation_id=reservation_id,
            token=token,
            expiry_date=expiry_date,
            authorization_reference=authorization_reference,
        )
        return result

    async def cancel_reservation(self, target: ChargerTarget, *, reservation_id: int) -> CommandResultType:
        result: CommandResultType = await self._by_target(
            "cancel_reservation", target, reservation_id=reservation_id
        )
        return result

    async def unlock_connector(self, target: ChargerTarget) -> CommandResultType:
        result: CommandResultType = await self._by_target("unlock_connector", target)
        return result

    async def set_charging_profile(
        self, target: ChargerTarget, *, session_id: str, charging_profile: ChargingProfile
    ) -> ChargingProfileResultType:
        result: ChargingProfileResultType = await self._by_session(
            "set_charging_profile", target, session_id=session_id, charging_profile=charging_profile
        )
        return result

    async def get_active_charging_profile(
        self, target: ChargerTarget, *, session_id: str, duration: int
    ) -> ActiveChargingProfileResult:
        result: ActiveChargingProfileResult = await self._by_session(
            "get_active_charging_profile", target, session_id=session_id, duration=duration
        )
        return result

    async def clear_charging_profile(
        self, target: ChargerTarget, *, session_id: str
    ) -> ChargingProfileResultType:
        result: ChargingProfileResultType = await self._by_session(
            "clear_charging_profile", target, session_id=session_id
        )
        return result


def install_cluster(app: FastAPI, gateway: OcppGateway, kind: str) -> ChargerCommands:
    """This process's lease, for as long as the app runs, and on PostgreSQL the relay's listener; returns the
    ChargerCommands the app's OCPI side asks (local ones on SQLite)."""
    settings: Settings = app.state.settings
    hub: StationHub = app.state.station_hub
    local = OcppChargerCommands(gateway, hub)
    lease = ProcessLease(hub.sessionmaker, hub.gateway_id, kind, settings.process_lease_seconds)
    relay: CallRelay | None = None
    commands: ChargerCommands = local
    if relay_possible(settings.database_url):

        async def handle(method: str, arguments: dict[str, Any]) -> dict[str, Any]:
            return await codec.call(local, method, arguments)

        relay = CallRelay(hub.sessionmaker, settings.database_url, hub.gateway_id, handle)
        commands = RelayedChargerCommands(local, relay, hub, timeout=settings.command_timeout)
    app.state.process_lease = lease
    app.state.call_relay = relay

    async def abandon(station_id: str, process_id: str) -> None:
        await hub.station_abandoned(station_id, gateway_id=process_id)

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        context: AbstractAsyncContextManager[Any] = inner(running)
        async with context as state:
            # Before the first websocket: a station connected here is never without a live owner.
            await lease.acquire()
            await lease.sweep(abandon)
            tasks = [asyncio.create_task(lease.run(abandon, gateway.close))]
            if relay is not None:
                tasks.append(asyncio.create_task(relay.run()))
                if not await wait_listening(relay, LISTEN_AT_START):
                    logger.warning("charger call relay not listening yet: calls to this process wait")
            try:
                yield state
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if relay is not None:
                    await relay.close()
                # Our stations' websockets close next and each is recorded offline by its own handler.
                try:
                    await lease.release()
                except Exception:
                    logger.exception("process lease %s not released: it expires", lease.process_id)

    app.router.lifespan_context = lifespan
    return commands
