"""The ports between the hub and the adapters of our own chargers: `ChargerCommands`, through which the CPO side
hands commands and charging profiles to chargers (mod_commands_flow, mod_charging_profiles_flow), and
`HubPort`, through which the OCPP adapters tell the hub what stations say (DESIGN: data flow, decision 8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.ocpi.v221.charging_profiles import (
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResultType,
)
from hub.ocpi.v221.commands import CommandResultType
from hub.ocpi.v221.locations import Status
from hub.ocpi.v221.tokens import Token


@dataclass(frozen=True)
class ChargerTarget:
    """Where a request goes: one of our Locations (owned by our CPO party `country_code`*`party_id`) and,
    when the request or the Session names them, the EVSE and Connector. Ids are as the Location spells them."""

    country_code: str
    party_id: str
    location_id: str
    evse_uid: str | None = None
    connector_id: str | None = None


class ChargerCommands(Protocol):
    """What the hub asks of chargers; the OCPP adapters implement it. `create_app(..., charger_commands=impl)`
    stores it on `app.state.charger_commands`; None means no chargers, and every command or profile request is
    then answered NOT_SUPPORTED. Each method returns the charger's own answer, mapped to the OCPI result
    enum (OCPP Accepted -> ACCEPTED, Rejected -> REJECTED, Occupied -> EVSE_OCCUPIED, Faulted/Unavailable
    -> EVSE_INOPERATIVE, NotSupported -> NOT_SUPPORTED, ...).

    Raise `TimeoutError` when the charger does not answer in time; any other exception means the charger
    could not be asked (offline, CALLERROR). The hub also bounds every call by its own command timeout, so an
    implementation that never returns is cancelled and reported as TIMEOUT.

    Tokens arrive exactly as the eMSP sent them: mod_commands says the CPO "SHALL NOT check the validity of
    the Token" of a StartSession or ReserveNow, so `valid` and `whitelist` must not stop the command.
    """

    async def start_session(
        self, target: ChargerTarget, *, token: Token, authorization_reference: str | None
    ) -> CommandResultType:
        """Remote start (OCPP RemoteStartTransaction / RequestStartTransaction) with this Token; the
        authorization_reference must end up in the Session and CDR. `target.evse_uid` None: the charger picks."""
        ...

    async def stop_session(self, target: ChargerTarget, *, session_id: str) -> CommandResultType:
        """Remote stop of the Session `session_id` (its EVSE and Connector are in `target`)."""
        ...

    async def reserve_now(
        self,
        target: ChargerTarget,
        *,
        reservation_id: int,
        token: Token,
        expiry_date: datetime,
        authorization_reference: str | None,
    ) -> CommandResultType:
        """Reserve an EVSE (or any EVSE of the Location when `target.evse_uid` is None) until `expiry_date`.
        `reservation_id` is ours, unique across eMSPs (the eMSP's own id never reaches the charger); the same
        id again replaces the reservation."""
        ...

    async def cancel_reservation(self, target: ChargerTarget, *, reservation_id: int) -> CommandResultType:
        """Cancel the reservation `reservation_id` (the id reserve_now was given)."""
        ...

    async def unlock_connector(self, target: ChargerTarget) -> CommandResultType:
        """Unlock the Connector `target.connector_id` of EVSE `target.evse_uid`."""
        ...

    async def set_charging_profile(
        self, target: ChargerTarget, *, session_id: str, charging_profile: ChargingProfile
    ) -> ChargingProfileResultType:
        """Set (or replace) the charging profile of the running Session `session_id`."""
        ...

    async def get_active_charging_profile(
        self, target: ChargerTarget, *, session_id: str, duration: int
    ) -> ActiveChargingProfileResult:
        """The composite schedule of the Session for the next `duration` seconds (OCPP GetCompositeSchedule)."""
        ...

    async def clear_charging_profile(
        self, target: ChargerTarget, *, session_id: str
    ) -> ChargingProfileResultType:
        """Remove the charging profile set on the Session."""
        ...


class StationRefusedError(Exception):
    """The station may not connect; the adapter refuses the websocket upgrade."""


class UnknownStationError(StationRefusedError):
    """No station with this id is mapped, and auto-registration is off (HTTP 404)."""


class StationAuthError(StationRefusedError):
    """The station has a password and the upgrade request did not carry it (HTTP 401)."""


@dataclass(frozen=True)
class StationAdmission:
    """A station allowed to connect: its heartbeat interval and the OCPP (evse, connector) addresses that are
    mapped to our EVSEs (the adapter asks for their status after a reconnect)."""

    station_id: str
    heartbeat_interval: int
    connectors: tuple[tuple[int, int], ...]
    auto_registered: bool = False


@dataclass(frozen=True)
class BootInfo:
    """What a BootNotification says about the station."""

    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ConnectorStatusReport:
    """One StatusNotification, its status already mapped to OCPI by the adapter (ocpp-notes §3.2).

    `evse` is the 1.6 connectorId or the 2.0.1 evseId, `connector` the 2.0.1 connectorId (1 for 1.6);
    `evse` 0 is the station itself (1.6 connectorId 0, 2.0.1 evseId 0)."""

    evse: int
    connector: int
    status: Status
    ocpp_status: str
    timestamp: datetime | None = None


class HubPort(Protocol):
    """What the OCPP adapters tell the hub; `hub.stations.service.StationHub` implements it. Each call is one
    transaction. `connection_id` names one websocket, so that the late close of a socket a station has
    already replaced leaves the new connection's state alone.

    The hub turns connector statuses into EVSE statuses of our Locations (pushed to partners through the
    outbox), and a station that goes offline or silent into UNKNOWN EVSEs until fresh reports arrive."""

    async def admit(self, station_id: str, password: str | None) -> StationAdmission:
        """Look the station up and check its password (None: no Basic credentials were sent). Raises
        UnknownStationError or StationAuthError; an unknown station is registered unmapped when the operator
        allows auto-registration."""
        ...

    async def station_connected(self, station_id: str, *, connection_id: str, protocol: str) -> None:
        """The websocket is open with `protocol` ("ocpp1.6" or "ocpp2.0.1"). Reports of earlier connections
        are forgotten: the EVSEs stay UNKNOWN until the station reports again."""
        ...

    async def station_booted(self, station_id: str, *, connection_id: str, boot: BootInfo) -> int:
        """A BootNotification; returns the heartbeat interval to tell the station."""
        ...

    async def station_seen(self, station_id: str, *, connection_id: str) -> None:
        """A message arrived (the adapter calls this at most once per touch interval, and at once when the
        station was silent): the station counts as connected and talking."""
        ...

    async def station_silent(self, station_id: str, *, connection_id: str) -> None:
        """Nothing arrived for the silence window: the station's EVSEs become UNKNOWN."""
        ...

    async def station_disconnected(self, station_id: str, *, connection_id: str) -> None:
        """The websocket closed: the station is offline and its EVSEs UNKNOWN."""
        ...

    async def connector_status(self, station_id: str, report: ConnectorStatusReport) -> None:
        """A StatusNotification: the EVSE of that connector (or, for the station itself, every EVSE of the
        station) gets its new status; a connector that is not mapped is logged and ignored."""
        ...

    async def housekeeping(self) -> None:
        """Called every few seconds by each process serving stations: stations another process held and
        nobody heard of for long become silent (that process is gone), and the station gauges refresh."""
        ...
