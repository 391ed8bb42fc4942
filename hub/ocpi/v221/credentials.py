"""Credentials module objects (credentials_object_description): Credentials and CredentialsRole."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from hub.ocpi.base import CountryCode, OcpiModel, PartyId, Url
from hub.ocpi.enums import RoleIn
from hub.ocpi.v221.locations import BusinessDetails

_TOKEN = re.compile(r"[\x21-\x7e]+")


def _token_characters(value: str) -> str:
    # credentials_credentials_object: "printable non-whitespace ASCII characters ... U+0021 up to and including U+007E"
    if not _TOKEN.fullmatch(value):
        raise ValueError("must contain printable non-whitespace ASCII characters only (U+0021..U+007E)")
    return value


CredentialsToken = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_token_characters)
]


class CredentialsRole(OcpiModel):
    """credentials_credentials_role_class."""

    role: RoleIn
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


class Credentials(OcpiModel):
    """credentials_credentials_object."""

    token: CredentialsToken
    url: Url
    roles: list[CredentialsRole] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, roles: list[CredentialsRole]) -> list[CredentialsRole]:
        # "Every role needs a unique combination of: role, party_id and country_code."
        seen: set[tuple[str, str, str]] = set()
        for role in roles:
            key = (role.role, role.country_code, role.party_id)
            if key in seen:
                raise ValueError(f"role {role.role} {role.country_code}*{role.party_id} is listed twice")
            seen.add(key)
        return roles
