"""ChargingProfiles module (mod_charging_profiles_module): Receiver (CPO) and Sender (SCSP/eMSP) interfaces, admin API."""

from hub.modules.charging_profiles.admin import router as admin_router
from hub.modules.charging_profiles.receiver import router as receiver_router
from hub.modules.charging_profiles.sender import router as sender_router
from hub.modules.commands.runner import lifespan_router
from hub.modules.registry import OcpiModule
from hub.ocpi.enums import ModuleID

module = OcpiModule(
    id=ModuleID.CHARGING_PROFILES,
    sender=sender_router,
    receiver=receiver_router,
    extra=(admin_router, lifespan_router),
)
