"""HubClientInfo module (mod_hub_client_info_module): Sender (Hub) and Receiver (every party connected to a Hub)."""

from hub.modules.hub_client_info.admin import router as admin_router
from hub.modules.hub_client_info.receiver import router as receiver_router
from hub.modules.hub_client_info.sender import router as sender_router
from hub.modules.registry import OcpiModule
from hub.ocpi.enums import ModuleID, Role

# Only a Hub announces the Sender interface; every party connected to a hub is a Receiver.
module = OcpiModule(
    id=ModuleID.HUB_CLIENT_INFO,
    sender=sender_router,
    receiver=receiver_router,
    extra=(admin_router,),
    sender_role=Role.HUB,
)
