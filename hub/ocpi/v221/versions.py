"""Versions module objects (version_information_endpoint): Version, VersionDetails, Endpoint."""

from __future__ import annotations

from hub.ocpi.base import OcpiModel, Url
from hub.ocpi.enums import InterfaceRole, ModuleID, VersionNumber


class Version(OcpiModel):
    """version_information_endpoint_version_class."""

    version: VersionNumber
    url: Url


class Endpoint(OcpiModel):
    """version_information_endpoint_endpoint_class."""

    identifier: ModuleID
    role: InterfaceRole
    url: Url


class VersionDetails(OcpiModel):
    """version_information_get_details_endpoint_data."""

    version: VersionNumber
    endpoints: list[Endpoint]
