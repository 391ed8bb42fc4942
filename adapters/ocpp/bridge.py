"""Bridge mode (OCPP-J 1.6 §4, OCPP 2.0.1 Part 4 §4): a station's websocket relayed frame for frame to its
existing CSMS, our ChargePoint tapping the station's CALLs, answering roaming tokens itself (mod_tokens) and
calling the station under its own message ids.

Every frame passes unchanged, with one exception per version: the answer to a 1.6 StartTransaction / 2.0.1
TransactionEvent that carries a roaming token gets our idTagInfo / idTokenInfo in place of the upstream's
(the upstream does not know the token and would make the station stop)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import websockets
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, MessageType, unpack
from starlette.websockets import WebSocketDisconnect
from websockets.typing import Subprotocol

from adapters.ocpp.charge_point import StationChargePoint
from adapters.ocpp.connection import WebSocketConnection
from adapters.ocpp.frames import CALL, CALLERROR, CALLRESULT
from adapters.ocpp.handshake import OCPP16
from adapters.ocpp.metrics import UPSTREAM_FAILURES
from hub.ports import AuthorizationAnswer, HubPort, IdToken
from hub.stations.settings import OcppSettings

logger = logging.getLogger(__name__)

# The station is told to come back (RFC 6455 1012 "Service Restart"): its CSMS connection is gone.
UPSTREAM_GONE = 1012
# Message ids of our own CALLs still awaiting the station's answer; older ones have timed out in the library.
OWN_CALLS_KEPT = 64
QUEUED_CALLS = 64
# The station's answer replaced in the upstream's answer when the token is a roaming one.
TOKEN_INFO = {"StartTransaction": "idTagInfo", "TransactionEvent": "idTokenInfo"}


class UpstreamUnavailableError(Exception):
    """The station's connection to its upstream CSMS could not be opened; `status` is the HTTP status to
    refuse the station's upgrade with."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


# The upstream's refusals the station gets as they are (its credentials or identity are wrong there): it
# would have had the same from its CSMS. Anything else is a gateway failure (502).
PASSED_REFUSALS = frozenset({401, 403, 404})


def upstream_address(base: str, station_id: str) -> str:
    """The upstream websocket URL of `station_id`: `base` + "/" + the URL-encoded station id, unless `base`
    already ends with that id (an operator who wrote the whole URL)."""
    base = base.rstrip("/")
    last = urlsplit(base).path.rsplit("/", 1)[-1]
    if last and unquote(last) == station_id:
        return base
    return f"{base}/{quote(station_id, safe='')}"


async def connect_upstream(
    url: str, station_id: str, *, protocol: str, authorization: str | None, settings: OcppSettings
) -> websockets.ClientConnection:
    """Open the station's connection to its CSMS with the subprotocol the station chose and its Basic
    credentials (security profile 1 works upstream as before); raises UpstreamUnavailableError."""
    address = upstream_address(url, station_id)
    headers = {"Authorization": authorization} if authorization else None
    try:
        upstream = await websockets.connect(
            address,
            subprotocols=[Subprotocol(protocol)],
            additional_headers=headers,
            compression=None,
            open_timeout=settings.upstream_open_timeout,
            ping_interval=settings.ping_interval or None,
            ping_timeout=settings.ping_timeout if settings.ping_interval else None,
            max_size=settings.max_frame,
        )
    except (OSError, TimeoutError, websockets.InvalidHandshake, websockets.InvalidURI) as exc:
        UPSTREAM_FAILURES.labels(phase="connect").inc()
        status = exc.response.status_code if isinstance(exc, websockets.InvalidStatus) else 502
        raise UpstreamUnavailableError(
            f"{address}: {exc!r}", status if status in PASSED_REFUSALS else 502
        ) from exc
    if upstream.subprotocol != protocol:
        await upstream.close()
        UPSTREAM_FAILURES.labels(phase="connect").inc()
        raise UpstreamUnavailableError(f"{address} did not accept {protocol} (chose {upstream.subprotocol})")
    return upstream


def _frame(raw: str) -> tuple[int, str] | None:
    """The message type and id of an OCPP-J frame; None when `raw` is not one."""
    try:
        frame = json.loads(raw)
    except ValueError:
        return None
    if (
        isinstance(frame, list)
        and len(frame) >= 2
        and isinstance(frame[0], int)
        and isinstance(frame[1], str)
    ):
        return frame[0], frame[1]
    return None


class BridgeConnection:
    """What our ChargePoint writes through: its CALLs go to the station under their own ids (remembered, so
    the station's answers come back to it), once the station has answered the upstream's; while a station
    CALL is tapped, our answer is held, not sent."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self.holding = False
        self.held: str | None = None

    async def recv(self) -> str:
        raise RuntimeError("in bridge mode the bridge reads the station")

    async def send(self, message: str) -> None:
        frame = _frame(message)
        if frame is not None and frame[0] == CALL:
            self.bridge.own_call(frame[1])
            await self.bridge.station_lane()
        elif self.holding:
            self.held = message
            return
        await self.bridge.to_station(message)


class Bridge:
    """One station's relay: the station's frames go upstream, the upstream's to the station; CALLs of the
    station are handled one at a time (it may have one outstanding, OCPP-J 4.1.1) so that the tap sees them
    in order, while answers pass at once."""

    def __init__(
        self,
        station: WebSocketConnection,
        upstream: websockets.ClientConnection,
        *,
        station_id: str,
        protocol: str,
        port: HubPort,
        response_timeout: float,
    ) -> None:
        self.station = station
        self.upstream = upstream
        self.station_id = station_id
        self.protocol = protocol
        self.port = port
        self.response_timeout = response_timeout
        self.connection = BridgeConnection(self)
        self.charge_point: StationChargePoint | None = None
        self._own: dict[str, None] = {}
        self._pending: dict[str, asyncio.Future[str]] = {}
        self._calls: asyncio.Queue[str] = asyncio.Queue(QUEUED_CALLS)
        self._idle = asyncio.Event()
        # CALLs of the upstream the station has not answered yet: ours wait for them (OCPP-J 4.1.1, one
        # outstanding CALL per direction; the upstream's are never held back).
        self._upstream_calls: set[str] = set()
        self._lane_free = asyncio.Event()
        self._lane_free.set()
        self._draining = False

    # -- wiring ---------------------------------------------------------------------------------------------

    def own_call(self, message_id: str) -> None:
        self._own[message_id] = None
        while len(self._own) > OWN_CALLS_KEPT:
            del self._own[next(iter(self._own))]

    async def station_lane(self) -> None:
        """Until the station has answered the upstream's CALLs (at most the response timeout: a station
        that never answers one must not block ours for good)."""
        if self._lane_free.is_set():
            return
        try:
            await asyncio.wait_for(self._lane_free.wait(), self.response_timeout)
        except TimeoutError:
            logger.info(
                "station %s did not answer the upstream's CALLs %s", self.station_id, self._upstream_calls
            )
            self._upstream_calls.clear()
            self._lane_free.set()

    async def to_station(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            await self.station.websocket.send_bytes(message)
        else:
            await self.station.websocket.send_text(message)

    async def run(self, charge_point: StationChargePoint) -> None:
        """Relay until either side closes, then close the other: a station whose upstream connection drops
        is disconnected so that it reconnects (and replays what it queued), as it would to its CSMS."""
        self.charge_point = charge_point
        loop = asyncio.get_running_loop()
        worker = loop.create_task(self._work())
        tasks = [loop.create_task(self._from_station()), loop.create_task(self._from_upstream()), worker]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            error = next(iter(done)).exception()
            if isinstance(error, WebSocketDisconnect) and not self._idle.is_set():
                # The CALL being relayed reached the upstream: the hub still learns of it (the station has
                # its answer, or replays the CALL after it reconnects).
                self._draining = True
                await asyncio.wait({worker}, timeout=self.response_timeout + 1.0)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if isinstance(error, WebSocketDisconnect):
            logger.info(
                "station %s disconnected (%s): closing its upstream connection", self.station_id, error.code
            )
            await self.close()
        elif isinstance(error, websockets.ConnectionClosed):
            UPSTREAM_FAILURES.labels(phase="connected").inc()
            logger.warning(
                "station %s: upstream CSMS closed the connection (%s): closing the station's so it reconnects",
                self.station_id,
                error.rcvd.code if error.rcvd is not None else "no close frame",
            )
            await self.close()
            with contextlib.suppress(Exception):
                await self.station.websocket.close(UPSTREAM_GONE)
        elif error is not None:
            await self.close()
            raise error

    async def close(self) -> None:
        await self.upstream.close()

    # -- the three loops ------------------------------------------------------------------------------------

    async def _from_station(self) -> None:
        while True:
            raw = await self.station.recv()
            frame = _frame(raw)
            if frame is not None and frame[0] in (CALLRESULT, CALLERROR):
                if frame[1] in self._own:
                    del self._own[frame[1]]
                    assert self.charge_point is not None
                    await self.charge_point.route_message(raw)
                else:
                    self._upstream_calls.discard(frame[1])
                    if not self._upstream_calls:
                        self._lane_free.set()
                    await self.upstream.send(raw)
            else:
                await self._calls.put(raw)

    async def _from_upstream(self) -> None:
        while True:
            raw = await self.upstream.recv()
            frame = _frame(raw) if isinstance(raw, str) else None
            if frame is not None and frame[0] in (CALLRESULT, CALLERROR):
                waiting = self._pending.pop(frame[1], None)
                if waiting is not None and not waiting.done():
                    assert isinstance(raw, str)
                    waiting.set_result(raw)
                    continue
            elif frame is not None and frame[0] == CALL:
                self._upstream_calls.add(frame[1])
                self._lane_free.clear()
            await self.to_station(raw)

    async def _work(self) -> None:
        while not self._draining:
            self._idle.set()
            raw = await self._calls.get()
            self._idle.clear()
            try:
                await self._station_call(raw)
            except (WebSocketDisconnect, websockets.ConnectionClosed):
                raise
            except Exception:
                logger.exception("station %s: a bridged frame failed: %.200s", self.station_id, raw)

    # -- one CALL of the station ----------------------------------------------------------------------------

    async def _station_call(self, raw: str) -> None:
        try:
            msg = unpack(raw)  # type: ignore[no-untyped-call]
        except OCPPError:
            msg = None
        if not isinstance(msg, Call):
            # Not OCPP-J: the upstream sees it and answers (or not) as before; we log it as always, silently.
            await self.upstream.send(raw)
            await self._tap(raw, None)
            return
        token = self._token(msg)
        if token is not None and msg.action == "Authorize":
            decided = await self._lookup(token, msg.payload)
            if decided is not None and decided.roaming:
                logger.info("station %s: Authorize of a roaming token answered by the hub", self.station_id)
                await self._route(raw, _Decided(self.port, token, decided))
                return
        roaming = None
        if token is not None and msg.action in TOKEN_INFO:
            roaming = asyncio.get_running_loop().create_task(self._lookup(token, msg.payload))
        try:
            await self._relay_call(msg, raw, roaming)
        finally:
            if roaming is not None:
                roaming.cancel()

    async def _relay_call(
        self, msg: Call, raw: str, roaming: asyncio.Task[AuthorizationAnswer | None] | None
    ) -> None:
        answer = await self._ask_upstream(msg, raw)
        if answer is None:
            return
        reply: Any = json.loads(answer)
        if reply[0] != CALLRESULT or len(reply) < 3 or not isinstance(reply[2], dict):
            await self.to_station(answer)
            return
        decided = await roaming if roaming is not None else None
        if decided is not None and decided.roaming:
            ours = await self._tap(raw, reply[2])
            await self.to_station(_with_our_token_info(answer, ours, TOKEN_INFO[msg.action]))
            return
        # The station has the CSMS's answer before the hub does its work: the hub never delays it.
        try:
            await self.to_station(answer)
        finally:
            await self._tap(raw, reply[2])

    async def _ask_upstream(self, msg: Call, raw: str) -> str | None:
        waiting = asyncio.get_running_loop().create_future()
        self._pending[msg.unique_id] = waiting
        try:
            await self.upstream.send(raw)
            return await asyncio.wait_for(waiting, self.response_timeout)
        except TimeoutError:
            logger.warning(
                "station %s: upstream CSMS did not answer %s %s within %.0f s",
                self.station_id,
                msg.action,
                msg.unique_id,
                self.response_timeout,
            )
            return None
        finally:
            if self._pending.get(msg.unique_id) is waiting:
                del self._pending[msg.unique_id]

    async def _tap(self, raw: str, upstream_answer: dict[str, Any] | None) -> str | None:
        """Our ChargePoint handles the frame with the upstream's answer at hand; its own answer is held back
        and returned."""
        assert self.charge_point is not None
        self.charge_point.upstream_answer = upstream_answer
        self.connection.holding, self.connection.held = True, None
        try:
            await self._route(raw)
        finally:
            self.charge_point.upstream_answer = None
            self.connection.holding = False
        return self.connection.held

    async def _route(self, raw: str, port: HubPort | None = None) -> None:
        """Our ChargePoint handles `raw`, with `port` in place of the hub's while it does."""
        charge_point = self.charge_point
        assert charge_point is not None
        if port is not None:
            charge_point.port = port
        try:
            await charge_point.route_message(raw)
        except Exception:
            logger.exception("station %s: a bridged message failed in the hub", self.station_id)
        finally:
            charge_point.port = self.port

    def _token(self, msg: Call) -> IdToken | None:
        payload = msg.payload if isinstance(msg.payload, dict) else {}
        if self.protocol == OCPP16:
            tag = payload.get("idTag")
            return IdToken(tag) if isinstance(tag, str) and tag else None
        token = payload.get("idToken")
        if isinstance(token, dict) and isinstance(token.get("idToken"), str) and token["idToken"]:
            return IdToken(token["idToken"], str(token.get("type") or "ISO14443"))
        return None

    async def _lookup(self, token: IdToken, payload: dict[str, Any]) -> AuthorizationAnswer | None:
        """The hub's answer for the token (roaming: a partner's). A failed lookup leaves it to the upstream."""
        evse = (
            payload.get("connectorId") if self.protocol == OCPP16 else (payload.get("evse") or {}).get("id")
        )
        try:
            return await asyncio.wait_for(
                self.port.authorize(self.station_id, token, evse=evse if isinstance(evse, int) else None),
                self.response_timeout,
            )
        except Exception as exc:
            logger.warning("station %s: token lookup failed, relayed upstream: %r", self.station_id, exc)
            return None


class _Decided:
    """The hub's port with one token's answer known: the Authorize handler answers what decided that the
    hub answers (and a real-time authorization is not asked of the eMSP twice)."""

    def __init__(self, port: HubPort, token: IdToken, answer: AuthorizationAnswer) -> None:
        self._port = port
        self._token = token
        self._answer = answer

    async def authorize(
        self, station_id: str, token: IdToken, *, evse: int | None = None
    ) -> AuthorizationAnswer:
        if token.id_token == self._token.id_token:
            return self._answer
        return await self._port.authorize(station_id, token, evse=evse)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._port, name)


def _with_our_token_info(answer: str, ours: str | None, key: str) -> str:
    """The upstream's CALLRESULT `answer` with our answer's `key` (idTagInfo / idTokenInfo) in its place."""
    if ours is None:
        return answer
    mine: Any = json.loads(ours)
    if (
        mine[0] != MessageType.CallResult
        or len(mine) < 3
        or not isinstance(mine[2], dict)
        or key not in mine[2]
    ):
        return answer
    reply: Any = json.loads(answer)
    reply[2] = {**reply[2], key: mine[2][key]}
    return json.dumps(reply, separators=(",", ":"))
