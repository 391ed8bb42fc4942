"""Which requests the Hub role routes (transport_and_format_message_routing): those of functional modules,
`/ocpi/2.2.1/{sender|receiver}/{module}...`, and the hub's own callback URLs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from hub.modules.registry import OCPI_PREFIX
from hub.ocpi.enums import CONFIGURATION_MODULES, InterfaceRole, ModuleID

CALLBACKS = f"{OCPI_PREFIX}/hub/callbacks"

_FUNCTIONAL = {m.value: m for m in ModuleID if m not in CONFIGURATION_MODULES}
_ROLES = {r.value.lower(): r for r in InterfaceRole}


@dataclass(frozen=True)
class ModulePath:
    """One request to a functional module's interface: `rest` is the path below the module's endpoint,
    exactly as it arrived (percent-encoding kept), e.g. `/NL/CPO/LOC1` or ``."""

    interface_role: InterfaceRole
    module: ModuleID
    rest: str

    @property
    def segments(self) -> list[str]:
        """The decoded path segments below the endpoint."""
        return [unquote(s) for s in self.rest.strip("/").split("/")] if self.rest.strip("/") else []

    def endpoint_path(self) -> str:
        return f"{OCPI_PREFIX}/{self.interface_role.value.lower()}/{self.module.value}"


def module_path(raw_path: str) -> ModulePath | None:
    """The functional-module request at `raw_path`, or None for every other path (configuration modules,
    versions, admin, unknown modules)."""
    if not raw_path.startswith(OCPI_PREFIX + "/"):
        return None
    role, _, tail = raw_path[len(OCPI_PREFIX) + 1 :].partition("/")
    module, slash, rest = tail.partition("/")
    if role not in _ROLES or module not in _FUNCTIONAL:
        return None
    return ModulePath(_ROLES[role], _FUNCTIONAL[module], slash + rest)


def callback_id(raw_path: str) -> str | None:
    """The id of a hub callback URL (`{CALLBACKS}/{id}`), or None."""
    if not raw_path.startswith(CALLBACKS + "/"):
        return None
    identifier = raw_path[len(CALLBACKS) + 1 :]
    return identifier if identifier and "/" not in identifier else None
