"""`ocpi-hub price`: price a CDR-shaped JSON file with a Tariff JSON file (mod_tariffs_tariff_object,
mod_cdrs_cdr_object) and print the CDR cost fields as one JSON object."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from hub.ocpi.v221.cdrs import PricingInput
from hub.ocpi.v221.tariffs import Tariff
from hub.pricing.engine import Cost, PricedSession, format_amount, price_session

__all__ = ["cdr_location_key", "price_command", "priced_json", "render_json"]

M = TypeVar("M", bound=BaseModel)


class _InputError(Exception):
    """One line for stderr, after "error: "."""


def _zone(name: str | None, source: str) -> tuple[tzinfo, str]:
    if name is None:
        return UTC, "UTC (default)"
    try:
        return ZoneInfo(name), f"{name} ({source})"
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _InputError(
            f"unknown time zone {name!r}: expected an IANA name such as Europe/Amsterdam"
        ) from None


def _location(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: ValidationError, prefix: Sequence[int | str]) -> str:
    errors = error.errors(include_url=False)
    first = errors[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    value = first.get("input")
    if first["type"] != "missing" and isinstance(value, str | int | Decimal) and len(str(value)) <= 40:
        message += f" (got {value!r})" if isinstance(value, str) else f" (got {value})"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more {'error' if len(errors) == 2 else 'errors'})"
    where = _location([*prefix, *first["loc"]])
    return f"{where}: {message}" if where else message


def _read(path: Path, model: type[M], marker: str) -> M:
    """Read one object of `model` from `path`: bare, or as the `data` of an OCPI response envelope."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise _InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _InputError(f"{path}: not UTF-8 text") from None
    try:
        # Numbers straight to Decimal: money never passes through a binary float.
        document = json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except json.JSONDecodeError as exc:
        raise _InputError(
            f"{path}: not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from None
    prefix: list[int | str] = []
    if isinstance(document, dict) and "data" in document and marker not in document:
        document, prefix = document["data"], ["data"]
        if isinstance(document, list):
            if len(document) != 1:
                raise _InputError(f"{path}: data holds {len(document)} objects; expected exactly one")
            document, prefix = document[0], ["data", 0]
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise _InputError(f"{path}: {_describe(exc, prefix)}") from None


def cdr_location_key(cdr_path: Path) -> tuple[str | None, str | None, str] | None:
    """(country_code, party_id, cdr_location.id) of the CDR at `cdr_path`, so a caller can look up the
    Location's `time_zone` (CdrLocation has none in 2.2.1); None when the file cannot be read or has no
    cdr_location. `price_command` reports any problem with the file itself."""
    try:
        session = _read(cdr_path, PricingInput, "charging_periods")
    except _InputError:
        return None
    if session.cdr_location is None:
        return None
    return session.country_code, session.party_id, session.cdr_location.id


def _price(cost: Cost) -> dict[str, Decimal]:
    fields = {"excl_vat": cost.excl_vat}
    if cost.incl_vat is not None:
        fields["incl_vat"] = cost.incl_vat
    return fields


def priced_json(priced: PricedSession) -> dict[str, Any]:
    """The command's output object: the CDR cost fields (each a Price) and the notes."""
    return {
        "total_cost": _price(priced.total_cost),
        "total_fixed_cost": _price(priced.total_fixed_cost),
        "total_energy_cost": _price(priced.total_energy_cost),
        "total_time_cost": _price(priced.total_time_cost),
        "total_parking_cost": _price(priced.total_parking_cost),
        "total_parking_time_cost": _price(priced.total_parking_time_cost),
        "total_reservation_cost": _price(priced.total_reservation_cost),
        "notes": list(priced.notes),
    }


def render_json(value: Any, indent: int = 0) -> str:
    """JSON text in which Decimals are written as JSON numbers with at most 4 decimals (no float on the way)."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, Decimal):
        return format_amount(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k))}: {render_json(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{inner}{render_json(v, indent + 1)}" for v in value) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


def price_command(
    tariff_path: Path, cdr_path: Path, time_zone: str | None, *, time_zone_source: str = "from --time-zone"
) -> int:
    """Price the CDR at `cdr_path` with the Tariff at `tariff_path`; return the exit status.

    `time_zone` is the Location's IANA zone (None: UTC); `time_zone_source` says where the caller found it,
    e.g. "from the Location in the database". Errors are one line on stderr and status 1.
    """
    try:
        zone, zone_text = _zone(time_zone, time_zone_source)
        tariff = _read(tariff_path, Tariff, "elements")
        session = _read(cdr_path, PricingInput, "charging_periods")
    except _InputError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    priced = price_session(tariff, session, zone)
    sys.stderr.write(f"time zone: {zone_text}\n")
    sys.stdout.write(render_json(priced_json(priced)) + "\n")
    return 0
