"""What one Connector of a Location can draw (mod_locations_connector_object): its maximum from
max_electric_power, else max_voltage x max_amperage x phases, and the least rate it charges at."""

from __future__ import annotations

from typing import Any

# IEC 61851-1: an AC charger signals no less than 6 A; below that the car stops charging.
AC_MINIMUM_A = 6
# A DC charger's least rate is its own; a kilowatt keeps a DC session alive on any charger we know.
DC_MINIMUM_W = 1000
PHASES = {"AC_1_PHASE": 1, "AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3, "DC": 1}


def _int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def maximum_w(connector: dict[str, Any]) -> int:
    """The Connector's maximum power in W."""
    if connector.get("max_electric_power") is not None:
        return _int(connector["max_electric_power"])
    phases = PHASES.get(str(connector.get("power_type")), 1)
    return _int(connector.get("max_voltage")) * _int(connector.get("max_amperage")) * phases


def minimum_w(connector: dict[str, Any]) -> int:
    """The least rate the Connector charges at, never above its maximum."""
    power_type = str(connector.get("power_type"))
    if power_type == "DC":
        least = DC_MINIMUM_W
    else:
        least = AC_MINIMUM_A * _int(connector.get("max_voltage")) * PHASES.get(power_type, 1)
    return min(least, maximum_w(connector))


def watts_per_amp(connector: dict[str, Any]) -> int:
    """W per A of a limit in A (a smart-charging partner's profile in A), at the Connector's voltage."""
    return _int(connector.get("max_voltage")) * PHASES.get(str(connector.get("power_type")), 1)


def find_connector(location: dict[str, Any], evse_uid: str, connector_id: str) -> dict[str, Any] | None:
    for evse in location.get("evses") or []:
        if str(evse.get("uid", "")).upper() != evse_uid.upper():
            continue
        for connector in evse.get("connectors") or []:
            if str(connector.get("id", "")).upper() == connector_id.upper():
                return dict(connector)
    return None


def site_minimum_w(location: dict[str, Any]) -> int:
    """The sum of every EVSE's least rate (an EVSE charges one car at a time: its largest Connector minimum):
    what a site limit must allow for every EVSE to charge at once."""
    total = 0
    for evse in location.get("evses") or []:
        if str(evse.get("status")) == "REMOVED":
            continue
        total += max((minimum_w(c) for c in evse.get("connectors") or []), default=0)
    return total
