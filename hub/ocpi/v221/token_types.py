"""TokenType enum of the Tokens module (mod_tokens_tokentype_enum), on its own so that Locations'
PublishTokenType can use it without depending on the Tokens wire models."""

from __future__ import annotations

from enum import StrEnum


class TokenType(StrEnum):
    """mod_tokens_tokentype_enum."""

    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"
