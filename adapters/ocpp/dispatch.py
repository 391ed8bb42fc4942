"""What the `ocpp` library does per CALL around its handler, done once instead of per message (ocpp-notes
§1.7): camelCase payload keys made snake_case through a memo of the library's own conversion, whether a
handler takes `call_unique_id` looked up once per handler instead of `inspect.signature` on every call, and
an answer with no field set (most CALLRESULTs of station messages) sent as `{}` without serialising it."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from ocpp.charge_point import camel_to_snake_case, remove_nones, serialize_as_dict, snake_to_camel_case

# Keys are a station's to choose (unknown fields are let through): the memo is bounded.
KEYS_REMEMBERED = 4096


@lru_cache(maxsize=KEYS_REMEMBERED)
def snake_key(key: str) -> str:
    converted: dict[str, Any] = camel_to_snake_case({key: None})  # type: ignore[no-untyped-call]
    return next(iter(converted))


def snake_case(data: Any) -> Any:
    """`ocpp.charge_point.camel_to_snake_case`, with each key converted once."""
    if isinstance(data, dict):
        return {snake_key(key): snake_case(value) for key, value in data.items()}
    if isinstance(data, list):
        return [snake_case(value) for value in data]
    return data


@cache
def _takes_unique_id(function: Callable[..., Any]) -> bool:
    return "call_unique_id" in inspect.signature(function).parameters


def takes_unique_id(handler: Callable[..., Any]) -> bool:
    """Whether the handler (a bound method or a function) wants the CALL's unique id."""
    return _takes_unique_id(getattr(handler, "__func__", handler))


@cache
def _field_names(kind: Any) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(kind))


def answer_payload(response: Any) -> Any:
    """The CALLRESULT payload of a handler's `call_result` dataclass, as the library makes it."""
    kind: Any = type(response)
    record = dataclasses.is_dataclass(response) and not isinstance(response, type)
    if record and all(getattr(response, name) is None for name in _field_names(kind)):
        return {}
    return snake_to_camel_case(remove_nones(serialize_as_dict(response)))  # type: ignore[no-untyped-call]
