"""Commands module (mod_commands_commands_module): Receiver (CPO) and Sender (eMSP) interfaces and the admin API."""

from hub.modules.commands.admin import router as admin_router
from hub.modules.commands.receiver import router as receiver_router
from hub.modules.commands.runner import lifespan_router
from hub.modules.commands.sender import router as sender_router
from hub.modules.registry import OcpiModule
from hub.ocpi.enums import ModuleID

module = OcpiModule(
    id=ModuleID.COMMANDS,
    sender=sender_router,
    receiver=receiver_router,
    extra=(admin_router, lifespan_router),
)
