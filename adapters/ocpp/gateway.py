"""The OCPP endpoint `ws(s)://<host>/ocpp/{station_id}` (OCPP-J 1.6 §3-4, OCPP 2.0.1 Part 4 §3): the upgrade
(Basic credentials, subprotocol in the station's order of preference), one ChargePoint per websocket, and the
watch for stations that fall silent (DESIGN decision 8)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import websockets
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from adapters.ocpp.bridge import Bridge, UpstreamUnavailableError, connect_upstream
from adapters.ocpp.charge_point import StationChargePoint
from adapters.ocpp.connection import WebSocketConnection
from adapters.ocpp.handshake import OCPP16, basic_password, choose_subprotocol
from adapters.ocpp.link import StationLink
from adapters.ocpp.metrics import BRIDGED, CONNECTIONS
from adapters.ocpp.v16 import ChargePoint16
from adapters.ocpp.v201 import ChargePoint201
from hub.ports import HubPort, StationAdmission, StationAuthError, StationRefusedError
from hub.stations.settings import OcppSettings

logger = logging.getLogger(__name__)

PREFIX = "/ocpp/"
# OCPP-J: with no common subprotocol the upgrade completes without one "and then immediately closes".
PROTOCOL_ERROR = 1002
REPLACED = 1000


class OcppGateway:
    """The stations connected to this process, by station id."""

    def __init__(self, port: HubPort, settings: OcppSettings) -> None:
        self.port = port
        self.settings = settings
        self.links: dict[str, StationLink] = {}

    async def serve(self, websocket: WebSocket, station_id: str) -> None:
        admission = await self._admit(websocket, station_id)
        if admission is None:
            return
        protocol = choose_subprotocol(list(websocket.scope.get("subprotocols") or []))
        if protocol is None:
            logger.warning(
                "station %s offered no OCPP version we speak: %s",
                station_id,
                websocket.scope.get("subprotocols"),
            )
            await websocket.accept()
            await websocket.close(PROTOCOL_ERROR)
            return
        await self._run(websocket, admission, protocol)

    async def _admit(self, websocket: WebSocket, station_id: str) -> StationAdmission | None:
        password = basic_password(websocket.headers.get("authorization"), station_id)
        try:
            return await self.port.admit(station_id, password)
        except StationRefusedError as exc:
            logger.warning("station %s refused: %s", station_id, exc)
            if isinstance(exc, StationAuthError):
                await _deny(websocket, 401, {"WWW-Authenticate": 'Basic realm="OCPP", charset="UTF-8"'})
            else:
                await _deny(websocket, 404)
        except Exception:
            logger.exception("station %s could not be looked up", station_id)
            await _deny(websocket, 503)
        return None

    async def _run(self, websocket: WebSocket, admission: StationAdmission, protocol: str) -> None:
        station_id = admission.station_id
        upstream: websockets.ClientConnection | None = None
        if admission.upstream_url is not None:
            upstream = await self._upstream(websocket, admission, protocol)
            if upstream is None:
                return
        link = StationLink(
            websocket,
            admission,
            connection_id=str(uuid.uuid4()),
            protocol=protocol,
            port=self.port,
            settings=self.settings,
        )
        connection = WebSocketConnection(websocket, max_frame=self.settings.max_frame, heard=link.heard)
        cls: type[StationChargePoint] = ChargePoint16 if protocol == OCPP16 else ChargePoint201
        bridge = None
        if upstream is not None:
            bridge = Bridge(
                connection,
                upstream,
                station_id=station_id,
                protocol=protocol,
                port=self.port,
                response_timeout=self.settings.response_timeout,
            )
        link.charge_point = cls(
            link,
            connection if bridge is None else bridge.connection,
            response_timeout=self.settings.response_timeout,
        )
        previous = self.links.get(station_id)
        self.links[station_id] = link
        CONNECTIONS.labels(protocol=protocol).inc()
        if bridge is not None:
            BRIDGED.labels(protocol=protocol).inc()
        try:
            await self.port.station_connected(station_id, connection_id=link.connection_id, protocol=protocol)
            await websocket.accept(subprotocol=protocol)
            if previous is not None:
                # A station has one connection: the new one wins, as after a network change.
                logger.info("station %s reconnected: its previous websocket is closed", station_id)
                await _close(previous.websocket)
            logger.info("station %s connected with %s", station_id, protocol)
            link.spawn(link.initial_statuses())
            if bridge is not None:
                await bridge.run(link.charge_point)
            else:
                await link.charge_point.start()  # type: ignore[no-untyped-call]
        except WebSocketDisconnect as exc:
            logger.info("station %s disconnected (%s)", station_id, exc.code)
        except Exception:
            logger.exception("station %s: connection failed", station_id)
        finally:
            CONNECTIONS.labels(protocol=protocol).dec()
            if bridge is not None:
                BRIDGED.labels(protocol=protocol).dec()
                await bridge.close()
            await link.stop()
            if self.links.get(station_id) is link:
                del self.links[station_id]
            try:
                await self.port.station_disconnected(station_id, connection_id=link.connection_id)
            except Exception:
                logger.exception("station %s: disconnect not recorded", station_id)
            await _close(websocket)

    async def _upstream(
        self, websocket: WebSocket, admission: StationAdmission, protocol: str
    ) -> websockets.ClientConnection | None:
        """Bridge mode: the station's connection to its CSMS, opened before the station's upgrade is accepted;
        when it cannot be opened the upgrade is refused (502, or the upstream's own 401/403/404), so that the
        station retries as it would."""
        assert admission.upstream_url is not None
        try:
            upstream = await connect_upstream(
                admission.upstream_url,
                admission.station_id,
                protocol=protocol,
                authorization=websocket.headers.get("authorization"),
                settings=self.settings,
            )
        except UpstreamUnavailableError as exc:
            logger.warning(
                "station %s refused: its upstream CSMS is unavailable: %s", admission.station_id, exc
            )
            await _deny(websocket, exc.status)
            return None
        logger.info(
            "station %s bridged to its upstream CSMS %s", admission.station_id, admission.upstream_url
        )
        return upstream

    async def watch(self) -> None:
        """Mark stations that said nothing for the silence window, and let the hub do its periodic work."""
        last_housekeeping = 0.0
        while True:
            await asyncio.sleep(self.settings.watch_interval)
            for link in list(self.links.values()):
                if not link.silent and link.quiet_for() >= self.settings.silence:
                    link.spawn(link.fall_silent())
            now = time.monotonic()
            if now - last_housekeeping >= min(self.settings.touch_interval, 30.0):
                last_housekeeping = now
                try:
                    await self.port.housekeeping()
                except Exception:
                    logger.exception("station housekeeping failed")

    async def close(self) -> None:
        """Close every websocket (shutdown): each one's handler records its station offline."""
        for link in list(self.links.values()):
            await _close(link.websocket)


async def _deny(websocket: WebSocket, status: int, headers: dict[str, str] | None = None) -> None:
    """Refuse the upgrade with an HTTP status; servers without the denial extension send 403."""
    if "websocket.http.response" in (websocket.scope.get("extensions") or {}):
        await websocket.send_denial_response(Response(status_code=status, headers=headers))
    else:
        await websocket.close(1008)


async def _close(websocket: WebSocket, code: int = REPLACED) -> None:
    try:
        await websocket.close(code)
    except Exception:
        logger.debug("websocket already closed")
