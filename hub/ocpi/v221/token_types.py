"""Token enums (mod_tokens_data_types, mod_sessions_profile_type_enum), apart from the Tokens wire models.

Locations (PublishTokenType) and Sessions (ProfileType) use them without importing the Tokens models."""

from __future__ import annotations

from enum import StrEnum


class TokenType(StrEnum):
    """mod_tokens_tokentype_enum."""

    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


class ProfileType(StrEnum):
    """mod_sessions_profile_type_enum: Token.default_profile_type and ChargingPreferences.profile_type."""

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class WhitelistType(StrEnum):
    """mod_tokens_whitelisttype_enum."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AllowedType(StrEnum):
    """mod_tokens_allowed_enum."""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"
