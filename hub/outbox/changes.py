"""What one push carries, and how a newer change merges into a pending push of the same object
(transport_and_format_client_owned_object_push; mod_sessions PATCH appends charging_periods)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from hub.ocpi.base import ci_equal, format_datetime, parse_datetime

# (evse_uid, connector_id) below a Location; () is the object itself.
Target = tuple[str, ...]


@dataclass(frozen=True)
class Push:
    """One request's worth of change: PUT (the whole object at `target`), PATCH (changed fields and
    last_updated), POST (a CDR, a command result) or DELETE."""

    module: str
    target: Target
    method: str
    body: dict[str, Any] | None


def covers(ancestor: Target, target: Target) -> bool:
    """`ancestor` is `target` or contains it (a Location contains its EVSEs, an EVSE its Connectors)."""
    return len(ancestor) <= len(target) and all(
        ci_equal(a, b) for a, b in zip(ancestor, target, strict=False)
    )


def overlaps(first: Target, second: Target) -> bool:
    return covers(first, second) or covers(second, first)


def _later(first: Any, second: Any) -> Any:
    if first is None:
        return second
    if second is None:
        return first
    return format_datetime(max(parse_datetime(first), parse_datetime(second)))


def _patch_fields(module: str, old: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for field, value in changes.items():
        if module == "sessions" and field == "charging_periods":
            # A Sessions PATCH appends its charging_periods (mod_sessions: "add the new charging periods").
            merged[field] = [*(old.get(field) or []), *(value or [])]
        elif field == "last_updated":
            merged[field] = _later(old.get(field), value)
        else:
            merged[field] = value
    return merged


# Below a Location (level 0) come its EVSEs (level 1), below an EVSE its Connectors.
_CHILDREN = {0: ("evses", "uid"), 1: ("connectors", "id")}


def _apply(
    module: str, body: dict[str, Any], level: int, path: Target, change: Push
) -> dict[str, Any] | None:
    """`body` (the whole object at `level`) with `change` applied at the relative `path`; None when the
    object named by `path` is not in `body` and the change is only a PATCH."""
    if not path:
        if change.method == "PUT":
            return dict(change.body or {})
        return _patch_fields(module, body, change.body or {})
    if module != "locations" or level not in _CHILDREN:
        return None
    field, key = _CHILDREN[level]
    children = list(body.get(field) or [])
    for index, child in enumerate(children):
        if isinstance(child, dict) and ci_equal(str(child.get(key, "")), path[0]):
            updated = _apply(module, child, level + 1, path[1:], change)
            if updated is None:
                return None
            children[index] = updated
            break
    else:
        if change.method != "PUT" or len(path) != 1:
            return None
        children.append(dict(change.body or {}))
    result = {**body, field: children}
    stamp = (change.body or {}).get("last_updated")
    if stamp is not None:
        # mod_locations: "If an EVSE is updated, also the 'parent' Location's `last_updated` field needs to
        # be updated."
        result["last_updated"] = _later(body.get("last_updated"), stamp)
    return result


def merge(pending: Push, newer: Push) -> Push | None:
    """The single push that has the effect of `pending` followed by `newer`, or None when there is none."""
    if newer.method in ("PUT", "DELETE") and covers(newer.target, pending.target):
        return newer
    if pending.method == "PUT" and covers(pending.target, newer.target) and newer.method in ("PUT", "PATCH"):
        path = newer.target[len(pending.target) :]
        body = _apply(pending.module, pending.body or {}, len(pending.target), path, newer)
        return None if body is None else replace(pending, body=body)
    if pending.method == "PATCH" and newer.method == "PATCH" and pending.target == newer.target:
        return replace(pending, body=_patch_fields(pending.module, pending.body or {}, newer.body or {}))
    return None


def absorbing(head: Push, queued: Sequence[Push]) -> list[tuple[int, Push]]:
    """`head` with the pushes queued behind it merged in, in order, as far as they merge: for each one taken in,
    its index in `queued` and the merged push after it. A push of another part of the object (a sibling EVSE)
    that does not merge is stepped over, and those after it are still taken in unless they touch it: each part
    keeps the order of its own changes."""
    merged: list[tuple[int, Push]] = []
    passed: list[Target] = []
    for index, newer in enumerate(queued):
        if any(overlaps(target, newer.target) for target in passed):
            break
        step = merge(head, newer)
        if step is None:
            if overlaps(head.target, newer.target):
                break
            passed.append(newer.target)
            continue
        head = step
        merged.append((index, head))
    return merged
