"""Objects checked against the 2.2.1 wire models (hub/ocpi/v221), each violation named by its field path,
and DateTime values checked against the forms types_datetime_type allows."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ValidationError

from hub.ocpi.base import parse_datetime

# types_datetime_type: RFC 3339 in UTC, "Z" optional, fractions optional, string(25); "+00:00 is not the same
# as UTC" and "other formats/patterns are not allowed".
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?")


def datetime_problem(value: Any) -> str | None:
    """Why `value` is not a DateTime in an allowed form, or None."""
    if not isinstance(value, str):
        return f"{value!r} is not a string"
    if not _DATETIME.fullmatch(value):
        return f"{value!r} is not in an allowed form (e.g. 2015-06-29T20:39:09Z, UTC, no offset)"
    if len(value) > 25:
        return f"{value!r} is longer than string(25)"
    try:
        parse_datetime(value)
    except ValueError:
        return f"{value!r} is not a valid date and time"
    return None


def join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def _error_path(prefix: str, loc: tuple[int | str, ...]) -> str:
    path = prefix
    for part in loc:
        path = join(path, part)
    return path or "(object)"


def violations(model: type[BaseModel], data: Any, *, path: str = "") -> list[str]:
    """Every way `data` breaks `model`, as `field.path: message`; [] when it is valid."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        found = []
        for error in exc.errors():
            message = str(error.get("msg", "invalid"))
            message = message.removeprefix("Value error, ")
            found.append(f"{_error_path(path, tuple(error.get('loc', ())))}: {message}")
        return found
    return []


def _is_datetime(metadata: tuple[Any, ...]) -> bool:
    return any(isinstance(m, BeforeValidator) and m.func is parse_datetime for m in metadata)


def _values(annotation: Any, metadata: tuple[Any, ...], value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if value is None:
        return
    if _is_datetime(metadata):
        yield path, value
        return
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        yield from _values(args[0], tuple(args[1:]), value, path)
    elif origin in (Union, types.UnionType):
        for arg in args:
            if arg is not type(None):
                yield from _values(arg, (), value, path)
                return
    elif origin is list and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _values(args[0], (), item, join(path, index))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from datetime_values(annotation, value, path=path)


def datetime_values(model: type[BaseModel], data: Any, *, path: str = "") -> Iterator[tuple[str, Any]]:
    """(field path, raw value) of every DateTime field present in `data`, read as `model`."""
    if not isinstance(data, dict):
        return
    for name, info in model.model_fields.items():
        if name in data:
            yield from _values(info.annotation, tuple(info.metadata), data[name], join(path, name))


def datetime_violations(model: type[BaseModel], data: Any, *, path: str = "") -> list[str]:
    found = []
    for field_path, value in datetime_values(model, data, path=path):
        problem = datetime_problem(value)
        if problem is not None:
            found.append(f"{field_path}: {problem}")
    return found
