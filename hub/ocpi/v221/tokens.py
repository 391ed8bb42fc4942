"""Tokens module objects (mod_tokens_object_description, mod_tokens_data_types) and the Token PATCH body.

Token, AuthorizationInfo, LocationReferences, EnergyContract; the enums live in token_types.py."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationInfo, field_validator

from hub.ocpi.base import (
    Boolean,
    CiString36,
    CountryCode,
    DateTime,
    DisplayText,
    OcpiModel,
    PartyId,
    String2,
    String64,
)
from hub.ocpi.v221.token_types import AllowedType, ProfileType, TokenType, WhitelistType

__all__ = [
    "AllowedType",
    "AuthorizationInfo",
    "EnergyContract",
    "LocationReferences",
    "ProfileType",
    "Token",
    "TokenPatch",
    "TokenType",
    "WhitelistType",
]


class EnergyContract(OcpiModel):
    """mod_tokens_energy_contract."""

    supplier_name: String64
    contract_id: String64 | None = None


class LocationReferences(OcpiModel):
    """mod_tokens_locationreferences_class."""

    location_id: CiString36
    evse_uids: list[CiString36] | None = None


class Token(OcpiModel):
    """mod_tokens_token_object. (uid, type) identifies the Token within its eMSP."""

    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36
    visual_number: String64 | None = None
    issuer: String64
    # OCPP 1.5/1.6 parentId is at most 20 characters; the spec only advises against longer group_ids.
    group_id: CiString36 | None = None
    valid: Boolean
    whitelist: WhitelistType
    language: String2 | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class AuthorizationInfo(OcpiModel):
    """mod_tokens_authorizationinfo_object: the eMSP's answer to a real-time authorization."""

    allowed: AllowedType
    token: Token
    # Only the EVSEs the driver may charge at, and only when the request named a Location.
    location: LocationReferences | None = None
    authorization_reference: CiString36 | None = None
    info: DisplayText | None = None


def _not_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise ValueError(f"{info.field_name} is required in the full object and cannot be patched to null")
    return value


class TokenPatch(OcpiModel):
    """A PATCH body for a Token (mod_tokens_patch_method): every field optional but `last_updated`, which
    "Any request to the PATCH method SHALL contain". Use `model_dump(exclude_unset=True)` for the changes."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    uid: CiString36 | None = None
    type: TokenType | None = None
    contract_id: CiString36 | None = None
    visual_number: String64 | None = None
    issuer: String64 | None = None
    group_id: CiString36 | None = None
    valid: Boolean | None = None
    whitelist: WhitelistType | None = None
    language: String2 | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime

    _required_not_null = field_validator(
        "country_code",
        "party_id",
        "uid",
        "type",
        "contract_id",
        "issuer",
        "valid",
        "whitelist",
        mode="before",
    )(_not_null)
