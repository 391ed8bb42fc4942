"""Schema validation of station CALLs against the `ocpp` library's bundled JSON schemas (ocpp-notes §1.4,
§1.7). A compiled validator (fastjsonschema, draft-04 as the library's `Draft4Validator`, no format checks as
in jsonschema without a format checker) says in microseconds that a payload is valid, which nearly all are;
only a payload it refuses is validated again with the library's jsonschema validator, whose errors decide
what is let through and which CALLERROR the rest is."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import fastjsonschema
from ocpp.messages import MessageType, get_validator

DRAFT_4 = "http://json-schema.org/draft-04/schema#"


@cache
def _validators(action: str, version: str) -> tuple[Any, Callable[[Any], Any]] | None:
    try:
        validator = get_validator(MessageType.Call, action, version)
    except (OSError, ValueError):
        return None
    # The 2.0.1 schemas name draft-06, which the library validates as draft-04 (e.g. 1.0 is no integer).
    schema = {**validator.schema, "$schema": DRAFT_4}
    return validator, fastjsonschema.compile(schema, use_formats=False)


def violations(action: str, version: str, payload: Any) -> list[Any]:
    """The jsonschema errors of a CALL payload; empty when it is valid or there is no schema for it."""
    found = _validators(action, version)
    if found is None:
        return []
    validator, compiled = found
    try:
        compiled(payload)
    except fastjsonschema.JsonSchemaException:
        return list(validator.iter_errors(payload))
    return []
