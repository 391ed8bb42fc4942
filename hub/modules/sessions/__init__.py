"""Sessions module (mod_sessions_sessions_module): Sender (CPO) and Receiver (eMSP) interfaces, and the admin
API for our own Sessions."""

from hub.modules.registry import OcpiModule
from hub.modules.sessions.admin import router as admin_router
from hub.modules.sessions.receiver import router as receiver_router
from hub.modules.sessions.sender import router as sender_router
from hub.ocpi.enums import ModuleID

module = OcpiModule(
    id=ModuleID.SESSIONS, sender=sender_router, receiver=receiver_router, extra=(admin_router,)
)
