"""OCPI modules, one package each; `IMPLEMENTED` lists what this build serves and announces."""

from hub.modules.cdrs import module as cdrs_module
from hub.modules.charging_profiles import module as charging_profiles_module
from hub.modules.commands import module as commands_module
from hub.modules.credentials import module as credentials_module
from hub.modules.hub_client_info import module as hub_client_info_module
from hub.modules.locations import module as locations_module
from hub.modules.registry import OcpiModule
from hub.modules.sessions import module as sessions_module
from hub.modules.tariffs import module as tariffs_module
from hub.modules.tokens import module as tokens_module

IMPLEMENTED: tuple[OcpiModule, ...] = (
    credentials_module,
    locations_module,
    tariffs_module,
    sessions_module,
    cdrs_module,
    tokens_module,
    commands_module,
    charging_profiles_module,
    hub_client_info_module,
)
