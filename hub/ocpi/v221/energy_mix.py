"""EnergyMix and its parts (mod_locations_energymix_class, mod_locations_energysource_class,
mod_locations_environmentalimpact_class), used by both Location and Tariff."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from hub.ocpi.base import Boolean, Number, OcpiModel, String64


class EnergySourceCategory(StrEnum):
    """mod_locations_energysourcecategory_enum."""

    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnvironmentalImpactCategory(StrEnum):
    """mod_locations_environmentalimpactcategory_enum."""

    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"


class EnergySource(OcpiModel):
    """mod_locations_energysource_class: one category and its share of the mix."""

    source: EnergySourceCategory
    # "Percentage of this source (0-100) in the mix."
    percentage: Number = Field(ge=Decimal(0), le=Decimal(100))


class EnvironmentalImpact(OcpiModel):
    """mod_locations_environmentalimpact_class: waste or emission in g/kWh."""

    category: EnvironmentalImpactCategory
    amount: Number


class EnergyMix(OcpiModel):
    """mod_locations_energymix_class."""

    is_green_energy: Boolean
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: String64 | None = None
    energy_product_name: String64 | None = None
