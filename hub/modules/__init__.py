"""OCPI modules, one package each; `IMPLEMENTED` lists what this build serves and announces."""

from hub.modules.credentials import module as credentials_module
from hub.modules.registry import OcpiModule

IMPLEMENTED: tuple[OcpiModule, ...] = (credentials_module,)
