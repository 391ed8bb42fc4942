"""What every ChargePoint of ours shares, on top of the `ocpp` library's: a read loop that answers every
frame (malformed ones with a CALLERROR) and never dies of one, lenient schema validation, and typed calls.

Requests are validated against the library's bundled schemas here, not by the library: over-long strings and
unknown fields, which real chargers send (ocpp-notes §1.4, #273/#189), are logged and accepted; every other
schema violation is the CALLERROR the library would send."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ocpp.charge_point import ChargePoint
from ocpp.exceptions import (
    FormationViolationError,
    FormatViolationError,
    InternalError,
    OCPPError,
    ProtocolError,
    TypeConstraintViolationError,
)
from ocpp.messages import Call, MessageType, unpack
from ocpp.routing import create_route_map
from starlette.websockets import WebSocketDisconnect

from adapters.ocpp.dispatch import answer_payload, snake_case, takes_unique_id
from adapters.ocpp.frames import malformed_answer, valid_message_id
from adapters.ocpp.validation import violations
from hub.ports import HubPort

if TYPE_CHECKING:
    from adapters.ocpp.link import StationLink

logger = logging.getLogger(__name__)

# Schema violations a station gets away with (logged): they lose nothing we read.
LENIENT = frozenset({"maxLength", "additionalProperties"})


class _LibraryLog(logging.LoggerAdapter[logging.Logger]):
    """The library logs every CALLERROR it sends with a traceback; a station's mistake is a warning."""

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        self.warning(msg, *args, **kwargs)

    def info(self, msg: object, *args: object, **kwargs: Any) -> None:
        # The library logs every frame received and sent at INFO: at our INFO level that is two log lines
        # per message, so frames are logged at DEBUG.
        self.debug(msg, *args, **kwargs)


LIBRARY_LOG = _LibraryLog(logging.getLogger("ocpp"), {})


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_timestamp(value: Any) -> datetime | None:
    """An OCPP dateTime, leniently: no zone means UTC, an unreadable one is None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


HANDLERS = ("_on_action", "_after_action")


class _BoundRoutes(Mapping[str, dict[str, Any]]):
    """The library's route map of one ChargePoint: its class's handlers, bound to it as they are looked up."""

    __slots__ = ("_owner", "_routes")

    def __init__(self, owner: object, routes: dict[str, dict[str, Any]]) -> None:
        self._owner = owner
        self._routes = routes

    def __getitem__(self, action: str) -> dict[str, Any]:
        return {
            option: value.__get__(self._owner) if option in HANDLERS else value
            for option, value in self._routes[action].items()
        }

    def __iter__(self) -> Iterator[str]:
        return iter(self._routes)

    def __len__(self) -> int:
        return len(self._routes)


class _ClassRouteMap:
    """`route_map` built once per class: the library builds a dict of bound methods per connection (some
    KiB each at 10,000 stations); the one its `__init__` assigns is dropped."""

    def __init__(self) -> None:
        self._by_class: dict[type, dict[str, dict[str, Any]]] = {}

    def __get__(self, owner: object, cls: type) -> Mapping[str, dict[str, Any]]:
        routes = self._by_class.get(cls)
        if routes is None:
            routes = self._by_class[cls] = create_route_map(cls)  # type: ignore[no-untyped-call]
        return _BoundRoutes(owner, routes)

    def __set__(self, owner: object, value: object) -> None:
        pass


class StationChargePoint(ChargePoint):
    """One station's websocket, spoken by the `ocpp` library; version classes add the handlers."""

    _ocpp_version: str
    route_map = _ClassRouteMap()

    def __init__(self, link: StationLink, connection: Any, *, response_timeout: float) -> None:
        self._responses: asyncio.Queue[Any] | None = None
        self._calls = 0
        super().__init__(  # type: ignore[no-untyped-call]
            link.station_id, connection, response_timeout=response_timeout, logger=LIBRARY_LOG
        )
        self.link = link
        self.port: HubPort = link.port
        # Bridge mode: the upstream CSMS's CALLRESULT payload (as on the wire, camelCase) to the CALL being
        # handled, set by the bridge before the handler runs; handlers take the ids it assigned from it (1.6
        # StartTransaction transactionId). None in standalone mode, where our own answer is sent.
        self.upstream_answer: dict[str, Any] | None = None

    @property
    def _response_queue(self) -> asyncio.Queue[Any]:
        """The library's queue of CALLRESULTs and CALLERRORs for our CALL in flight, made when a call or an
        answer needs it and dropped after each of our calls: its three deques (~2 KiB) would otherwise sit
        on every one of thousands of idle connections."""
        if self._responses is None:
            self._responses = asyncio.Queue()
        return self._responses

    @_response_queue.setter
    def _response_queue(self, _queue: asyncio.Queue[Any]) -> None:
        self._responses = None

    async def call(self, *args: Any, **kwargs: Any) -> Any:
        self._calls += 1
        try:
            return await super().call(*args, **kwargs)  # type: ignore[no-untyped-call]
        finally:
            # Only once no call of ours waits for an answer (the library validates an answer after
            # releasing its call lock, so the next call may already be waiting on this queue).
            self._calls -= 1
            if not self._calls and self._responses is not None and self._responses.empty():
                self._responses = None

    async def route_message(self, raw_msg: str) -> None:
        try:
            msg = unpack(raw_msg)  # type: ignore[no-untyped-call]
        except OCPPError as error:
            logger.warning("station %s sent a frame that is not OCPP-J: %.200s", self.id, raw_msg)
            answer = malformed_answer(raw_msg, self._ocpp_version, str(error.description))
            if answer is not None:
                await self._send(answer)  # type: ignore[no-untyped-call]
            return
        if msg.message_type_id != MessageType.Call:
            self._response_queue.put_nowait(msg)
            return
        if not valid_message_id(msg.unique_id):
            logger.warning(
                "station %s sent a CALL whose message id is no string of 1 to 36 characters", self.id
            )
            answer = malformed_answer(
                raw_msg, self._ocpp_version, "MessageId must be a string of 1 to 36 characters"
            )
            if answer is not None:
                await self._send(answer)  # type: ignore[no-untyped-call]
            return
        self.link.note_call(msg.action)
        try:
            self._validate(msg)
            await self._handle_call(msg)
        except OCPPError as error:
            logger.warning("station %s: %s %s refused: %s", self.id, msg.action, msg.unique_id, error)
            await self._send(msg.create_call_error(error).to_json())  # type: ignore[no-untyped-call]
        except WebSocketDisconnect:
            raise  # the station left while we answered: the connection ends, nothing failed here
        except Exception:
            logger.exception("station %s: %s %s failed", self.id, msg.action, msg.unique_id)
            await self._send(msg.create_call_error(InternalError()).to_json())  # type: ignore[no-untyped-call]

    def _validate(self, msg: Call) -> None:
        if not isinstance(msg.action, str) or msg.action not in self.route_map:
            return  # the library answers NotImplemented / NotSupported
        errors = violations(msg.action, self._ocpp_version, msg.payload)
        if not errors:
            return
        if all(error.validator in LENIENT for error in errors):
            logger.warning(
                "station %s: %s accepted despite %s",
                self.id,
                msg.action,
                "; ".join(error.message[:200] for error in errors),
            )
            return
        error = next(e for e in errors if e.validator not in LENIENT)
        details = {"cause": error.message[:500]}
        if error.validator in ("type", "maxLength"):
            raise TypeConstraintViolationError(details=details)  # type: ignore[no-untyped-call]
        if error.validator == "required":
            raise ProtocolError(details=details)  # type: ignore[no-untyped-call]
        if self._ocpp_version == "1.6":
            raise FormationViolationError(details=details)  # type: ignore[no-untyped-call]
        raise FormatViolationError(details=details)  # type: ignore[no-untyped-call]

    async def _handle_call(self, msg: Call) -> None:
        """The library's dispatch of a CALL to its handler and of the answer back, without its per-message
        costs (adapters.ocpp.dispatch); routes that are not ours to answer (NotImplemented, NotSupported) or
        that want the library's validation take the library's way."""
        handlers = self.route_map.get(msg.action) if isinstance(msg.action, str) else None
        if handlers is None or "_on_action" not in handlers or not handlers.get("_skip_schema_validation"):
            await super()._handle_call(msg)  # type: ignore[no-untyped-call]
            return
        handler = handlers["_on_action"]
        payload = snake_case(msg.payload)
        try:
            if takes_unique_id(handler):
                response = handler(**payload, call_unique_id=msg.unique_id)
            else:
                response = handler(**payload)
            if inspect.isawaitable(response):
                response = await response
        except Exception as error:
            self.logger.exception("Error while handling request '%s'", msg)
            await self._send(msg.create_call_error(error).to_json())  # type: ignore[no-untyped-call]
            return
        answer = answer_payload(response)
        await self._send(msg.create_call_result(answer).to_json())  # type: ignore[no-untyped-call]
        after = handlers.get("_after_action")
        if after is None:
            return
        if takes_unique_id(after):
            follow_up = after(**payload, call_unique_id=msg.unique_id)
        else:
            follow_up = after(**payload)
        if inspect.iscoroutine(follow_up):
            self.link.spawn(follow_up)

    async def ask(self, payload: Any) -> Any:
        """Send a CALL and return its CALLRESULT; raises the OCPPError of a CALLERROR and TimeoutError."""
        return await self.call(payload, suppress=False)

    async def request_statuses(self) -> None:
        """Ask the station for a StatusNotification of every connector (TriggerMessage)."""
        raise NotImplementedError
