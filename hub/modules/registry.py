"""The one registry of implemented modules: it drives mounting and the version details
(version_information_endpoint_version_details_endpoint)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from fastapi import APIRouter, Depends, FastAPI

from hub.config import OCPI_VERSION, Settings
from hub.deps import json_body, no_routing_headers, routing_headers
from hub.hub_role.scope import hub_scope
from hub.ocpi.enums import CONFIGURATION_MODULES, InterfaceRole, ModuleID, Role
from hub.ocpi.v221.versions import Endpoint

OCPI_PREFIX = f"/ocpi/{OCPI_VERSION}"


@dataclass(frozen=True)
class OcpiModule:
    """A module and the routers of the interface roles we implement for it."""

    id: ModuleID
    sender: APIRouter | None = None
    receiver: APIRouter | None = None
    # Routers the module brings besides its OCPI interfaces (admin endpoints, callback URLs such as a
    # command's response_url), mounted as they are and not announced in the version details.
    extra: tuple[APIRouter, ...] = ()
    # Announce the Sender interface only for platforms that play this role (e.g. HubClientInfo: a Hub).
    sender_role: Role | None = None

    @property
    def functional(self) -> bool:
        return self.id not in CONFIGURATION_MODULES

    def path(self, role: InterfaceRole) -> str:
        if self.id == ModuleID.CREDENTIALS:
            return f"{OCPI_PREFIX}/credentials"  # one endpoint for every role
        return f"{OCPI_PREFIX}/{role.value.lower()}/{self.id.value}"

    def interfaces(self) -> list[tuple[InterfaceRole, APIRouter]]:
        pairs = [(InterfaceRole.SENDER, self.sender), (InterfaceRole.RECEIVER, self.receiver)]
        return [(role, router) for role, router in pairs if router is not None]


def switched_on(settings: Settings, modules: tuple[OcpiModule, ...]) -> tuple[OcpiModule, ...]:
    """The modules with only the interface roles OCPI_HUB_MODULES switches on; a module with none left is
    dropped with its extra routers (DESIGN: a module/role is announced only when it is switched on)."""
    kept: list[OcpiModule] = []
    for module in modules:
        sender = module.sender if settings.module_switched_on(module.id, InterfaceRole.SENDER) else None
        receiver = module.receiver if settings.module_switched_on(module.id, InterfaceRole.RECEIVER) else None
        if sender is None and receiver is None:
            continue
        kept.append(replace(module, sender=sender, receiver=receiver))
    return tuple(kept)


def mount(app: FastAPI, modules: tuple[OcpiModule, ...]) -> None:
    """Mount every switched-on interface of every module (by `app.state.settings`), with the transport rules
    of its kind."""
    for module in switched_on(app.state.settings, modules):
        routing = (
            [Depends(routing_headers), Depends(hub_scope)]
            if module.functional
            else [Depends(no_routing_headers)]
        )
        for role, router in module.interfaces():
            app.include_router(
                router,
                prefix=module.path(role),
                dependencies=[Depends(json_body), *routing],
                tags=[f"{module.id.value} {role.value.lower()}"],
            )
        for router in module.extra:
            app.include_router(router)


def endpoints(settings: Settings, modules: tuple[OcpiModule, ...]) -> list[Endpoint]:
    """The version details' endpoints: one per (module, interface role) we implement, switch on and play."""
    roles = {party.role for party in settings.parties}
    return [
        Endpoint(identifier=module.id, role=role, url=f"{settings.base_url}{module.path(role)}")
        for module in switched_on(settings, modules)
        for role, _router in module.interfaces()
        if not (
            role == InterfaceRole.SENDER
            and module.sender_role is not None
            and module.sender_role not in roles
        )
    ]
