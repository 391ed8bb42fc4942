"""SQLModel tables, one file per aggregate; importing this package registers them all on the metadata."""

from hub.tables.change_event import ChangeEventRecord
from hub.tables.objects import LocationRecord, OwnedObject, TariffRecord
from hub.tables.partner import (
    PartnerEndpointRecord,
    PartnerRecord,
    PartnerRoleRecord,
    PartnerStatus,
    PartnerTokenRecord,
    TokenKind,
)

__all__ = [
    "ChangeEventRecord",
    "LocationRecord",
    "OwnedObject",
    "PartnerEndpointRecord",
    "PartnerRecord",
    "PartnerRoleRecord",
    "PartnerStatus",
    "PartnerTokenRecord",
    "TariffRecord",
    "TokenKind",
]
