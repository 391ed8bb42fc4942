"""Locations module (mod_locations_locations_module): Sender (CPO) and Receiver (eMSP) interfaces."""

from hub.modules.locations.receiver import router as receiver_router
from hub.modules.locations.sender import router as sender_router
from hub.modules.registry import OcpiModule
from hub.ocpi.enums import ModuleID

module = OcpiModule(id=ModuleID.LOCATIONS, sender=sender_router, receiver=receiver_router)
