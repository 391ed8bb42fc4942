"""Credentials module (credentials_credentials_endpoint): registration, update and unregistration."""

from hub.modules.credentials.router import router
from hub.modules.registry import OcpiModule
from hub.ocpi.enums import ModuleID

module = OcpiModule(id=ModuleID.CREDENTIALS, sender=router)
