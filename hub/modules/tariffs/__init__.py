"""Tariffs module (mod_tariffs_tariffs_module): Sender (CPO) and Receiver (eMSP) interfaces."""

from hub.modules.registry import OcpiModule
from hub.modules.tariffs.receiver import router as receiver_router
from hub.modules.tariffs.sender import router as sender_router
from hub.ocpi.enums import ModuleID

module = OcpiModule(id=ModuleID.TARIFFS, sender=sender_router, receiver=receiver_router)
