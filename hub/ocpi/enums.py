"""Cross-module OCPI enums: Role (types_role_enum), ModuleID, InterfaceRole, VersionNumber (version_information_endpoint)."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator


class Role(StrEnum):
    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


class ModuleID(StrEnum):
    CDRS = "cdrs"
    CHARGING_PROFILES = "chargingprofiles"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    HUB_CLIENT_INFO = "hubclientinfo"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


CONFIGURATION_MODULES = frozenset({ModuleID.CREDENTIALS, ModuleID.HUB_CLIENT_INFO})


class InterfaceRole(StrEnum):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class VersionNumber(StrEnum):
    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"
    V2_2 = "2.2"
    V2_2_1 = "2.2.1"


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


# Real peers send roles lower-cased ("cpo"); accept them, emit the spec literal.
RoleIn = Annotated[Role, BeforeValidator(_upper)]
