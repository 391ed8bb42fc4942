"""CDRs module (mod_cdrs_cdrs_module): Sender (CPO) and Receiver (eMSP) interfaces, and the admin API that
produces our own priced CDRs."""

from hub.modules.cdrs.admin import router as admin_router
from hub.modules.cdrs.receiver import router as receiver_router
from hub.modules.cdrs.sender import router as sender_router
from hub.modules.registry import OcpiModule
from hub.ocpi.enums import ModuleID

module = OcpiModule(id=ModuleID.CDRS, sender=sender_router, receiver=receiver_router, extra=(admin_router,))
