"""The ports between the hub and the adapters of our own chargers: `ChargerCommands`, through which the CPO side
hands commands and charging profiles to chargers (mod_commands_flow, mod_charging_profiles_flow), and
`HubPort`, through which the OCPP adapters tell the hub what stations say (DESIGN: data flow, decision 8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
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

    A method may raise `ChargerRefusedError` instead of returning, when the result needs a message for the eMSP.

    Tokens arrive exactly as the eMSP sent them: mod_commands says the CPO "SHALL NOT check the validity of
    the Token" of a StartSession or ReserveNow, so `valid` and `whitelist` must not stop the command.
    """

    async def reachable(self, target: ChargerTarget) -> str | None:
        """None when the charger serving `target` is connected and can be asked; otherwise the reason, for
        the message of the REJECTED the hub answers at once ("A command for a charger that is offline is
        answered REJECTED at once")."""
        ...

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


class ChargerRefusedError(Exception):
    """A command's outcome that comes with a message for the eMSP (a 1.6 charger cannot take a Token uid
    longer than 20 characters, the Session no longer runs at the charger, ...)."""

    def __init__(self, result: CommandResultType, message: str) -> None:
        super().__init__(message)
        self.result = result
        self.message = message


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
    # Bridge mode: the existing CSMS's websocket URL (the station's own, else OCPI_HUB_OCPP_UPSTREAM_URL);
    # the station id is appended as the last path segment. None: we are the station's CSMS.
    upstream_url: str | None = None


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


# -- transactions, authorization and the charger side of commands (ocpp-notes §3.3, §3.4, §3.6) ----------------


class ChargingState(StrEnum):
    """What the EV and EVSE are doing during a transaction (OCPP 2.0.1 ChargingStateEnumType; a 1.6 adapter
    derives it from the connector status: Charging, SuspendedEV, SuspendedEVSE, Preparing/Finishing ->
    EV_CONNECTED). CHARGING and SUSPENDED_EVSE count as charging time; the rest is parking time."""

    CHARGING = "CHARGING"
    SUSPENDED_EV = "SUSPENDED_EV"
    SUSPENDED_EVSE = "SUSPENDED_EVSE"
    EV_CONNECTED = "EV_CONNECTED"
    IDLE = "IDLE"


@dataclass(frozen=True)
class MeterReading:
    """One meter reading, normalised by the adapter: units and multipliers applied, phases summed when the
    station gave no total. None: the station did not report that quantity in this reading."""

    timestamp: datetime
    # Energy.Active.Import.Register in Wh (the register, not an interval delta).
    energy_wh: Decimal | None = None
    # Power.Active.Import in W, Current.Import in A, SoC in percent.
    power_w: Decimal | None = None
    current_a: Decimal | None = None
    soc: Decimal | None = None
    # Transaction.Begin, Sample.Periodic, Transaction.End, Sample.Clock, Trigger, ... as the station said.
    context: str | None = None


@dataclass(frozen=True)
class IdToken:
    """A driver's identifier as the station sent it: 1.6 idTag (type ISO14443 by convention) or 2.0.1
    idToken with its IdTokenEnumType (ISO14443, ISO15693, eMAID, Central, KeyCode, Local, MacAddress,
    NoAuthorization)."""

    id_token: str
    type: str = "ISO14443"


class AuthorizationStatus(StrEnum):
    """The answer for a station, OCPP-neutral; each adapter maps it to its version's enum (1.6 has no
    NoCredit/NotAtThisLocation/Unknown: Invalid)."""

    ACCEPTED = "ACCEPTED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    INVALID = "INVALID"
    NO_CREDIT = "NO_CREDIT"
    NOT_AT_THIS_LOCATION = "NOT_AT_THIS_LOCATION"
    CONCURRENT_TX = "CONCURRENT_TX"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class AuthorizationAnswer:
    """May this IdToken charge at this station now. `roaming`: the token is a roaming partner's (pushed by an
    eMSP or answered by one in real time), so a bridge answers it itself instead of relaying it upstream."""

    status: AuthorizationStatus
    roaming: bool = False
    group_id: str | None = None
    expiry: datetime | None = None


class TransactionEventKind(StrEnum):
    STARTED = "STARTED"
    UPDATED = "UPDATED"
    ENDED = "ENDED"


@dataclass(frozen=True)
class TransactionReport:
    """One transaction event, normalised from 1.6 StartTransaction / MeterValues / StopTransaction or a 2.0.1
    TransactionEvent (or the internal CSMS event API), so that every source produces the same Sessions and
    CDRs.

    `transaction_id`: the station's (2.0.1) or upstream CSMS's (1.6 bridge) transaction id; None on a 1.6
    StartTransaction in standalone mode (the hub allocates one and returns it) and on a 1.6 MeterValues
    without transactionId (the hub takes the open transaction of that connector). `seq_no` orders the events
    of one transaction (2.0.1 seqNo; 1.6 adapters leave it None and the hub orders by arrival). `offline`:
    the station queued the event while offline (2.0.1 offline flag): apply it by its timestamp, never moving
    the state backwards."""

    kind: TransactionEventKind
    timestamp: datetime
    transaction_id: str | None = None
    seq_no: int | None = None
    evse: int | None = None
    connector: int | None = None
    id_token: IdToken | None = None
    meter: tuple[MeterReading, ...] = ()
    charging_state: ChargingState | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    offline: bool = False
    # Why it ended: 1.6 reason / 2.0.1 stoppedReason (Local, Remote, EVDisconnected, ...).
    stopped_reason: str | None = None
    # 2.0.1 triggerReason, kept for the logs.
    trigger: str | None = None


@dataclass(frozen=True)
class TransactionOutcome:
    """The hub's answer to a transaction event: the transaction id to tell a 1.6 station (allocated on a
    standalone StartTransaction) and, when the event carried an IdToken, the authorization to answer with.
    `session_id` is the OCPI Session the transaction is (None while the transaction is unknown or ignored)."""

    transaction_id: str | None = None
    authorization: AuthorizationAnswer | None = None
    session_id: str | None = None


@dataclass(frozen=True)
class ChargerAddress:
    """Where on which station an OCPI EVSE/Connector is: the OCPP evse (1.6 connectorId, 2.0.1 evseId) and
    connector (2.0.1 connectorId; 1 for 1.6), and the OCPP version the station last connected with."""

    station_id: str
    evse: int
    connector: int
    protocol: str | None = None


@dataclass(frozen=True)
class RunningTransaction:
    """The OCPP transaction behind an OCPI Session of ours."""

    session_id: str
    station_id: str
    transaction_id: str
    evse: int
    connector: int


class TransactionPort(Protocol):
    """What the OCPP adapters (and the internal CSMS event API) tell the hub about charging, and what the
    adapters' ChargerCommands need to know from it; `hub.charging.service.ChargingHub` implements it."""

    async def authorize(
        self, station_id: str, token: IdToken, *, evse: int | None = None
    ) -> AuthorizationAnswer:
        """Authorize / a 2.0.1 idToken: the token lookup of mod_tokens (pushed whitelist, then real time with
        the eMSP), bounded so that the station gets its answer in time."""
        ...

    async def transaction_event(self, station_id: str, report: TransactionReport) -> TransactionOutcome:
        """A transaction event: Sessions are PUT on start, PATCHed with kWh and charging periods (at most once
        a minute, and at once on state changes), completed on end, when the CDR is priced and queued to the
        token owner's eMSP. Duplicates and stale events are ignored (and answered as the first time)."""
        ...

    async def locate(self, target: ChargerTarget) -> ChargerAddress | None:
        """The station and OCPP address of the target's EVSE and Connector (with no EVSE: the first mapped
        EVSE of the Location that is AVAILABLE, else the first); None when no station serves it."""
        ...

    async def running_transaction(self, session_id: str) -> RunningTransaction | None:
        """The open OCPP transaction of one of our Sessions; None when it is not running."""
        ...

    async def remote_start(
        self, address: ChargerAddress, *, token: Token, authorization_reference: str | None
    ) -> int:
        """A START_SESSION is about to go to the station: remember it so that the transaction it starts gets
        auth_method COMMAND and the authorization_reference (2.0.1 by the returned remoteStartId; 1.6 by the
        next StartTransaction on that connector with that idTag within a few minutes)."""
        ...


class HubPort(TransactionPort, Protocol):
    """What the OCPP adapters tell the hub; `hub.stations.service.StationHub` implements it. Each call is one
    transaction. `connection_id` names one websocket, so that the late close of a socket a station has
    already replaced leaves the new connection's state alone.

    The hub turns connector statuses into EVSE statuses of our Locations (pushed to partners through the
    outbox), and a station that goes offline or silent into UNKNOWN EVSEs until fresh reports arrive. The
    transaction methods it inherits make Sessions and CDRs of what the stations charge."""

    async def admit(self, station_id: str, password: str | None) -> StationAdmission:
        """Look the station up and check its password (None: no Basic credentials were sent). Raises
        UnknownStationError or StationAuthError; an unknown station is admitted when the operator allows
        auto-registration, and registered unmapped by `station_connected`."""
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
