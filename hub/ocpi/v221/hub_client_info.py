"""HubClientInfo module objects (mod_hub_client_info_object_description): ClientInfo and ConnectionStatus."""

from __future__ import annotations

from enum import StrEnum

from hub.ocpi.base import CountryCode, DateTime, OcpiModel, PartyId
from hub.ocpi.enums import RoleIn


class ConnectionStatus(StrEnum):
    """mod_hub_client_info_hub_connection_type_enum."""

    CONNECTED = "CONNECTED"
    OFFLINE = "OFFLINE"
    PLANNED = "PLANNED"
    SUSPENDED = "SUSPENDED"


class ClientInfo(OcpiModel):
    """mod_hub_client_info_hub_client_info_object: the connection status of one party connected to a Hub.

    party_id and country_code are "as used in the credentials exchange", so they take the same types as
    CredentialsRole."""

    party_id: PartyId
    country_code: CountryCode
    role: RoleIn
    status: ConnectionStatus
    last_updated: DateTime
