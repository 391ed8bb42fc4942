"""SQLModel tables, one file per aggregate; importing this package registers them all on the metadata."""

import importlib
import pkgutil

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

# Every table file of this package is imported, so the metadata (migrations, test truncation) sees them all.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
