"""SQLModel tables, one file per aggregate; importing this package registers them all on the metadata."""

from hub.tables.partner import (
    PartnerEndpointRecord,
    PartnerRecord,
    PartnerRoleRecord,
    PartnerStatus,
    PartnerTokenRecord,
    TokenKind,
)

__all__ = [
    "PartnerEndpointRecord",
    "PartnerRecord",
    "PartnerRoleRecord",
    "PartnerStatus",
    "PartnerTokenRecord",
    "TokenKind",
]
