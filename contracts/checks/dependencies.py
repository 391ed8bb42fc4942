"""Module dependencies the chapters state ("Module dependency"): the Locations Receiver needs the Tariffs
Receiver, Commands needs Locations and Sessions, ChargingProfiles needs Sessions."""

from __future__ import annotations

from contracts.context import Context
from contracts.registry import CheckFn, Phase, register
from contracts.result import expect

# (module, interface role, spec section, the modules it depends on, the role they need or None for any)
DEPENDENCIES = (
    (
        "locations",
        "RECEIVER",
        ("mod_locations.asciidoc", "Locations module", "mod_locations_locations_module"),
        ("tariffs",),
        "RECEIVER",
    ),
    (
        "commands",
        "RECEIVER",
        ("mod_commands.asciidoc", "Commands module", "mod_commands_commands_module"),
        ("locations", "sessions"),
        None,
    ),
    (
        "commands",
        "SENDER",
        ("mod_commands.asciidoc", "Commands module", "mod_commands_commands_module"),
        ("locations", "sessions"),
        None,
    ),
    (
        "chargingprofiles",
        "RECEIVER",
        ("mod_charging_profiles.asciidoc", "ChargingProfiles module", "mod_charging_profiles_module"),
        ("sessions",),
        None,
    ),
    (
        "chargingprofiles",
        "SENDER",
        ("mod_charging_profiles.asciidoc", "ChargingProfiles module", "mod_charging_profiles_module"),
        ("sessions",),
        None,
    ),
)


def _dependency_check(module: str, role: str, needs: tuple[str, ...], needed_role: str | None) -> CheckFn:
    wanted = " and ".join(f"{n} {needed_role}" if needed_role else n for n in needs)

    async def dependencies_announced(ctx: Context) -> None:
        missing = [n for n in needs if ctx.endpoint(n, needed_role) is None]
        expect(not missing, f"{module} {role} is announced without {', '.join(missing)}, which it depends on")

    dependencies_announced.__doc__ = (
        f"The {module} {role} interface comes with {wanted} (its module dependency)."
    )
    return dependencies_announced


for _module, _role, _spec, _needs, _needed_role in DEPENDENCIES:
    register(
        f"{_module}.{_role.lower()}.dependencies_announced",
        _dependency_check(_module, _role, _needs, _needed_role),
        module=_module,
        role=_role,
        spec=_spec,
        phase=Phase.DISCOVER,
    )
