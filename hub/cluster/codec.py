"""The `hub.ports.ChargerCommands` calls and their outcomes as JSON, for the process that holds the charger's
websocket (DESIGN: Scale): the arguments travel in a `charger_call` row, the outcome comes back in it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from hub.ocpi.v221.charging_profiles import (
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResultType,
)
from hub.ocpi.v221.commands import CommandResultType
from hub.ocpi.v221.tokens import Token
from hub.ports import ChargerCommands, ChargerRefusedError, ChargerTarget

# The calls that can be relayed and the kind of result each returns.
METHODS: dict[str, str] = {
    "start_session": "command",
    "stop_session": "command",
    "reserve_now": "command",
    "cancel_reservation": "command",
    "unlock_connector": "command",
    "set_charging_profile": "profile",
    "clear_charging_profile": "profile",
    "get_active_charging_profile": "active",
}


class RelayFailedError(Exception):
    """The owner could not ask the charger (an exception other than a refusal or a timeout)."""


def encode_arguments(target: ChargerTarget, arguments: dict[str, Any]) -> dict[str, Any]:
    encoded: dict[str, Any] = {"target": asdict(target)}
    for name, value in arguments.items():
        if isinstance(value, Token | ChargingProfile):
            encoded[name] = value.model_dump(mode="json", exclude_none=True)
        elif isinstance(value, datetime):
            encoded[name] = value.isoformat()
        else:
            encoded[name] = value
    return encoded


def decode_arguments(encoded: dict[str, Any]) -> tuple[ChargerTarget, dict[str, Any]]:
    arguments = dict(encoded)
    target = ChargerTarget(**arguments.pop("target"))
    if "token" in arguments:
        arguments["token"] = Token.model_validate(arguments["token"])
    if "charging_profile" in arguments:
        arguments["charging_profile"] = ChargingProfile.model_validate(arguments["charging_profile"])
    if "expiry_date" in arguments:
        arguments["expiry_date"] = datetime.fromisoformat(arguments["expiry_date"])
    return target, arguments


def encode_result(value: Any) -> dict[str, Any]:
    if isinstance(value, ActiveChargingProfileResult):
        return {"active": value.model_dump(mode="json", exclude_none=True)}
    return {"value": str(value.value if hasattr(value, "value") else value)}


def encode_error(error: BaseException) -> dict[str, Any]:
    if isinstance(error, ChargerRefusedError):
        return {"refused": str(error.result.value), "message": error.message}
    if isinstance(error, TimeoutError):
        return {"timeout": True}
    return {"failed": f"{type(error).__name__}: {error}"}


def decode_outcome(method: str, outcome: dict[str, Any]) -> Any:
    """The result the call returned on the owner, or the exception it raised there, raised here."""
    if "refused" in outcome:
        raise ChargerRefusedError(CommandResultType(outcome["refused"]), str(outcome["message"]))
    if "timeout" in outcome:
        raise TimeoutError
    if "failed" in outcome:
        raise RelayFailedError(outcome["failed"])
    kind = METHODS[method]
    if kind == "active":
        return ActiveChargingProfileResult.model_validate(outcome["active"])
    if kind == "profile":
        return ChargingProfileResultType(outcome["value"])
    return CommandResultType(outcome["value"])


async def call(commands: ChargerCommands, method: str, encoded: dict[str, Any]) -> dict[str, Any]:
    """Run an encoded call on `commands` (the owner's local ones); its outcome encoded."""
    if method not in METHODS:
        return {"failed": f"unknown method {method}"}
    target, arguments = decode_arguments(encoded)
    try:
        result = await getattr(commands, method)(target, **arguments)
    except Exception as error:
        return encode_error(error)
    return encode_result(result)
