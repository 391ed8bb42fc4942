"""Locations module objects (mod_locations_object_description) shared with other chapters:
BusinessDetails and Image."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from hub.ocpi.base import CiString4, OcpiModel, String100, Url


class ImageCategory(StrEnum):
    """mod_locations_imagecategory_enum."""

    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    OWNER = "OWNER"


class Image(OcpiModel):
    """mod_locations_image_class."""

    url: Url
    thumbnail: Url | None = None
    category: ImageCategory
    type: CiString4
    width: int | None = Field(default=None, ge=0, le=99999)
    height: int | None = Field(default=None, ge=0, le=99999)


class BusinessDetails(OcpiModel):
    """mod_locations_businessdetails_class."""

    name: String100
    website: Url | None = None
    logo: Image | None = None
