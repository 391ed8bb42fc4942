"""Tokens module (mod_tokens_tokens_module): Sender (eMSP) and Receiver (CPO) interfaces.

`authorize_token` is the CPO-side authorization of a Token at our chargers (what the OCPP adapters call)."""

from hub.modules.registry import OcpiModule
from hub.modules.tokens.authorization import Authorization, AuthorizationSource, authorize_token
from hub.modules.tokens.receiver import router as receiver_router
from hub.modules.tokens.sender import router as sender_router
from hub.ocpi.enums import ModuleID

__all__ = ["Authorization", "AuthorizationSource", "authorize_token", "module"]

module = OcpiModule(id=ModuleID.TOKENS, sender=sender_router, receiver=receiver_router)
