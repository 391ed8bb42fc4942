"""The announcement gate (DESIGN: "What complete means"): every module and interface role the version details
announce has checks in this suite, and at least one of them passed with none failing."""

from __future__ import annotations

from contracts.context import Context
from contracts.registry import CHECKS, VERSIONS, Phase, check
from contracts.result import CheckResult, Outcome, expect, not_applicable
from hub.ocpi.enums import ModuleID

MODULE_IDS = {m.value for m in ModuleID}
READ_ONLY_REASON = "read-only run"


def _covers(module: str, role: str, item_module: str, item_role: str | None) -> bool:
    return item_module == module and (module == ModuleID.CREDENTIALS.value or item_role == role)


@check(
    "versions.every_announced_interface_checked",
    module=VERSIONS,
    spec=(
        "version_information_endpoint.asciidoc",
        "Version details endpoint",
        "version_information_endpoint_version_details_endpoint",
    ),
    phase=Phase.REVIEW,
)
async def every_announced_interface_checked(ctx: Context) -> None:
    """Every announced module/interface role has checks, none of them failed, and at least one passed."""
    if not ctx.endpoints:
        not_applicable("no version details were read")
    announced = list(
        dict.fromkeys((e.identifier, e.role) for e in ctx.endpoints if e.identifier in MODULE_IDS)
    )
    problems: list[str] = []
    for module, role in announced:
        label = module if module == ModuleID.CREDENTIALS.value else f"{module} {role}"
        if not any(_covers(module, role, c.module, c.role) for c in CHECKS):
            problems.append(f"{label}: the suite has no check for it")
            continue
        if ctx.config.modules and module not in ctx.config.modules and module != ModuleID.CREDENTIALS.value:
            continue
        results: list[CheckResult] = [r for r in ctx.results if _covers(module, role, r.module, r.role)]
        failed = [r.name for r in results if r.outcome == Outcome.FAIL]
        if failed:
            problems.append(f"{label}: failing {', '.join(failed)}")
        elif not any(r.outcome == Outcome.PASS for r in results):
            if all(r.message.startswith(READ_ONLY_REASON) for r in results):
                continue
            reasons = sorted({r.message for r in results})
            problems.append(f"{label}: no check could run ({'; '.join(reasons)})")
    expect(not problems, "announced but not proven complete: " + " | ".join(problems))
