"""Import of our own Locations, Tariffs and Tokens from a JSON array: all valid or nothing written (unless
told to skip invalid objects), and re-importing the same data changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.db import SessionMaker
from hub.errors import OcpiError, describe_validation_errors
from hub.modules.local_parties import owners_with_role
from hub.modules.locations.service import LocationService
from hub.modules.objects import Owner, Writer
from hub.modules.tariffs.service import TariffService
from hub.modules.tokens.repository import token_id
from hub.modules.tokens.service import TokenService
from hub.ocpi.enums import Role
from hub.ocpi.v221.locations import Location
from hub.ocpi.v221.tariffs import Tariff
from hub.ocpi.v221.tokens import Token


class ImportKind(StrEnum):
    LOCATIONS = "locations"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


MODELS: dict[ImportKind, type[Location] | type[Tariff] | type[Token]] = {
    ImportKind.LOCATIONS: Location,
    ImportKind.TARIFFS: Tariff,
    ImportKind.TOKENS: Token,
}
# The role of the parties that own each kind: CPOs own Locations and Tariffs, eMSPs own Tokens.
OWNER_ROLES: dict[ImportKind, Role] = {
    ImportKind.LOCATIONS: Role.CPO,
    ImportKind.TARIFFS: Role.CPO,
    ImportKind.TOKENS: Role.EMSP,
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


def object_id(obj: BaseModel) -> str:
    """The id an object is stored under: its `id`, or uid and type together for a Token."""
    if isinstance(obj, Token):
        return token_id(obj.uid, obj.type)
    assert isinstance(obj, Location | Tariff)
    return obj.id


def owner_of(obj: BaseModel) -> Owner:
    assert isinstance(obj, Location | Tariff | Token)
    return Owner.of(obj.country_code, obj.party_id)


def _service(
    kind: ImportKind, session: AsyncSession, owner: Owner
) -> LocationService | TariffService | TokenService:
    if kind == ImportKind.LOCATIONS:
        return LocationService(session, owner, Writer(None))
    if kind == ImportKind.TOKENS:
        return TokenService(session, owner, Writer(None))
    return TariffService(session, owner, Writer(None))


def validate_items(
    kind: ImportKind, items: Any, settings: Settings
) -> tuple[list[tuple[int, BaseModel]], list[Invalid]]:
    """Every item validated and checked to belong to one of our parties of the owner role (CPO, or EMSP for
    Tokens); duplicates are invalid."""
    if not isinstance(items, list):
        raise ImportFileError(f"expected a JSON array of {kind} objects, got a JSON {type(items).__name__}")
    role = OWNER_ROLES[kind]
    owners = owners_with_role(settings, role)
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
        owner = owner_of(obj)
        if owner not in owners:
            invalid.append(
                Invalid(
                    index,
                    f"country_code/party_id {owner} is not one of our {role.value} parties (OCPI_HUB_PARTIES)",
                )
            )
            continue
        identity = (owner.country_code, owner.party_id, object_id(obj).upper())
        if identity in seen:
            what = (
                f"uid {obj.uid} of type {obj.type.value}"
                if isinstance(obj, Token)
                else f"id {object_id(obj)}"
            )
            invalid.append(Invalid(index, f"{what} repeats item {seen[identity]}"))
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
        services: dict[Owner, LocationService | TariffService | TokenService] = {}
        for owner in {owner_of(o) for _, o in valid}:
            services[owner] = _service(kind, session, owner)
            ids = [object_id(o) for _, o in valid if owner_of(o) == owner]
            await services[owner].repo.preload([owner] * len(ids), ids)
        for index, obj in valid:
            service = services[owner_of(obj)]
            try:
                if isinstance(service, LocationService):
                    assert isinstance(obj, Location)
                    created, changed = await service.put_location(obj.id, obj)
                elif isinstance(service, TokenService):
                    assert isinstance(obj, Token)
                    created, changed = await service.put(obj.uid, obj.type, obj)
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
