"""The registry of conformance checks: each is a small named function with its module, interface role, the
spec section it enforces, whether it sends only GETs, and the phase of the run it belongs to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from contracts.result import SpecRef

if TYPE_CHECKING:
    from contracts.context import Context

CheckFn = Callable[["Context"], Awaitable[None]]


class Phase(IntEnum):
    """When a check runs: a run walks the phases in this order."""

    DISCOVER = 0  # versions and details, read during discovery
    CONNECT = 1  # with CREDENTIALS_TOKEN_A, before registering
    REGISTER = 2  # the credentials POST
    REGISTERED = 3  # credentials rules once registered
    MODULES = 4  # the functional and configuration modules
    CLEANUP = 5  # removing what the suite pushed, the way each module allows, once every module ran
    UNREGISTER = 6  # the credentials DELETE
    REVIEW = 7  # over every exchange of the run, and coverage


# Groups that are not ModuleIDs.
VERSIONS = "versions"
TRANSPORT = "transport"
HUB = "hub"

# Run and report order within a phase: the configuration modules, then the functional modules in the order they
# depend on each other (Sessions and CDRs take place at the Location the Locations checks pushed).
MODULE_ORDER = [
    VERSIONS,
    TRANSPORT,
    "credentials",
    "locations",
    "tariffs",
    "sessions",
    "cdrs",
    "tokens",
    "commands",
    "chargingprofiles",
    "hubclientinfo",
    HUB,
]


@dataclass(frozen=True)
class Check:
    name: str
    module: str
    role: str | None
    spec: SpecRef
    read_only: bool
    phase: Phase
    title: str
    run: CheckFn


CHECKS: list[Check] = []


def register(
    name: str,
    fn: CheckFn,
    *,
    module: str,
    role: str | None = None,
    spec: tuple[str, str, str],
    read_only: bool = True,
    phase: Phase = Phase.MODULES,
    title: str | None = None,
) -> Check:
    """Add a check; the title is the first paragraph of the function's docstring unless given."""
    if any(existing.name == name for existing in CHECKS):
        raise ValueError(f"check {name} is registered twice")
    paragraph = (fn.__doc__ or "").strip().split("\n\n")[0]
    doc = [" ".join(paragraph.split())] if paragraph else []
    check = Check(
        name=name,
        module=module,
        role=role,
        spec=SpecRef(*spec),
        read_only=read_only,
        phase=phase,
        title=title or (doc[0] if doc else name),
        run=fn,
    )
    CHECKS.append(check)
    return check


def check(
    name: str,
    *,
    module: str,
    role: str | None = None,
    spec: tuple[str, str, str],
    read_only: bool = True,
    phase: Phase = Phase.MODULES,
) -> Callable[[CheckFn], CheckFn]:
    """Decorator form of `register`."""

    def decorate(fn: CheckFn) -> CheckFn:
        register(name, fn, module=module, role=role, spec=spec, read_only=read_only, phase=phase)
        return fn

    return decorate


def all_checks() -> list[Check]:
    """Every check, in run order: phase, module (MODULE_ORDER), then registration order."""
    import contracts.checks  # noqa: F401 - registers every check module

    return sorted(CHECKS, key=lambda c: (c.phase, MODULE_ORDER.index(c.module)))
