"""What an OCPI 2.2.1 Receiver keeps of the objects pushed to it (transport_and_format_client_owned_object_push;
mod_locations, mod_sessions, mod_tariffs, mod_tokens, mod_cdrs Receiver interfaces): PUT stores the whole
object, PATCH replaces the fields it names, a changed EVSE or Connector bumps its parents' `last_updated`, a
Session PATCH appends its `charging_periods`. Written apart from hub/outbox so that tests compare what a
partner ends up with against the hub's own rules."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class MissingObjectError(Exception):
    """The request names an object (or its parent) the partner does not hold: HTTP 404."""


def _later(first: str | None, second: str | None) -> str | None:
    if first is None or second is None:
        return second if first is None else first
    return first if datetime.fromisoformat(first) >= datetime.fromisoformat(second) else second


def _find(items: list[dict[str, Any]], key: str, value: str) -> int | None:
    for index, item in enumerate(items):
        if str(item.get(key, "")).casefold() == value.casefold():
            return index
    return None


def _patched(module: str, old: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    new = dict(old)
    for name, value in body.items():
        if module == "sessions" and name == "charging_periods":
            new[name] = [*(old.get(name) or []), *(value or [])]
        else:
            new[name] = copy.deepcopy(value)
    return new


@dataclass
class PartnerModel:
    """The objects one partner holds, by (module, country_code, party_id, id[, token type])."""

    objects: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    cdrs: list[dict[str, Any]] = field(default_factory=list)

    def get(self, module: str, country_code: str, party_id: str, object_id: str) -> dict[str, Any] | None:
        return self.objects.get((module, country_code.upper(), party_id.upper(), object_id.upper()))

    def apply(
        self,
        module: str,
        method: str,
        parts: list[str],
        body: Any,
        *,
        token_type: str | None = None,
    ) -> None:
        """Apply one request; `parts` are the URL segments below the module's endpoint."""
        if module == "cdrs":
            if method != "POST":
                raise MissingObjectError(f"{method} on the CDRs endpoint")
            self.cdrs.append(copy.deepcopy(body))
            return
        if len(parts) < 3:
            raise MissingObjectError(f"{method} {'/'.join(parts)} names no object")
        key: tuple[str, ...] = (module, parts[0].upper(), parts[1].upper(), parts[2].upper())
        if module == "tokens":
            key = (*key, (token_type or "RFID").upper())
        below = parts[3:]
        if module != "locations" and below:
            raise MissingObjectError(f"{module} objects have no parts below them")
        if method == "DELETE" and not below:
            self.objects.pop(key, None)
            return
        if not below:
            if method == "PUT":
                self.objects[key] = copy.deepcopy(body)
                return
            old = self.objects.get(key)
            if old is None or method != "PATCH":
                raise MissingObjectError(f"{method} of {'/'.join(parts)}, which the partner lacks")
            self.objects[key] = _patched(module, old, body)
            return
        location = self.objects.get(key)
        if location is None:
            raise MissingObjectError(f"Location {parts[2]} is unknown")
        self.objects[key] = _child(location, 0, below, method, body)


def _child(
    parent: dict[str, Any], level: int, below: list[str], method: str, body: dict[str, Any]
) -> dict[str, Any]:
    """`parent` (a Location at level 0, an EVSE at level 1) with the EVSE or Connector at `below` put or
    patched."""
    children_field, key = ("evses", "uid") if level == 0 else ("connectors", "id")
    children = list(parent.get(children_field) or [])
    index = _find(children, key, below[0])
    if len(below) > 1:
        if index is None:
            raise MissingObjectError(f"EVSE {below[0]} is unknown")
        child = _child(children[index], level + 1, below[1:], method, body)
    elif method == "PUT":
        child = copy.deepcopy(body)
    elif index is None:
        raise MissingObjectError(f"{children_field} {below[0]} is unknown")
    else:
        child = _patched("locations", children[index], body)
    if index is None:
        children.append(child)
    else:
        children[index] = child
    # mod_locations: "If an EVSE is updated, also the 'parent' Location's last_updated field needs to be
    # updated" (and a Connector's EVSE and Location).
    return {
        **parent,
        children_field: children,
        "last_updated": _later(parent.get("last_updated"), child.get("last_updated")),
    }
