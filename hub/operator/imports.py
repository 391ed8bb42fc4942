"""Import of our own Locations and Tariffs from a JSON array: all valid or nothing written (unless told to
skip invalid objects), and re-importing the same data changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.config import Settings
from hub.db import SessionMaker
from hub.errors import OcpiError, describe_validation_errors
from hub.modules.locations.service import LocationService, Writer
from hub.modules.objects import Owner
from hub.modules.tariffs.service import TariffService
from hub.ocpi.enums import Role
from hub.ocpi.v221.locations import Location
from hub.ocpi.v221.tariffs import Tariff


class ImportKind(StrEnum):
    LOCATIONS = "locations"
    TARIFFS = "tariffs"


MODELS: dict[ImportKind, type[Location] | type[Tariff]] = {
    ImportKind.LOCATIONS: Location,
    ImportKind.TARIFFS: Tariff,
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not JSON, not an array)."""


@dataclass
class Invalid:
    index: int
    reason: str

    def __str__(self) -> str:
        return f"item {self.index}: {self.reason}"


@dataclass
class ImportReport:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: list[Invalid] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "written": self.written,
            "invalid": [{"index": i.index, "reason": i.reason} for i in self.invalid],
        }


def cpo_owners(settings: Settings) -> set[Owner]:
    return {Owner.of(p.country_code, p.party_id) for p in settings.parties if p.role == Role.CPO}


def validate_items(
    kind: ImportKind, items: Any, settings: Settings
) -> tuple[list[tuple[int, BaseModel]], list[Invalid]]:
    """Every item validated and checked to belong to one of our CPO parties; duplicates are invalid."""
    if not isinstance(items, list):
        raise ImportFileError(f"expected a JSON array of {kind} objects, got a JSON {type(items).__name__}")
    owners = cpo_owners(settings)
    model = MODELS[kind]
    valid: list[tuple[int, BaseModel]] = []
    invalid: list[Invalid] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, item in enumerate(items):
        try:
            obj = model.model_validate(item)
        except ValidationError as exc:
            invalid.append(Invalid(index, describe_validation_errors(exc.errors())))
            continue
        owner = Owner.of(obj.country_code, obj.party_id)
        if owner not in owners:
            invalid.append(
                Invalid(
                    index, f"country_code/party_id {owner} is not one of our CPO parties (OCPI_HUB_PARTIES)"
                )
            )
            continue
        identity = (owner.country_code, owner.party_id, obj.id.upper())
        if identity in seen:
            invalid.append(Invalid(index, f"id {obj.id} repeats item {seen[identity]}"))
            continue
        seen[identity] = index
        valid.append((index, obj))
    return valid, invalid


async def import_objects(
    sessionmaker: SessionMaker,
    settings: Settings,
    kind: ImportKind,
    items: Any,
    *,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate everything first; write in one transaction, so an import is never partial by accident."""
    valid, invalid = validate_items(kind, items, settings)
    report = ImportReport(kind=kind.value, total=len(items), invalid=invalid)
    if invalid and not skip_invalid:
        return report
    async with sessionmaker() as session:
        services: dict[Owner, LocationService | TariffService] = {}
        for owner in {Owner.of(o.country_code, o.party_id) for _, o in valid}:  # type: ignore[attr-defined]
            service_type = LocationService if kind == ImportKind.LOCATIONS else TariffService
            services[owner] = service_type(session, owner, Writer(None))
            ids = [o.id for _, o in valid if Owner.of(o.country_code, o.party_id) == owner]  # type: ignore[attr-defined]
            await services[owner].repo.preload([owner] * len(ids), ids)
        for index, obj in valid:
            service = services[Owner.of(obj.country_code, obj.party_id)]  # type: ignore[attr-defined]
            try:
                if isinstance(service, LocationService):
                    assert isinstance(obj, Location)
                    created, changed = await service.put_location(obj.id, obj)
                else:
                    assert isinstance(obj, Tariff)
                    created, changed = await service.put(obj.id, obj)
            except OcpiError as exc:
                report.invalid.append(Invalid(index, exc.message))
                if not skip_invalid:
                    await session.rollback()
                    report.created = report.updated = report.unchanged = 0
                    return report
                continue
            if created:
                report.created += 1
            elif changed:
                report.updated += 1
            else:
                report.unchanged += 1
            if progress is not None:
                progress(1)
        for service in services.values():
            await service.repo.flush_bulk()
        await session.commit()
    report.written = True
    return report
