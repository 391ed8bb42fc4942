"""Typed facade over `ocpp.routing`, which ships without type information."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from ocpp import routing

P = ParamSpec("P")
R = TypeVar("R")


def on(action: str, *, skip_schema_validation: bool = True) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Handle the CALL `action`; the handler returns the `call_result` dataclass of that action. The library's
    own validation is skipped: StationChargePoint validates requests, leniently, before they reach handlers."""
    decorator = routing.on(action, skip_schema_validation=skip_schema_validation)  # type: ignore[no-untyped-call]
    return cast(Callable[[Callable[P, R]], Callable[P, R]], decorator)


def after(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run after the answer to `action` has been sent (calls to the station belong here, never in `on`)."""
    decorator = routing.after(action)  # type: ignore[no-untyped-call]
    return cast(Callable[[Callable[P, R]], Callable[P, R]], decorator)
