"""The port through which the CPO side hands commands and charging profiles to chargers (mod_commands_flow, mod_charging_profiles_flow)."""

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
