"""Versions module endpoints (version_information_endpoint)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from hub.config import OCPI_VERSION
from hub.deps import ConfigCallerDep, SettingsDep, no_routing_headers
from hub.modules import registry
from hub.ocpi.enums import VersionNumber
from hub.ocpi.envelope import OcpiResponse, dump
from hub.ocpi.v221.versions import Version, VersionDetails
from hub.transport import ocpi_response

router = APIRouter(prefix="/ocpi", tags=["versions"], dependencies=[Depends(no_routing_headers)])


@router.get("/versions", response_model=OcpiResponse[list[Version]])
async def get_versions(caller: ConfigCallerDep, settings: SettingsDep) -> Response:
    """The OCPI versions this platform supports."""
    versions = [Version(version=VersionNumber.V2_2_1, url=settings.version_details_url)]
    return ocpi_response([dump(v) for v in versions])


@router.get(f"/{OCPI_VERSION}", response_model=OcpiResponse[VersionDetails])
async def get_version_details(caller: ConfigCallerDep, settings: SettingsDep, request: Request) -> Response:
    """The modules and interface roles implemented for OCPI 2.2.1, with their URLs."""
    modules: tuple[registry.OcpiModule, ...] = request.app.state.modules
    details = VersionDetails(version=VersionNumber.V2_2_1, endpoints=registry.endpoints(settings, modules))
    return ocpi_response(dump(details))
