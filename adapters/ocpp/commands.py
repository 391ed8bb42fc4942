"""The ChargerCommands port on OCPP 1.6J and 2.0.1 (ocpp-notes §3.4, §3.5; mod_commands, mod_charging_profiles):
OCPI commands and charging profile requests as calls to the stations connected to this process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ocpp.exceptions import OCPPError, ValidationError
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from ocpp.v201.datatypes import AdditionalInfoType, IdTokenType
from ocpp.v201.enums import IdTokenEnumType

from adapters.ocpp.command_results import call_error_result, cancel_result, command_result, profile_result
from adapters.ocpp.handshake import OCPP16
from adapters.ocpp.profiles import active_profile, profile_16, profile_201, profile_id
from hub.ocpi.base import format_datetime
from hub.ocpi.v221.charging_profiles import (
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResultType,
)
from hub.ocpi.v221.commands import CommandResultType
from hub.ocpi.v221.token_types import TokenType
from hub.ocpi.v221.tokens import Token
from hub.ports import (
    ChargerAddress,
    ChargerRefusedError,
    ChargerTarget,
    RunningTransaction,
    TransactionPort,
)

if TYPE_CHECKING:
    from adapters.ocpp.gateway import OcppGateway
    from adapters.ocpp.link import StationLink

logger = logging.getLogger(__name__)

# OCPP 1.6 idTag and parentIdTag are CiString20Type; OCPI uids go up to 36.
ID_TAG_16 = 20

# OCPI TokenType -> 2.0.1 IdTokenEnumType. 2.0.1 has no "Other": a Token of another kind is one the eMSP
# vouches for through us, which is what Central means ("a centrally, in the CSMS, generated id").
TOKEN_TYPES_201: dict[str, IdTokenEnumType] = {
    TokenType.RFID: IdTokenEnumType.iso14443,
    TokenType.APP_USER: IdTokenEnumType.central,
    TokenType.AD_HOC_USER: IdTokenEnumType.local,
    TokenType.OTHER: IdTokenEnumType.central,
}


class ConnectionLostError(Exception):
    """The station's websocket closed while we waited for its answer."""


def id_token_201(token: Token) -> IdTokenType:
    """A Token as a 2.0.1 idToken; its contract id travels as additionalInfo eMAID when it is not the uid."""
    extra = None
    if token.contract_id and token.contract_id.upper() != token.uid.upper():
        extra = [AdditionalInfoType(additional_id_token=token.contract_id, type="eMAID")]
    return IdTokenType(
        id_token=token.uid,
        type=TOKEN_TYPES_201.get(token.type, IdTokenEnumType.central),
        additional_info=extra,
    )


def _where(target: ChargerTarget) -> str:
    where = f"Location {target.location_id}"
    if target.evse_uid is not None:
        where += f" EVSE {target.evse_uid}"
    if target.connector_id is not None:
        where += f" Connector {target.connector_id}"
    return where


def _id_tag(token: Token) -> str:
    if len(token.uid) > ID_TAG_16:
        raise ChargerRefusedError(
            CommandResultType.REJECTED,
            f"Token uid {token.uid} is longer than the {ID_TAG_16} characters an OCPP 1.6 Charge Point takes",
        )
    return token.uid


def _expiry(value: datetime) -> str:
    return format_datetime(value)


class OcppChargerCommands:
    """`hub.ports.ChargerCommands` for the stations in `gateway.links`; `hub` finds where an OCPI EVSE is
    and which transaction a Session is."""

    def __init__(self, gateway: OcppGateway, hub: TransactionPort) -> None:
        self.gateway = gateway
        self.hub = hub

    # -- where -----------------------------------------------------------------------------------------------

    async def reachable(self, target: ChargerTarget) -> str | None:
        address = await self.hub.locate(target)
        if address is None:
            return f"No Charge Point serves {_where(target)}"
        return self._offline(address.station_id)

    def _offline(self, station_id: str) -> str | None:
        link = self.gateway.links.get(station_id)
        if link is None or link.charge_point is None:
            return f"Charge Point {station_id} is offline"
        if link.silent:
            return f"Charge Point {station_id} is not responding"
        return None

    def _link(self, station_id: str) -> StationLink:
        reason = self._offline(station_id)
        link = self.gateway.links.get(station_id)
        if reason is not None or link is None:
            raise ChargerRefusedError(
                CommandResultType.FAILED, reason or f"Charge Point {station_id} is offline"
            )
        return link

    async def _address(self, target: ChargerTarget) -> tuple[ChargerAddress, StationLink]:
        address = await self.hub.locate(target)
        if address is None:
            raise ChargerRefusedError(CommandResultType.REJECTED, f"No Charge Point serves {_where(target)}")
        return address, self._link(address.station_id)

    async def _running(self, session_id: str) -> tuple[RunningTransaction, StationLink]:
        running = await self.hub.running_transaction(session_id)
        if running is None:
            raise ChargerRefusedError(
                CommandResultType.REJECTED, f"Session {session_id} is not running at the Charge Point"
            )
        return running, self._link(running.station_id)

    # -- asking --------------------------------------------------------------------------------------------

    async def _ask(self, link: StationLink, payload: Any) -> Any:
        """The station's CALLRESULT; OCPPError for a CALLERROR, TimeoutError after the response timeout,
        ConnectionLostError when the websocket closes first."""
        charge_point = link.charge_point
        if charge_point is None:
            raise ConnectionLostError
        answer = asyncio.ensure_future(charge_point.ask(payload))
        closed = asyncio.ensure_future(link.closed.wait())
        try:
            await asyncio.wait({answer, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            if not answer.done():
                answer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await answer
        if answer.cancelled():
            raise ConnectionLostError
        return answer.result()

    async def _command(self, link: StationLink, payload: Any, *, cancel: bool = False) -> CommandResultType:
        action = type(payload).__name__
        try:
            answer = await self._ask(link, payload)
        except OCPPError as error:
            logger.warning(
                "station %s answered %s with CALLERROR %s", link.station_id, action, type(error).__name__
            )
            return call_error_result(error)
        except ValidationError as error:
            logger.warning(
                "station %s answered %s with an invalid payload: %s", link.station_id, action, error
            )
            return CommandResultType.FAILED
        except ConnectionLostError:
            raise ChargerRefusedError(
                CommandResultType.FAILED, f"The connection to Charge Point {link.station_id} was lost"
            ) from None
        status = str(answer.status)
        logger.info("station %s answered %s: %s", link.station_id, action, status)
        return cancel_result(status) if cancel else command_result(status)

    async def _profile(self, link: StationLink, payload: Any) -> Any:
        """A charging profile call's answer; None when the station could not answer it (REJECTED)."""
        action = type(payload).__name__
        try:
            return await self._ask(link, payload)
        except OCPPError as error:
            logger.warning(
                "station %s answered %s with CALLERROR %s", link.station_id, action, type(error).__name__
            )
        except ValidationError as error:
            logger.warning(
                "station %s answered %s with an invalid payload: %s", link.station_id, action, error
            )
        except ConnectionLostError:
            logger.warning("station %s: connection lost during %s", link.station_id, action)
        return None

    async def _profile_running(self, session_id: str) -> tuple[RunningTransaction, StationLink] | None:
        try:
            return await self._running(session_id)
        except ChargerRefusedError as refusal:
            logger.info("charging profile for session %s: %s", session_id, refusal.message)
            return None

    # -- commands ------------------------------------------------------------------------------------------

    async def start_session(
        self, target: ChargerTarget, *, token: Token, authorization_reference: str | None
    ) -> CommandResultType:
        address, link = await self._address(target)
        payload: Any
        if link.protocol == OCPP16:
            id_tag = _id_tag(token)
            await self.hub.remote_start(address, token=token, authorization_reference=authorization_reference)
            payload = call16.RemoteStartTransaction(id_tag=id_tag, connector_id=address.evse)
        else:
            remote_start_id = await self.hub.remote_start(
                address, token=token, authorization_reference=authorization_reference
            )
            payload = call201.RequestStartTransaction(
                id_token=id_token_201(token), remote_start_id=remote_start_id, evse_id=address.evse
            )
        return await self._command(link, payload)

    async def stop_session(self, target: ChargerTarget, *, session_id: str) -> CommandResultType:
        running, link = await self._running(session_id)
        payload: Any
        if link.protocol == OCPP16:
            payload = call16.RemoteStopTransaction(transaction_id=_transaction_16(running))
        else:
            payload = call201.RequestStopTransaction(transaction_id=running.transaction_id)
        return await self._command(link, payload)

    async def reserve_now(
        self,
        target: ChargerTarget,
        *,
        reservation_id: int,
        token: Token,
        expiry_date: datetime,
        authorization_reference: str | None,
    ) -> CommandResultType:
        address, link = await self._address(target)
        payload: Any
        if link.protocol == OCPP16:
            group = token.group_id if token.group_id and len(token.group_id) <= ID_TAG_16 else None
            payload = call16.ReserveNow(
                # connectorId 0: any connector of the Charge Point, when the eMSP named no EVSE.
                connector_id=address.evse if target.evse_uid is not None else 0,
                expiry_date=_expiry(expiry_date),
                id_tag=_id_tag(token),
                reservation_id=reservation_id,
                parent_id_tag=group,
            )
        else:
            payload = call201.ReserveNow(
                id=reservation_id,
                expiry_date_time=_expiry(expiry_date),
                id_token=id_token_201(token),
                evse_id=address.evse if target.evse_uid is not None else None,
                group_id_token=IdTokenType(id_token=token.group_id, type=IdTokenEnumType.central)
                if token.group_id
                else None,
            )
        return await self._command(link, payload)

    async def cancel_reservation(self, target: ChargerTarget, *, reservation_id: int) -> CommandResultType:
        _address, link = await self._address(target)
        payload: Any
        if link.protocol == OCPP16:
            payload = call16.CancelReservation(reservation_id=reservation_id)
        else:
            payload = call201.CancelReservation(reservation_id=reservation_id)
        return await self._command(link, payload, cancel=True)

    async def unlock_connector(self, target: ChargerTarget) -> CommandResultType:
        address, link = await self._address(target)
        payload: Any
        if link.protocol == OCPP16:
            payload = call16.UnlockConnector(connector_id=address.evse)
        else:
            payload = call201.UnlockConnector(evse_id=address.evse, connector_id=address.connector)
        return await self._command(link, payload)

    # -- charging profiles ---------------------------------------------------------------------------------

    async def set_charging_profile(
        self, target: ChargerTarget, *, session_id: str, charging_profile: ChargingProfile
    ) -> ChargingProfileResultType:
        found = await self._profile_running(session_id)
        if found is None:
            return ChargingProfileResultType.REJECTED
        running, link = found
        payload: Any
        if link.protocol == OCPP16:
            try:
                transaction_id = _transaction_16(running)
            except ChargerRefusedError:
                return ChargingProfileResultType.REJECTED
            payload = call16.SetChargingProfile(
                connector_id=running.evse,
                cs_charging_profiles=profile_16(
                    charging_profile, profile_id=profile_id(session_id), transaction_id=transaction_id
                ),
            )
        else:
            payload = call201.SetChargingProfile(
                evse_id=running.evse,
                charging_profile=profile_201(
                    charging_profile, profile_id=profile_id(session_id), transaction_id=running.transaction_id
                ),
            )
        answer = await self._profile(link, payload)
        return ChargingProfileResultType.REJECTED if answer is None else profile_result(answer.status)

    async def get_active_charging_profile(
        self, target: ChargerTarget, *, session_id: str, duration: int
    ) -> ActiveChargingProfileResult:
        rejected = ActiveChargingProfileResult(result=ChargingProfileResultType.REJECTED)
        found = await self._profile_running(session_id)
        if found is None:
            return rejected
        running, link = found
        if link.protocol == OCPP16:
            answer = await self._profile(
                link, call16.GetCompositeSchedule(connector_id=running.evse, duration=duration)
            )
            schedule, start = (
                (None, None) if answer is None else (answer.charging_schedule, answer.schedule_start)
            )
        else:
            answer = await self._profile(
                link, call201.GetCompositeSchedule(duration=duration, evse_id=running.evse)
            )
            schedule = None if answer is None else answer.schedule
            start = None if not isinstance(schedule, dict) else schedule.get("schedule_start")
        if answer is None:
            return rejected
        result = profile_result(answer.status)
        if result != ChargingProfileResultType.ACCEPTED:
            return ActiveChargingProfileResult(result=result)
        profile = active_profile(schedule, start) if isinstance(schedule, dict) else None
        if profile is None:
            # Accepted without a schedule: "No Charging Profile(s) were found by the EVSE matching the request".
            return ActiveChargingProfileResult(result=ChargingProfileResultType.UNKNOWN)
        return ActiveChargingProfileResult(result=result, profile=profile)

    async def clear_charging_profile(
        self, target: ChargerTarget, *, session_id: str
    ) -> ChargingProfileResultType:
        found = await self._profile_running(session_id)
        if found is None:
            return ChargingProfileResultType.REJECTED
        _running, link = found
        payload: Any
        # By the id set_charging_profile gave it: only the profile set through OCPI goes.
        if link.protocol == OCPP16:
            payload = call16.ClearChargingProfile(id=profile_id(session_id))
        else:
            payload = call201.ClearChargingProfile(charging_profile_id=profile_id(session_id))
        answer = await self._profile(link, payload)
        return ChargingProfileResultType.REJECTED if answer is None else profile_result(answer.status)


def _transaction_16(running: RunningTransaction) -> int:
    try:
        return int(running.transaction_id)
    except ValueError:
        raise ChargerRefusedError(
            CommandResultType.REJECTED,
            f"Transaction {running.transaction_id} of session {running.session_id} is no OCPP 1.6 transaction",
        ) from None
