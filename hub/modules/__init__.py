"""OCPI modules, one package each; `IMPLEMENTED` lists what this build serves and announces."""

from hub.modules.credentials import module as credentials_module
from hub.modules.locations import module as locations_module
from hub.modules.registry import OcpiModule
from hub.modules.tariffs import module as tariffs_module

IMPLEMENTED: tuple[OcpiModule, ...] = (credentials_module, locations_module, tariffs_module)
